/**
 * The customer rules: create, upsert, patch, delete and accounts. Each operation validates its whole input first,
 * then works on the transaction it is handed (its caller's: one per GraphQL operation or REST request), so a failure
 * writes nothing. A write locks the customer first, so that its writers take turns. Returns rows; throws DomainError.
 *
 * An own-scope caller (a reach with `company`) is handled here too: its creates join the caller's legal entities
 * and its upserts never create.
 */
import type {
  Account,
  Customer,
  CustomerChanges as StoredChanges,
  NewCustomer,
  Reach,
  StoreReads,
  Transaction,
} from './store.js';
import { badInput, checkVersion, conflict, DomainError, notFound } from './errors.js';
import { createEventLog, type EventLog } from './events.js';
import { newCustomerNumber, newEntityId, newHexId } from './ids.js';
import {
  isCustomerNumber,
  parseCustomerChanges,
  parseCustomerCreate,
  parseCustomerNumber,
  parseEmail,
  PLAIN_PROFILE_FIELDS,
  type CustomerChanges,
} from './validation.js';

/** What a new customer's fields are when not given; the others are empty (null). */
export const DEFAULTS = {
  active: false,
  onHold: false,
  preferredLanguage: 'en_US',
  preferredCurrency: 'USD',
  preferredSite: 'main',
} as const;

/** The plain profile fields of a new customer: as given, else their default, else empty. */
const newProfile = (fields: CustomerChanges) =>
  Object.fromEntries(
    PLAIN_PROFILE_FIELDS.map((field) => [field, fields[field] ?? DEFAULTS[field as keyof typeof DEFAULTS] ?? null]),
  ) as Pick<NewCustomer, (typeof PLAIN_PROFILE_FIELDS)[number]>;

/** How often an upsert looks for the customer again after a racing transaction took its new number. */
const UPSERT_ATTEMPTS = 3;

export interface CreateOptions {
  /** Announce a password reset for the new login account (a customer.password-reset event). */
  sendPasswordResetNotifications: boolean;
}

export interface DeletedCustomer {
  customerNumber: string;
  deletedAddresses: number;
  deletedAccounts: number;
}

export function createCustomerService(now: () => number = Date.now, events: EventLog = createEventLog(now)) {
  async function find(reads: StoreReads, reach: Reach, customerNumber: string): Promise<Customer | undefined> {
    return isCustomerNumber(customerNumber) ? (await reads.customers.byNumbers(reach, [customerNumber]))[0] : undefined;
  }

  /** The customer within the caller's reach, or NOT_FOUND: one outside it looks exactly like a missing one. */
  async function get(reads: StoreReads, reach: Reach, customerNumber: string): Promise<Customer> {
    const row = await find(reads, reach, customerNumber);
    if (!row) throw notFound(`Customer ${customerNumber}`);
    return row;
  }

  /** As {@link get}, locking the customer until the transaction ends: what every change to a customer starts with. */
  async function lock(tx: Transaction, reach: Reach, customerNumber: string): Promise<Customer | undefined> {
    return isCustomerNumber(customerNumber) ? tx.customers.lockByNumber(reach, customerNumber) : undefined;
  }

  async function getLocked(tx: Transaction, reach: Reach, customerNumber: string): Promise<Customer> {
    const row = await lock(tx, reach, customerNumber);
    if (!row) throw notFound(`Customer ${customerNumber}`);
    return row;
  }

  const checkCustomerVersion = (row: Customer | undefined, expected: number | null | undefined) =>
    checkVersion('customer', row, row?.customerNumber ?? '', expected);

  /**
   * Inserts the row under the custom number, or under a new generated one. Undefined when a customer holds the custom
   * number (the caller decides what that means); CONFLICT when it belonged to a deleted customer.
   */
  async function insertNumbered(
    tx: Transaction,
    reach: Reach,
    customNumber: string | null | undefined,
    values: Omit<NewCustomer, 'customerNumber'>,
  ): Promise<Customer | undefined> {
    if (customNumber) {
      const row = await tx.customers.insert(reach, { ...values, customerNumber: customNumber });
      if (row) return row;
      if (await tx.customers.numberDeleted(reach, customNumber)) {
        throw conflict(`Customer number ${customNumber} belonged to a deleted customer and cannot be reused.`);
      }
      return undefined;
    }
    for (let attempt = 0; attempt < 50; attempt++) {
      const row = await tx.customers.insert(reach, { ...values, customerNumber: newCustomerNumber() });
      if (row) return row;
    }
    throw new Error('Could not generate a free customer number.');
  }

  async function addAccount(tx: Transaction, reach: Reach, customer: Customer, email: string, at: number) {
    const account = await tx.accounts.insert(reach, {
      id: newHexId(),
      customerPk: customer.pk,
      email,
      providerId: null,
      createdAt: at,
    });
    if (!account) throw conflict(`An account with email ${email} already exists.`);
    return account;
  }

  /** Assigns the customer to the legal entity with this registration id, creating it (named after company). */
  async function joinRegisteredEntity(
    tx: Transaction,
    reach: Reach,
    customerPk: number,
    registrationId: string,
    company: string | null,
    at: number,
  ): Promise<boolean> {
    const entity = await tx.legalEntities.getOrCreate(reach, {
      id: newEntityId('L'),
      registrationId,
      name: company,
      createdAt: at,
    });
    return tx.legalEntities.assign(reach, {
      id: newEntityId('A'),
      customerPk,
      legalEntityPk: entity.pk,
      createdAt: at,
    });
  }

  async function leaveRegisteredEntity(tx: Transaction, reach: Reach, customerPk: number, registrationId: string) {
    const entity = await tx.legalEntities.byRegistrationId(reach, registrationId);
    return entity ? tx.legalEntities.unassign(reach, customerPk, entity.pk) : false;
  }

  /**
   * Inserts a new customer from validated fields: its first account, legal entities and notification included.
   * Undefined, having written nothing, when a customer holds its custom number.
   */
  async function insertCustomer(
    tx: Transaction,
    reach: Reach,
    customNumber: string | null | undefined,
    fields: CustomerChanges,
    options: CreateOptions,
  ): Promise<Customer | undefined> {
    const at = now();
    const ownCompany = reach.company ? await tx.legalEntities.companyOf(reach) : undefined;
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
    const inserted = await insertNumbered(tx, reach, customNumber, {
      ...newProfile(fields),
      companyRegistrationId: registrationId,
      version: 1,
      createdAt: at,
      modifiedAt: at,
    });
    if (!inserted) return undefined;
    let row = inserted;
    if (ownCompany) {
      // An own-scope caller's new customer joins the caller's company, whatever the input says about b2b.
      for (const entity of ownCompany) {
        await tx.legalEntities.assign(reach, {
          id: newEntityId('A'),
          customerPk: row.pk,
          legalEntityPk: entity.pk,
          createdAt: at,
        });
      }
    } else if (registrationId) {
      await joinRegisteredEntity(tx, reach, row.pk, registrationId, row.company, at);
    }
    if (fields.contactEmail) {
      const account = await addAccount(tx, reach, row, fields.contactEmail, at);
      // The first account is a change to the customer's accounts, and so a version of its own.
      row = await tx.customers.update(reach, row.pk, { version: row.version + 1 });
      await events.changed(tx, reach, 'customer.created', row);
      if (options.sendPasswordResetNotifications) await events.passwordReset(tx, reach, row, account);
      return row;
    }
    await events.changed(tx, reach, 'customer.created', row);
    return row;
  }

  /** The time of a change to this customer: now, but after its last change, so modifiedAt advances with each version. */
  function changeTime(row: Customer): number {
    return Math.max(now(), row.modifiedAt + 1);
  }

  /** Applies validated changes to an existing (locked) customer; raises the version only when something changed. */
  async function applyChanges(tx: Transaction, reach: Reach, row: Customer, changes: CustomerChanges) {
    const at = changeTime(row);
    const update: { -readonly [K in keyof StoredChanges]: StoredChanges[K] } = {};
    let changed = false;
    for (const field of PLAIN_PROFILE_FIELDS) {
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
      const ownCompany = reach.company && (await tx.legalEntities.companyOf(reach));
      if (ownCompany && next && next !== previous && !ownCompany.some((entity) => entity.registrationId === next)) {
        throw new DomainError(
          'FORBIDDEN',
          "With customer.customer_manage_own a customer can be assigned only to the caller's own company.",
        );
      }
      if (next !== previous) {
        update.companyRegistrationId = next;
        changed = true;
        if (previous) await leaveRegisteredEntity(tx, reach, row.pk, previous);
      }
      if (next) {
        const company = update.company !== undefined ? update.company : row.company;
        changed = (await joinRegisteredEntity(tx, reach, row.pk, next, company, at)) || changed;
      }
    }
    if (!changed) return row;
    const updated = await tx.customers.update(reach, row.pk, { ...update, version: row.version + 1, modifiedAt: at });
    await events.changed(tx, reach, 'customer.updated', updated);
    return updated;
  }

  return {
    find,
    get,
    getLocked,

    async create(tx: Transaction, reach: Reach, input: unknown, options: CreateOptions): Promise<Customer> {
      const fields = parseCustomerCreate(input);
      // Whether a custom number is free would tell an own-scope caller that a customer outside its company holds it,
      // so own-scope callers get generated numbers only (refused before any lookup, whatever the number).
      if (reach.company && fields.id) {
        throw new DomainError(
          'FORBIDDEN',
          'With customer.customer_manage_own customer numbers are generated: leave out input.id.',
        );
      }
      const row = await insertCustomer(tx, reach, fields.id, fields, options);
      if (!row) throw conflict(`Customer number ${fields.id} is already taken.`);
      return row;
    },

    async upsert(
      tx: Transaction,
      reach: Reach,
      customerNumber: string,
      input: unknown,
      expectedVersion?: number | null,
    ): Promise<{ customer: Customer; created: boolean }> {
      const changes = parseCustomerChanges(input);
      for (let attempt = 1; ; attempt++) {
        const existing = await lock(tx, reach, customerNumber);
        if (existing) {
          checkCustomerVersion(existing, expectedVersion);
          return { customer: await applyChanges(tx, reach, existing, changes), created: false };
        }
        // An own-scope caller may update its company's customers but never create one.
        if (reach.company) throw notFound(`Customer ${customerNumber}`);
        checkCustomerVersion(undefined, expectedVersion);
        parseCustomerNumber(customerNumber);
        const customer = await insertCustomer(tx, reach, customerNumber, changes, {
          sendPasswordResetNotifications: false,
        });
        if (customer) return { customer, created: true };
        // A racing transaction created the customer since the lock found none (on PostgreSQL the insert waited for
        // its commit, which the next statement sees): this upsert is then its update, so lock it and go again.
        if (attempt === UPSERT_ATTEMPTS) throw conflict(`Customer number ${customerNumber} is already taken.`);
      }
    },

    async patch(
      tx: Transaction,
      reach: Reach,
      customerNumber: string,
      input: unknown,
      expectedVersion?: number | null,
    ): Promise<Customer> {
      const changes = parseCustomerChanges(input);
      const existing = await getLocked(tx, reach, customerNumber);
      checkCustomerVersion(existing, expectedVersion);
      return applyChanges(tx, reach, existing, changes);
    },

    async delete(tx: Transaction, reach: Reach, customerNumber: string): Promise<DeletedCustomer> {
      const row = await getLocked(tx, reach, customerNumber);
      const deletedAddresses = await tx.addresses.countByCustomer(reach, row.pk);
      const deletedAccounts = await tx.accounts.countByCustomer(reach, row.pk);
      await events.deleted(tx, reach, row);
      await tx.customers.delete(reach, row, now());
      return { customerNumber: row.customerNumber, deletedAddresses, deletedAccounts };
    },

    async assignAccount(
      tx: Transaction,
      reach: Reach,
      customerNumber: string,
      email: unknown,
      options: CreateOptions = { sendPasswordResetNotifications: true },
    ): Promise<Account> {
      const address = parseEmail(email);
      const row = await getLocked(tx, reach, customerNumber);
      const at = changeTime(row);
      const account = await addAccount(tx, reach, row, address, at);
      const updated = await tx.customers.update(reach, row.pk, { version: row.version + 1, modifiedAt: at });
      await events.changed(tx, reach, 'customer.updated', updated);
      if (options.sendPasswordResetNotifications) await events.passwordReset(tx, reach, updated, account);
      return account;
    },

    /** Raises the version of a (locked) customer after a change to one of its parts (addresses), and announces it. */
    async newVersion(tx: Transaction, reach: Reach, row: Customer): Promise<Customer> {
      const updated = await tx.customers.update(reach, row.pk, {
        version: row.version + 1,
        modifiedAt: changeTime(row),
      });
      await events.changed(tx, reach, 'customer.updated', updated);
      return updated;
    },
  };
}

export type CustomerService = ReturnType<typeof createCustomerService>;
export { DomainError };
