/**
 * The address rules: a customer's first address is its default, making one address default clears the others,
 * deleting the default promotes the oldest remaining one, and tags keep the order first given without
 * duplicates. Every change locks the customer first (its address writers take turns, so there is always exactly one
 * default and no tag is lost) and raises the customer's version, and each address it changes gets a version of its
 * own one higher (`expectedVersion`: a replace or patch made to an older one is a CONFLICT). Works on the caller's
 * transaction.
 */
import type { CustomerService } from './customers.js';
import { badInput, checkVersion, conflict, notFound } from './errors.js';
import { newHexId } from './ids.js';
import {
  isAddressId,
  LIMITS,
  mergeTags,
  parseAddressId,
  parseAddressInput,
  parseAddressPatch,
  parseTags,
  type AddressInput,
  type AddressPatch,
} from './validation.js';
import type { Address, AddressChanges, Customer, Reach, Transaction } from './store.js';

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
  'country',
  'mixins',
  'mixinSchemas',
] as const;

type AddressFields = { -readonly [K in keyof AddressChanges]: AddressChanges[K] };

export function createAddressService(customerService: CustomerService, now: () => number = Date.now) {
  async function getAddress(tx: Transaction, reach: Reach, customer: Customer, addressId: string): Promise<Address> {
    // An id that no address can have is looked up nowhere (it may hold text that a store cannot even compare).
    const row = isAddressId(addressId) ? (await tx.addresses.byIds(reach, [addressId]))[0] : undefined;
    if (!row || row.customerPk !== customer.pk)
      throw notFound(`Address ${addressId} of customer ${customer.customerNumber}`);
    return row;
  }

  function checkTagCount(tags: readonly string[]): void {
    if (tags.length > LIMITS.tagsPerAddress) {
      throw badInput([{ field: 'tags', message: `an address has at most ${LIMITS.tagsPerAddress} tags` }]);
    }
  }

  /** Runs an address change on one (locked) customer and raises the customer's version after it. */
  async function change<T>(
    tx: Transaction,
    reach: Reach,
    customerNumber: string,
    work: (customer: Customer, at: number) => Promise<T>,
  ): Promise<T> {
    const customer = await customerService.getLocked(tx, reach, customerNumber);
    const result = await work(customer, now());
    await customerService.newVersion(tx, reach, customer);
    return result;
  }

  /** Makes `row` the customer's only default address. */
  function makeDefault(tx: Transaction, reach: Reach, row: Address, at: number): Promise<void> {
    return tx.addresses.clearDefaultExcept(reach, row.customerPk, row.pk, at);
  }

  /** Writes a change to an existing address: each one raises its version (`expectedVersion`'s) and modifiedAt. */
  function changeAddress(
    tx: Transaction,
    reach: Reach,
    row: Address,
    changes: Omit<AddressChanges, 'version' | 'modifiedAt'>,
    at: number,
  ): Promise<Address> {
    return tx.addresses.update(reach, row.pk, { ...changes, version: row.version + 1, modifiedAt: at });
  }

  const checkAddressVersion = (row: Address | undefined, expected: number | null | undefined) =>
    checkVersion('address', row, row?.id ?? '', expected);

  function refuseUndefault(row: Address, isDefault: boolean | null | undefined): void {
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
      if (replaceAll || field in input) Object.assign(fields, { [field]: input[field] ?? null });
    }
    if (input.contactName !== undefined) fields.contactName = input.contactName;
    if (replaceAll || 'tags' in input) fields.tags = mergeTags([], input.tags ?? []);
    return fields;
  }

  /** Adds the address to the (locked) customer under `id`; CONFLICT when an address of the tenant has that id. */
  async function insert(
    tx: Transaction,
    reach: Reach,
    customer: Customer,
    id: string,
    fields: AddressInput,
    at: number,
  ): Promise<Address> {
    const first = (await tx.addresses.countByCustomer(reach, customer.pk)) === 0;
    const row = await tx.addresses.insert(reach, {
      ...fieldsOf(fields, true),
      contactName: fields.contactName,
      tags: mergeTags([], fields.tags ?? []),
      id,
      customerPk: customer.pk,
      isDefault: first || fields.isDefault === true,
      version: 1,
      createdAt: at,
      modifiedAt: at,
    } as Parameters<Transaction['addresses']['insert']>[1]);
    if (!row) throw conflict(`Address id ${id} is already taken.`);
    if (row.isDefault) await makeDefault(tx, reach, row, at);
    return row;
  }

  /** Sets the fields of an existing address (every one when replacing); `isDefault: true` makes it the default. */
  async function rewrite(
    tx: Transaction,
    reach: Reach,
    existing: Address,
    fields: AddressInput | AddressPatch,
    replaceAll: boolean,
    at: number,
  ): Promise<Address> {
    refuseUndefault(existing, fields.isDefault);
    const row = await changeAddress(
      tx,
      reach,
      existing,
      { ...fieldsOf(fields, replaceAll), isDefault: existing.isDefault || fields.isDefault === true },
      at,
    );
    if (row.isDefault) await makeDefault(tx, reach, row, at);
    return row;
  }

  /** `input.id` names the address that an input replaces: when given, it must be that one's (it renames nothing). */
  function checkReplacedId(fields: AddressInput, addressId: string): void {
    if (fields.id !== null && fields.id !== undefined && fields.id !== addressId) {
      throw badInput([
        {
          field: 'input.id',
          message: `must be ${JSON.stringify(addressId)}, the id of the address it replaces, when given`,
        },
      ]);
    }
  }

  return {
    async add(tx: Transaction, reach: Reach, customerNumber: string, input: unknown): Promise<Address> {
      const fields = parseAddressInput(input);
      return change(tx, reach, customerNumber, (customer, at) =>
        insert(tx, reach, customer, fields.id ?? newHexId(), fields, at),
      );
    },

    /** Replaces every field of the address; `isDefault: true` makes it the default. `input.id` may only repeat its id. */
    async update(
      tx: Transaction,
      reach: Reach,
      customerNumber: string,
      addressId: string,
      input: unknown,
      expectedVersion?: number | null,
    ): Promise<Address> {
      const fields = parseAddressInput(input);
      checkReplacedId(fields, addressId);
      return change(tx, reach, customerNumber, async (customer, at) => {
        const existing = await getAddress(tx, reach, customer, addressId);
        checkAddressVersion(existing, expectedVersion);
        return rewrite(tx, reach, existing, fields, true, at);
      });
    },

    /**
     * Replaces every field of the customer's address with this id, or adds the address under this id when the
     * customer has none with it; an id that another customer's address holds is a CONFLICT, as add answers it.
     * `input.id` may only repeat the id, as in update.
     */
    async upsert(
      tx: Transaction,
      reach: Reach,
      customerNumber: string,
      addressId: string,
      input: unknown,
      expectedVersion?: number | null,
    ): Promise<{ address: Address; created: boolean }> {
      const fields = parseAddressInput(input);
      checkReplacedId(fields, addressId);
      // An id that no address can have is one this call would create an address under.
      parseAddressId(addressId);
      // Locked first, as every address change is: whether the address exists cannot change before the write.
      return change(tx, reach, customerNumber, async (customer, at) => {
        const found = (await tx.addresses.byIds(reach, [addressId]))[0];
        const existing = found && found.customerPk === customer.pk ? found : undefined;
        checkAddressVersion(existing, expectedVersion);
        if (existing) return { address: await rewrite(tx, reach, existing, fields, true, at), created: false };
        return { address: await insert(tx, reach, customer, addressId, fields, at), created: true };
      });
    },

    async patch(
      tx: Transaction,
      reach: Reach,
      customerNumber: string,
      addressId: string,
      input: unknown,
      expectedVersion?: number | null,
    ): Promise<Address> {
      const fields = parseAddressPatch(input);
      return change(tx, reach, customerNumber, async (customer, at) => {
        const existing = await getAddress(tx, reach, customer, addressId);
        checkAddressVersion(existing, expectedVersion);
        return rewrite(tx, reach, existing, fields, false, at);
      });
    },

    async delete(
      tx: Transaction,
      reach: Reach,
      customerNumber: string,
      addressId: string,
    ): Promise<{ customerNumber: string; addressId: string }> {
      return change(tx, reach, customerNumber, async (customer, at) => {
        const existing = await getAddress(tx, reach, customer, addressId);
        await tx.addresses.delete(reach, existing.pk);
        if (existing.isDefault) {
          // The oldest remaining address becomes the default.
          const oldest = (await tx.addresses.byCustomerPks(reach, [customer.pk])).sort(
            (a, b) => a.createdAt - b.createdAt || a.pk - b.pk,
          )[0];
          if (oldest) await changeAddress(tx, reach, oldest, { isDefault: true }, at);
        }
        return { customerNumber: customer.customerNumber, addressId: existing.id };
      });
    },

    async addTags(
      tx: Transaction,
      reach: Reach,
      customerNumber: string,
      addressId: string,
      tags: unknown,
    ): Promise<Address> {
      const added = parseTags(tags);
      return change(tx, reach, customerNumber, async (customer, at) => {
        const existing = await getAddress(tx, reach, customer, addressId);
        const merged = mergeTags(existing.tags, added);
        checkTagCount(merged);
        return changeAddress(tx, reach, existing, { tags: merged }, at);
      });
    },

    async removeTags(
      tx: Transaction,
      reach: Reach,
      customerNumber: string,
      addressId: string,
      tags: unknown,
    ): Promise<Address> {
      const removed = new Set(parseTags(tags));
      return change(tx, reach, customerNumber, async (customer, at) => {
        const existing = await getAddress(tx, reach, customer, addressId);
        return changeAddress(tx, reach, existing, { tags: existing.tags.filter((tag) => !removed.has(tag)) }, at);
      });
    },
  };
}

export type AddressService = ReturnType<typeof createAddressService>;
