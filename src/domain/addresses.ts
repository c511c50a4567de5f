/**
 * The address rules: a customer's first address is its default, making one address default clears the others,
 * deleting the default promotes the oldest remaining one, and tags keep the order first given without
 * duplicates. Every change raises the customer's version. One transaction per operation.
 */
import type { AddressChanges } from '../store/addresses.js';
import type { Repositories } from '../store/index.js';
import type { Reach } from '../store/reach.js';
import type { AddressRow, CustomerRow } from '../store/schema.js';
import type { CustomerService } from './customers.js';
import { badInput, conflict, notFound } from './errors.js';
import { newHexId } from './ids.js';
import {
  LIMITS,
  mergeTags,
  parseAddressInput,
  parseAddressPatch,
  parseTags,
  type AddressInput,
  type AddressPatch,
} from './validation.js';

/** The address fields that map 1:1 onto columns and may be empty. */
const OPTIONAL_FIELDS = [
  'companyName',
  'street',
  'streetNumber',
  'streetAppendix',
  'extraLine1',
  'extraLine2',
  'extraLine3',
  'extraLine4',
  'zipCode',
  'city',
  'state',
  'contactPhone',
] as const;

type AddressFields = AddressChanges;

export function createAddressService(
  repos: Repositories,
  customerService: CustomerService,
  now: () => number = Date.now,
) {
  const { addresses } = repos;

  function getAddress(reach: Reach, customer: CustomerRow, addressId: string): AddressRow {
    const row = addresses.byIds(reach, [addressId])[0];
    if (!row || row.customerPk !== customer.pk)
      throw notFound(`Address ${addressId} of customer ${customer.customerNumber}`);
    return row;
  }

  function checkTagCount(tags: readonly string[]): void {
    if (tags.length > LIMITS.tagsPerAddress) {
      throw badInput([{ field: 'tags', message: `an address has at most ${LIMITS.tagsPerAddress} tags` }]);
    }
  }

  /** Runs an address change on one customer in a transaction and raises the customer's version after it. */
  function change<T>(reach: Reach, customerNumber: string, work: (customer: CustomerRow, at: number) => T): T {
    return repos.transaction(() => {
      const customer = customerService.get(reach, customerNumber);
      const result = work(customer, now());
      customerService.touch(reach, customer);
      return result;
    });
  }

  /** Makes `row` the customer's only default address. */
  function makeDefault(reach: Reach, row: AddressRow, at: number): void {
    addresses.clearDefaultExcept(reach, row.customerPk, row.pk, at);
  }

  function refuseUndefault(row: AddressRow, isDefault: boolean | null | undefined): void {
    if (row.isDefault && isDefault === false) {
      throw badInput([
        {
          field: 'input.isDefault',
          message: 'the default address stays default until another address is made default',
        },
      ]);
    }
  }

  /** The columns an input sets: all of them when replacing (absent means empty), else only those given. */
  function fieldsOf(input: AddressInput | AddressPatch, replaceAll: boolean): AddressFields {
    const fields: AddressFields = {};
    for (const field of OPTIONAL_FIELDS) {
      if (replaceAll || field in input) fields[field] = input[field] ?? null;
    }
    if (input.contactName !== undefined) fields.contactName = input.contactName;
    if (input.country !== undefined) fields.country = input.country;
    if (replaceAll || 'tags' in input) fields.tags = mergeTags([], input.tags ?? []);
    return fields;
  }

  return {
    add(reach: Reach, customerNumber: string, input: unknown): AddressRow {
      const fields = parseAddressInput(input);
      return change(reach, customerNumber, (customer, at) => {
        const id = fields.id ?? newHexId();
        if (addresses.idTaken(reach, id)) throw conflict(`Address id ${id} is already taken.`);
        const first = addresses.countByCustomer(reach, customer.pk) === 0;
        const row = addresses.insert(reach, {
          ...fieldsOf(fields, true),
          contactName: fields.contactName,
          country: fields.country,
          tags: mergeTags([], fields.tags ?? []),
          id,
          customerPk: customer.pk,
          isDefault: first || fields.isDefault === true,
          createdAt: at,
          modifiedAt: at,
        });
        if (row.isDefault) makeDefault(reach, row, at);
        return row;
      });
    },

    /** Replaces every field of the address; `isDefault: true` makes it the default. */
    update(reach: Reach, customerNumber: string, addressId: string, input: unknown): AddressRow {
      const fields = parseAddressInput(input);
      return change(reach, customerNumber, (customer, at) => {
        const existing = getAddress(reach, customer, addressId);
        refuseUndefault(existing, fields.isDefault);
        const row = addresses.update(reach, existing.pk, {
          ...fieldsOf(fields, true),
          isDefault: existing.isDefault || fields.isDefault === true,
          modifiedAt: at,
        });
        if (row.isDefault) makeDefault(reach, row, at);
        return row;
      });
    },

    patch(reach: Reach, customerNumber: string, addressId: string, input: unknown): AddressRow {
      const fields = parseAddressPatch(input);
      return change(reach, customerNumber, (customer, at) => {
        const existing = getAddress(reach, customer, addressId);
        refuseUndefault(existing, fields.isDefault);
        const row = addresses.update(reach, existing.pk, {
          ...fieldsOf(fields, false),
          isDefault: existing.isDefault || fields.isDefault === true,
          modifiedAt: at,
        });
        if (row.isDefault) makeDefault(reach, row, at);
        return row;
      });
    },

    delete(reach: Reach, customerNumber: string, addressId: string): { customerNumber: string; addressId: string } {
      return change(reach, customerNumber, (customer, at) => {
        const existing = getAddress(reach, customer, addressId);
        addresses.delete(reach, existing.pk);
        if (existing.isDefault) {
          // The oldest remaining address becomes the default.
          const oldest = addresses
            .byCustomerPks(reach, [customer.pk])
            .sort((a, b) => a.createdAt - b.createdAt || a.pk - b.pk)[0];
          if (oldest) addresses.update(reach, oldest.pk, { isDefault: true, modifiedAt: at });
        }
        return { customerNumber: customer.customerNumber, addressId: existing.id };
      });
    },

    addTags(reach: Reach, customerNumber: string, addressId: string, tags: unknown): AddressRow {
      const added = parseTags(tags);
      return change(reach, customerNumber, (customer, at) => {
        const existing = getAddress(reach, customer, addressId);
        const merged = mergeTags(existing.tags, added);
        checkTagCount(merged);
        return addresses.update(reach, existing.pk, { tags: merged, modifiedAt: at });
      });
    },

    removeTags(reach: Reach, customerNumber: string, addressId: string, tags: unknown): AddressRow {
      const removed = new Set(parseTags(tags));
      return change(reach, customerNumber, (customer, at) => {
        const existing = getAddress(reach, customer, addressId);
        return addresses.update(reach, existing.pk, {
          tags: existing.tags.filter((tag) => !removed.has(tag)),
          modifiedAt: at,
        });
      });
    },
  };
}

export type AddressService = ReturnType<typeof createAddressService>;
