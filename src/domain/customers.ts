/**
 * The customer rules: create, upsert, patch, delete and accounts. Each operation validates its whole input first,
 * then runs as one transaction, so a failure writes nothing. Returns plain rows; throws DomainError.
 *
 * An own-scope caller (a reach with `company`) is handled here too: its creates join the caller's legal entities
 * and its upserts never create.
 */
import type { Repositories } from '../store/index.js';
import type { Reach } from '../store/reach.js';
import type { AccountRow, CustomerRow } from '../store/schema.js';
import type { CustomerChanges as StoredChanges } from '../store/customers.js';
import { badInput, conflict, DomainError, notFound } from './errors.js';
import { newCustomerNumber, newEntityId, newHexId } from './ids.js';
import {
  isCustomerNumber,
  parseCustomerChanges,
  parseCustomerCreate,
  parseCustomerNumber,
  parseEmail,
  type CustomerChanges,
} from './validation.js';

export const DEFAULTS = {
  active: false,
  onHold: false,
  preferredLanguage: 'en_US',
  preferredCurrency: 'USD',
  preferredSite: 'main',
} as const;

/** Profile fields that map 1:1 onto columns. */
const PLAIN_FIELDS = [
  'title',
  'firstName',
  'middleName',
  'lastName',
  'contactEmail',
  'contactPhone',
  'company',
  'preferredLanguage',
  'preferredCurrency',
  'preferredSite',
  'active',
  'onHold',
  'mixins',
] as const;

export interface CreateOptions {
  sendPasswordResetNotifications: boolean;
}

export interface DeletedCustomer {
  customerNumber: string;
  deletedAddresses: number;
  deletedAccounts: number;
}

export function createCustomerService(repos: Repositories, now: () => number = Date.now) {
  const { customers, accounts, legalEntities, outbox } = repos;

  function find(reach: Reach, customerNumber: string): CustomerRow | undefined {
    return isCustomerNumber(customerNumber) ? customers.byNumbers(reach, [customerNumber])[0] : undefined;
  }

  /** The customer within the caller's reach, or NOT_FOUND: one outside it looks exactly like a missing one. */
  function get(reach: Reach, customerNumber: string): CustomerRow {
    const row = find(reach, customerNumber);
    if (!row) throw notFound(`Customer ${customerNumber}`);
    return row;
  }

  function checkVersion(row: CustomerRow | undefined, expectedVersion: number | null | undefined): void {
    if (expectedVersion === null || expectedVersion === undefined) return;
    if (!row || row.version !== expectedVersion) {
      throw conflict(
        row
          ? `Customer ${row.customerNumber} is at version ${row.version}, not ${expectedVersion}.`
          : `The customer does not exist, so it is not at version ${expectedVersion}.`,
      );
    }
  }

  function claimNumber(reach: Reach, customNumber: string | null | undefined): string {
    if (customNumber) {
      if (customers.numberDeleted(reach, customNumber)) {
        throw conflict(`Customer number ${customNumber} belonged to a deleted customer and cannot be reused.`);
      }
      if (customers.numberTaken(reach, customNumber))
        throw conflict(`Customer number ${customNumber} is already taken.`);
      return customNumber;
    }
    for (let attempt = 0; attempt < 50; attempt++) {
      const candidate = newCustomerNumber();
      if (!customers.numberTaken(reach, candidate)) return candidate;
    }
    throw new Error('Could not generate a free customer number.');
  }

  function addAccount(reach: Reach, customer: CustomerRow, email: string, at: number): AccountRow {
    if (accounts.emailTaken(reach, email)) throw conflict(`An account with email ${email} already exists.`);
    return accounts.insert(reach, { id: newHexId(), customerPk: customer.pk, email, createdAt: at });
  }

  /** Assigns the customer to the legal entity with this registration id, creating it (named after company). */
  function joinRegisteredEntity(
    reach: Reach,
    customerPk: number,
    registrationId: string,
    company: string | null,
    at: number,
  ) {
    const entity =
      legalEntities.byRegistrationId(reach, registrationId) ??
      legalEntities.insert(reach, { id: newEntityId('L'), registrationId, name: company, createdAt: at });
    return legalEntities.assign(reach, { id: newEntityId('A'), customerPk, legalEntityPk: entity.pk, createdAt: at });
  }

  function leaveRegisteredEntity(reach: Reach, customerPk: number, registrationId: string): boolean {
    const entity = legalEntities.byRegistrationId(reach, registrationId);
    return entity ? legalEntities.unassign(reach, customerPk, entity.pk) : false;
  }

  /** Inserts a new customer from validated fields: its first account, legal entities and notification included. */
  function insertCustomer(
    reach: Reach,
    customerNumber: string,
    fields: CustomerChanges,
    options: CreateOptions,
  ): CustomerRow {
    const at = now();
    const ownCompany = reach.company ? legalEntities.companyOf(reach) : undefined;
    if (ownCompany?.length === 0) {
      // Without a company the new customer would land outside anything the caller may see (or in a company it
      // merely named in its token): an own-scope create needs a company to join.
      throw new DomainError(
        'FORBIDDEN',
        'With customer.customer_manage_own a customer creates customers in its own company only, and the calling ' +
          'customer has none (or is no member of the legal_entity_id its token names).',
      );
    }
    const registrationId = ownCompany
      ? (ownCompany[0]?.registrationId ?? null)
      : (fields.b2b?.companyRegistrationId ?? null);
    let row = customers.insert(reach, {
      customerNumber,
      title: fields.title ?? null,
      firstName: fields.firstName ?? null,
      middleName: fields.middleName ?? null,
      lastName: fields.lastName ?? null,
      contactEmail: fields.contactEmail ?? null,
      contactPhone: fields.contactPhone ?? null,
      company: fields.company ?? null,
      preferredLanguage: fields.preferredLanguage ?? DEFAULTS.preferredLanguage,
      preferredCurrency: fields.preferredCurrency ?? DEFAULTS.preferredCurrency,
      preferredSite: fields.preferredSite ?? DEFAULTS.preferredSite,
      active: fields.active ?? DEFAULTS.active,
      onHold: fields.onHold ?? DEFAULTS.onHold,
      companyRegistrationId: registrationId,
      mixins: fields.mixins ?? null,
      version: 1,
      createdAt: at,
      modifiedAt: at,
    });
    if (ownCompany) {
      // An own-scope caller's new customer joins the caller's company, whatever the input says about b2b.
      for (const entity of ownCompany) {
        legalEntities.assign(reach, {
          id: newEntityId('A'),
          customerPk: row.pk,
          legalEntityPk: entity.pk,
          createdAt: at,
        });
      }
    } else if (registrationId) {
      joinRegisteredEntity(reach, row.pk, registrationId, row.company, at);
    }
    if (fields.contactEmail) {
      const account = addAccount(reach, row, fields.contactEmail, at);
      // The first account is a change to the customer's accounts, and so a version of its own.
      row = customers.update(reach, row.pk, { version: row.version + 1 });
      if (options.sendPasswordResetNotifications) {
        outbox.add(reach, 'PASSWORD_RESET', { customerNumber, accountId: account.id, email: account.email }, at);
      }
    }
    return row;
  }

  /** The time of a change to this customer: now, but after its last change, so modifiedAt advances with each version. */
  function changeTime(row: CustomerRow): number {
    return Math.max(now(), row.modifiedAt + 1);
  }

  /** Applies validated changes to an existing customer; raises the version only when something changed. */
  function applyChanges(reach: Reach, row: CustomerRow, changes: CustomerChanges): CustomerRow {
    const at = changeTime(row);
    const update: StoredChanges = {};
    let changed = false;
    for (const field of PLAIN_FIELDS) {
      if (!(field in changes)) continue;
      const value = changes[field];
      if (field === 'contactEmail' && value === null && row.contactEmail !== null) {
        throw badInput([{ field: 'input.contactEmail', message: 'can be changed but not removed once set' }]);
      }
      if (JSON.stringify(value ?? null) !== JSON.stringify(row[field] ?? null)) {
        Object.assign(update, { [field]: value ?? null });
        changed = true;
      }
    }
    // `b2b: null` and `b2b: { companyRegistrationId: null }` clear the registration; `b2b: {}` keeps it.
    const b2b = changes.b2b;
    if (b2b === null || (b2b !== undefined && 'companyRegistrationId' in b2b)) {
      const next = b2b?.companyRegistrationId ?? null;
      const previous = row.companyRegistrationId;
      // An own-scope caller keeps to its own company: joining a customer (itself included) to another company
      // would widen what the caller reaches.
      const ownCompany = reach.company && legalEntities.companyOf(reach);
      if (ownCompany && next && next !== previous && !ownCompany.some((entity) => entity.registrationId === next)) {
        throw new DomainError(
          'FORBIDDEN',
          "With customer.customer_manage_own a customer can be assigned only to the caller's own company.",
        );
      }
      if (next !== previous) {
        update.companyRegistrationId = next;
        changed = true;
        if (previous) leaveRegisteredEntity(reach, row.pk, previous);
      }
      if (next) {
        const company = update.company !== undefined ? update.company : row.company;
        changed = joinRegisteredEntity(reach, row.pk, next, company, at) || changed;
      }
    }
    if (!changed) return row;
    return customers.update(reach, row.pk, { ...update, version: row.version + 1, modifiedAt: at });
  }

  return {
    find,
    get,

    create(reach: Reach, input: unknown, options: CreateOptions): CustomerRow {
      const fields = parseCustomerCreate(input);
      // Whether a custom number is free would tell an own-scope caller that a customer outside its company holds it,
      // so own-scope callers get generated numbers only (refused before any lookup, whatever the number).
      if (reach.company && fields.id) {
        throw new DomainError(
          'FORBIDDEN',
          'With customer.customer_manage_own customer numbers are generated: leave out input.id.',
        );
      }
      return repos.transaction(() => insertCustomer(reach, claimNumber(reach, fields.id), fields, options));
    },

    upsert(
      reach: Reach,
      customerNumber: string,
      input: unknown,
      expectedVersion?: number | null,
    ): { customer: CustomerRow; created: boolean } {
      const changes = parseCustomerChanges(input);
      return repos.transaction(() => {
        const existing = find(reach, customerNumber);
        if (existing) {
          checkVersion(existing, expectedVersion);
          return { customer: applyChanges(reach, existing, changes), created: false };
        }
        // An own-scope caller may update its company's customers but never create one.
        if (reach.company) throw notFound(`Customer ${customerNumber}`);
        checkVersion(undefined, expectedVersion);
        parseCustomerNumber(customerNumber);
        const number = claimNumber(reach, customerNumber);
        return {
          customer: insertCustomer(reach, number, changes, { sendPasswordResetNotifications: false }),
          created: true,
        };
      });
    },

    patch(reach: Reach, customerNumber: string, input: unknown, expectedVersion?: number | null): CustomerRow {
      const changes = parseCustomerChanges(input);
      return repos.transaction(() => {
        const existing = get(reach, customerNumber);
        checkVersion(existing, expectedVersion);
        return applyChanges(reach, existing, changes);
      });
    },

    delete(reach: Reach, customerNumber: string): DeletedCustomer {
      return repos.transaction(() => {
        const row = get(reach, customerNumber);
        const deletedAddresses = repos.addresses.countByCustomer(reach, row.pk);
        const deletedAccounts = accounts.countByCustomer(reach, row.pk);
        customers.delete(reach, row, now());
        return { customerNumber: row.customerNumber, deletedAddresses, deletedAccounts };
      });
    },

    assignAccount(reach: Reach, customerNumber: string, email: unknown): AccountRow {
      const address = parseEmail(email);
      return repos.transaction(() => {
        const row = get(reach, customerNumber);
        const at = changeTime(row);
        const account = addAccount(reach, row, address, at);
        customers.update(reach, row.pk, { version: row.version + 1, modifiedAt: at });
        return account;
      });
    },

    /** Raises the version of a customer after a change to one of its parts (addresses). */
    touch(reach: Reach, row: CustomerRow): CustomerRow {
      return customers.update(reach, row.pk, { version: row.version + 1, modifiedAt: changeTime(row) });
    },
  };
}

export type CustomerService = ReturnType<typeof createCustomerService>;
export { DomainError };
