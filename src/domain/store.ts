/**
 * The store contract: what the domain (and the GraphQL read path) needs of a database, which each store
 * (src/store/sqlite, src/store/postgres) implements. Row types belong to the domain; a store maps its columns to
 * them. Everything is async and takes the caller's reach first, so no query exists without a tenant.
 *
 * Writes exist only on a {@link Transaction}, which a store hands to the work it runs: nothing inside a
 * transaction can reach another connection by accident.
 */

/**
 * Which customers a caller may touch: the tenant, and for an own-scope customer token the customers that share a
 * legal entity with the caller (only `legalEntityId` when the token names one). Plain data, made by src/auth.
 */
export interface Reach {
  readonly tenant: string;
  readonly company?: { readonly customerNumber: string; readonly legalEntityId?: string | undefined } | undefined;
}

export interface Customer {
  readonly pk: number;
  readonly tenant: string;
  readonly customerNumber: string;
  readonly title: string | null;
  readonly firstName: string | null;
  readonly middleName: string | null;
  readonly lastName: string | null;
  readonly contactEmail: string | null;
  readonly contactPhone: string | null;
  readonly company: string | null;
  readonly preferredLanguage: string;
  readonly preferredCurrency: string;
  readonly preferredSite: string;
  readonly active: boolean;
  readonly onHold: boolean;
  /** CUSTOMER or CONTACT (the publisher's description); null is a customer. */
  readonly type: string | null;
  readonly photoUrl: string | null;
  readonly companyRegistrationId: string | null;
  readonly mixins: Record<string, unknown> | null;
  /** The JSON schemas of the mixins, by mixin name (REST: `metadata.mixins`). */
  readonly mixinSchemas: Record<string, string> | null;
  readonly version: number;
  /** Epoch milliseconds, as every time in the contract. */
  readonly createdAt: number;
  readonly modifiedAt: number;
}

export interface Address {
  readonly pk: number;
  readonly tenant: string;
  readonly id: string;
  readonly customerPk: number;
  readonly contactName: string;
  readonly companyName: string | null;
  readonly street: string | null;
  readonly streetNumber: string | null;
  readonly streetAppendix: string | null;
  readonly extraLine1: string | null;
  readonly extraLine2: string | null;
  readonly extraLine3: string | null;
  readonly extraLine4: string | null;
  readonly zipCode: string | null;
  readonly city: string | null;
  /** The publisher's description requires only contactName: an address may have no country. */
  readonly country: string | null;
  readonly state: string | null;
  readonly contactPhone: string | null;
  /** Tags in the order first given, without duplicates. */
  readonly tags: string[];
  readonly isDefault: boolean;
  readonly mixins: Record<string, unknown> | null;
  /** The JSON schemas of the mixins, by mixin name (REST: `metadata.mixins`). */
  readonly mixinSchemas: Record<string, string> | null;
  /** 1 when added, one more with every change to the address (optimistic locking: `metadata.version`). */
  readonly version: number;
  readonly createdAt: number;
  readonly modifiedAt: number;
}

export interface Account {
  readonly pk: number;
  readonly tenant: string;
  readonly id: string;
  readonly customerPk: number;
  readonly email: string;
  readonly providerId: string | null;
  readonly createdAt: number;
}

export interface LegalEntity {
  readonly pk: number;
  readonly tenant: string;
  readonly id: string;
  readonly registrationId: string | null;
  readonly name: string | null;
  readonly createdAt: number;
}

/** A legal entity as seen from one customer: with the id of that customer's assignment. */
export interface Membership {
  readonly customerPk: number;
  readonly assignmentId: string;
  readonly legalEntity: LegalEntity;
}

/**
 * The parts of a customer that a read of customers can bring along (addresses, accounts, memberships), so that a
 * request which shows them needs no statement of its own for them: they come in the customers' statement, which on
 * PostgreSQL saves a round trip per part. A store brings them where that costs less than the part reads.
 */
export interface CustomerParts {
  readonly addresses?: boolean;
  readonly accounts?: boolean;
  readonly memberships?: boolean;
}

/**
 * A customer as a read returns it: with `parts` when parts were asked for and the store brought them, each part
 * asked for present (an empty list when the customer has none) in the order of its part read (byCustomerPks).
 * Without `parts`, the part reads are the way to them.
 */
export interface CustomerRead extends Customer {
  readonly parts?: {
    readonly addresses?: Address[];
    readonly accounts?: Account[];
    readonly memberships?: Membership[];
  };
}

export type NewCustomer = Omit<Customer, 'pk' | 'tenant'>;
export type CustomerChanges = Partial<Omit<NewCustomer, 'customerNumber' | 'createdAt'>>;
export type NewAddress = Omit<Address, 'pk' | 'tenant'>;
export type AddressChanges = Partial<Omit<NewAddress, 'customerPk' | 'id' | 'createdAt'>>;
export type NewAccount = Omit<Account, 'pk' | 'tenant'>;
export type NewLegalEntity = Omit<LegalEntity, 'pk' | 'tenant'>;
export interface NewAssignment {
  readonly id: string;
  readonly customerPk: number;
  readonly legalEntityPk: number;
  readonly createdAt: number;
}

// ---- Events and webhooks ----

/** The event types of EVENTS.md, the seed platform's names. */
export const EVENT_TYPES = [
  'customer.created',
  'customer.updated',
  'customer.deleted',
  'customer.password-reset',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** A customer's rows as a change left them: what a created or updated event carries. */
export interface CustomerSnapshot {
  readonly customer: Customer;
  readonly addresses: readonly Address[];
  readonly accounts: readonly Account[];
  readonly memberships: readonly Membership[];
}

/** What an event holds: the customer's rows, or (deleted, password reset) the data it sends as it is. */
export type EventPayload = { readonly snapshot: CustomerSnapshot } | { readonly data: Record<string, unknown> };

/** A place in a tenant's log: the writing transaction (0 on SQLite), then the row. Cursors encode it. */
export interface EventPosition {
  readonly tx: number;
  readonly pk: number;
}

export interface NewEvent {
  readonly id: string;
  readonly type: EventType;
  readonly customerNumber: string;
  /** The ids of the legal entities the customer belongs to: own-scope callers see the events of their company's. */
  readonly legalEntities: readonly string[];
  readonly payload: EventPayload;
  readonly createdAt: number;
}

export interface StoredEvent extends NewEvent {
  readonly tenant: string;
  readonly position: EventPosition;
}

export interface EventQuery {
  /** Events after this position, oldest first. */
  readonly after: EventPosition;
  /** Only these types (all when absent). */
  readonly types?: readonly EventType[] | undefined;
  readonly limit: number;
}

export interface WebhookEndpoint {
  readonly pk: number;
  readonly tenant: string;
  readonly id: string;
  readonly url: string;
  readonly description: string | null;
  /** `,type,type,`: the event types it wants; empty for all. */
  readonly eventTypes: string;
  readonly active: boolean;
  readonly disabledReason: string | null;
  readonly secret: string;
  readonly previousSecret: string | null;
  readonly previousSecretUntil: number | null;
  readonly createdAt: number;
}
export type NewWebhookEndpoint = Omit<WebhookEndpoint, 'pk' | 'tenant'>;
export type WebhookEndpointChanges = Partial<Omit<NewWebhookEndpoint, 'id' | 'createdAt'>>;

export const DELIVERY_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED', 'GAVE_UP'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface WebhookAttempt {
  readonly at: number;
  readonly statusCode: number | null;
  readonly durationMs: number;
  readonly error: string | null;
}

export interface WebhookDelivery {
  readonly pk: number;
  readonly tenant: string;
  readonly endpointPk: number;
  readonly eventPk: number;
  readonly customerNumber: string;
  readonly status: DeliveryStatus;
  readonly attempts: readonly WebhookAttempt[];
  /** When it is sent next; null once it succeeded or was given up. */
  readonly nextAttemptAt: number | null;
  readonly leaseUntil: number | null;
  readonly createdAt: number;
}

/** A delivery a relay claimed: with what it sends and where. */
export interface ClaimedDelivery {
  readonly delivery: WebhookDelivery;
  readonly endpoint: WebhookEndpoint;
  readonly event: StoredEvent;
}

/** What an attempt left: the delivery's new state, and the endpoint's when it is to be disabled. */
export interface DeliveryOutcome {
  readonly pk: number;
  readonly status: DeliveryStatus;
  readonly attempts: readonly WebhookAttempt[];
  readonly nextAttemptAt: number | null;
  /** Disables the delivery's endpoint, with this reason (410 Gone). */
  readonly disableEndpoint?: string | undefined;
}

// ---- Lists ----

/** What a list of customers can be ordered by. */
export const CUSTOMER_ORDER_FIELDS = [
  'CREATED_AT',
  'MODIFIED_AT',
  'CUSTOMER_NUMBER',
  'LAST_NAME',
  'FIRST_NAME',
  'CONTACT_EMAIL',
  'COMPANY',
] as const;
export type CustomerOrderField = (typeof CUSTOMER_ORDER_FIELDS)[number];
export type Direction = 'ASC' | 'DESC';
export interface OrderTerm {
  readonly field: CustomerOrderField;
  readonly direction: Direction;
}

export interface CustomerListFilter {
  /** A case-insensitive substring of the customer number, first or last name, company or contact email. */
  readonly search?: string | undefined;
  /** Equal to the contact email, ignoring letter case. */
  readonly contactEmail?: string | undefined;
  readonly active?: boolean | undefined;
  readonly onHold?: boolean | undefined;
  readonly businessModel?: 'B2B' | 'B2C' | undefined;
  readonly legalEntityId?: string | undefined;
  /** Epoch milliseconds. */
  readonly modifiedSince?: number | undefined;
  /** Further conditions, all of which must hold (the REST API's `q`, src/rest/list.ts). */
  readonly conditions?: readonly CustomerCondition[] | undefined;
}

/** The text columns a condition can name; `legalEntityId` is the id of any legal entity the customer belongs to. */
export type CustomerTextColumn =
  | 'customerNumber'
  | 'title'
  | 'firstName'
  | 'middleName'
  | 'lastName'
  | 'contactEmail'
  | 'contactPhone'
  | 'company'
  | 'preferredLanguage'
  | 'preferredCurrency'
  | 'preferredSite'
  | 'type'
  | 'companyRegistrationId'
  | 'legalEntityId';
export type CustomerNullableColumn = Exclude<
  CustomerTextColumn,
  'customerNumber' | 'preferredLanguage' | 'preferredCurrency' | 'preferredSite'
>;
export type CustomerNumberColumn = 'version' | 'createdAt' | 'modifiedAt';

/**
 * One condition on a customer. Text equality is exact (letter case included), except `contactEmail`, which ignores
 * letter case as the contactEmail filter does; `contains` is a case-insensitive substring, as `search` is. Mixin
 * paths are keys of letters, digits, `_` and `-`; `exists` is true for a key present with any value, null included.
 */
export type CustomerCondition =
  | {
      readonly kind: 'text';
      readonly column: CustomerTextColumn;
      readonly op: 'in';
      readonly values: readonly string[];
    }
  | { readonly kind: 'text'; readonly column: CustomerTextColumn; readonly op: 'contains'; readonly value: string }
  | { readonly kind: 'text'; readonly column: CustomerNullableColumn; readonly op: 'isNull' }
  | {
      readonly kind: 'number';
      readonly column: CustomerNumberColumn;
      readonly op: 'in';
      readonly values: readonly number[];
    }
  | {
      readonly kind: 'number';
      readonly column: CustomerNumberColumn;
      readonly op: 'gt' | 'gte' | 'lt' | 'lte';
      readonly value: number;
    }
  | { readonly kind: 'mixin'; readonly path: readonly string[]; readonly op: 'exists' | 'missing' }
  | {
      readonly kind: 'mixin';
      readonly path: readonly string[];
      readonly op: 'eq';
      readonly value: string | number | boolean;
    };

/** A position in an ordered list: a row's values under the order's terms (see {@link positionReader}). */
export type KeysetPosition = readonly (string | number)[];

export interface CustomerListQuery {
  readonly filter: CustomerListFilter;
  readonly order: readonly OrderTerm[];
  readonly after?: KeysetPosition | undefined;
  /** Rows of the order to skip first (the REST API's page numbers): read and dropped, so it costs what it skips. */
  readonly offset?: number | undefined;
  readonly limit: number;
}

/**
 * The order made total: ties are broken by id (the customer number, unique in a tenant), running the same way as
 * the last term so that a single-field order is one index range. Terms after the customer number cannot matter.
 * Stores sort by these terms; text terms sort as `value ?? ''`, ignoring letter case.
 */
export function totalOrder(order: readonly OrderTerm[]): OrderTerm[] {
  const terms: OrderTerm[] = [];
  for (const term of order) {
    terms.push(term);
    if (term.field === 'CUSTOMER_NUMBER') return terms;
  }
  return [...terms, { field: 'CUSTOMER_NUMBER', direction: terms.at(-1)?.direction ?? 'ASC' }];
}

export const NUMERIC_ORDER_FIELDS: ReadonlySet<CustomerOrderField> = new Set(['CREATED_AT', 'MODIFIED_AT']);

/** The value of a row under an order field: what the store compares (text ignoring letter case). */
function orderValue(row: Customer, field: CustomerOrderField): string | number {
  switch (field) {
    case 'CREATED_AT':
      return row.createdAt;
    case 'MODIFIED_AT':
      return row.modifiedAt;
    case 'CUSTOMER_NUMBER':
      return row.customerNumber;
    case 'LAST_NAME':
      return row.lastName ?? '';
    case 'FIRST_NAME':
      return row.firstName ?? '';
    case 'CONTACT_EMAIL':
      return row.contactEmail ?? '';
    case 'COMPANY':
      return row.company ?? '';
  }
}

/** Where a row stands in an order: what a cursor records. Holds only the row's own values, never internal keys. */
export function positionReader(order: readonly OrderTerm[]): (row: Customer) => KeysetPosition {
  const fields = totalOrder(order).map((term) => term.field);
  return (row) => fields.map((field) => orderValue(row, field));
}

/** Whether a decoded value is a position in this order: one value per term, each of its field's type. */
export function isPositionIn(order: readonly OrderTerm[], value: unknown): value is KeysetPosition {
  const terms = totalOrder(order);
  return (
    Array.isArray(value) &&
    value.length === terms.length &&
    terms.every((term, i) =>
      NUMERIC_ORDER_FIELDS.has(term.field) ? Number.isSafeInteger(value[i]) : typeof value[i] === 'string',
    )
  );
}

// ---- The contract ----

/** Reads: batched lookups (one statement per call, whatever the number of keys) and lists. */
export interface StoreReads {
  readonly customers: {
    /** The customers within reach; with `parts`, each with the parts asked for (of the customer's tenant). */
    byNumbers(reach: Reach, numbers: readonly string[], parts?: CustomerParts): Promise<CustomerRead[]>;
    byPks(reach: Reach, pks: readonly number[], parts?: CustomerParts): Promise<CustomerRead[]>;
    /**
     * Up to `limit` rows after the cursor, in the total order of `query.order`; with `parts`, as byNumbers where the
     * store brings parts along a page (PostgreSQL; SQLite leaves them to the part reads).
     */
    list(reach: Reach, query: CustomerListQuery, parts?: CustomerParts): Promise<CustomerRead[]>;
    count(reach: Reach, filter: CustomerListFilter): Promise<number>;
  };
  readonly addresses: {
    /** Each customer's addresses, default first, then oldest first. */
    byCustomerPks(reach: Reach, customerPks: readonly number[]): Promise<Address[]>;
    byIds(reach: Reach, ids: readonly string[]): Promise<Address[]>;
  };
  readonly accounts: {
    /** Each customer's accounts, oldest first. */
    byCustomerPks(reach: Reach, customerPks: readonly number[]): Promise<Account[]>;
  };
  readonly legalEntities: {
    /** Each customer's memberships, oldest first. */
    membershipsByCustomerPks(reach: Reach, customerPks: readonly number[]): Promise<Membership[]>;
    byIds(reach: Reach, ids: readonly string[]): Promise<LegalEntity[]>;
    /** The caller's own company for an own-scope reach (its legal entities, narrowed as the reach says). */
    companyOf(reach: Reach): Promise<LegalEntity[]>;
  };
  readonly events: {
    /**
     * The tenant's events after a position, oldest first: only those committed below every transaction still
     * running, so a later read never finds one before a position already read. An own-scope reach sees its
     * company's customers' events, and no password resets.
     */
    page(reach: Reach, query: EventQuery): Promise<StoredEvent[]>;
    /** The position of the tenant's last event that a page can show now (`{tx: 0, pk: 0}` before the first). */
    head(reach: Reach): Promise<EventPosition>;
    byIds(reach: Reach, ids: readonly string[]): Promise<StoredEvent[]>;
    byPks(reach: Reach, pks: readonly number[]): Promise<StoredEvent[]>;
  };
  readonly webhooks: {
    /** The tenant's endpoints, oldest first. */
    endpoints(reach: Reach): Promise<WebhookEndpoint[]>;
    endpointsByIds(reach: Reach, ids: readonly string[]): Promise<WebhookEndpoint[]>;
    /** An endpoint's deliveries, newest event first, after the delivery `before` (its event's pk) when given. */
    deliveries(
      reach: Reach,
      endpointPk: number,
      query: { limit: number; beforeEventPk?: number | undefined; status?: DeliveryStatus | undefined },
    ): Promise<WebhookDelivery[]>;
  };
}

/**
 * The reads and writes of one open transaction. Writes that could collide with another transaction's (a unique
 * key) answer `undefined` instead of failing, so the domain turns them into CONFLICT and the transaction stays
 * usable; rows are locked where the domain reads before it writes.
 */
export interface Transaction extends StoreReads {
  readonly customers: StoreReads['customers'] & {
    /** The customer within reach, locked until the transaction ends: its writers queue one behind the other. */
    lockByNumber(reach: Reach, customerNumber: string): Promise<Customer | undefined>;
    /** Whether the number belonged to a deleted customer of the tenant. */
    numberDeleted(reach: Reach, customerNumber: string): Promise<boolean>;
    /** Inserts the customer, or answers undefined when its number is in use or was used (in the whole tenant). */
    insert(reach: Reach, values: NewCustomer): Promise<Customer | undefined>;
    update(reach: Reach, pk: number, changes: CustomerChanges): Promise<Customer>;
    /** Deletes the customer (addresses, accounts and assignments with it) and keeps its number as a tombstone. */
    delete(reach: Reach, customer: Customer, at: number): Promise<void>;
  };
  readonly addresses: StoreReads['addresses'] & {
    /** Inserts the address, or answers undefined when its id is taken in the tenant. */
    insert(reach: Reach, values: NewAddress): Promise<Address | undefined>;
    update(reach: Reach, pk: number, changes: AddressChanges): Promise<Address>;
    /** Clears the default flag on every other address of the customer. */
    clearDefaultExcept(reach: Reach, customerPk: number, keepPk: number, at: number): Promise<void>;
    delete(reach: Reach, pk: number): Promise<void>;
    countByCustomer(reach: Reach, customerPk: number): Promise<number>;
  };
  readonly accounts: StoreReads['accounts'] & {
    /** Inserts the account, or answers undefined when an account of the tenant has this email (in any case). */
    insert(reach: Reach, values: NewAccount): Promise<Account | undefined>;
    countByCustomer(reach: Reach, customerPk: number): Promise<number>;
  };
  readonly legalEntities: StoreReads['legalEntities'] & {
    byRegistrationId(reach: Reach, registrationId: string): Promise<LegalEntity | undefined>;
    /** The legal entity with this registration id, inserted from `values` when the tenant has none yet. */
    getOrCreate(reach: Reach, values: NewLegalEntity & { registrationId: string }): Promise<LegalEntity>;
    /** Assigns the customer to the legal entity unless it already is; true when a row was added. */
    assign(reach: Reach, values: NewAssignment): Promise<boolean>;
    unassign(reach: Reach, customerPk: number, legalEntityPk: number): Promise<boolean>;
  };
  readonly events: StoreReads['events'] & {
    /**
     * Appends the event to the tenant's log, with a delivery to each active endpoint of the tenant that wants it:
     * how many deliveries it made.
     */
    append(reach: Reach, event: NewEvent): Promise<number>;
  };
  readonly webhooks: StoreReads['webhooks'] & {
    insertEndpoint(reach: Reach, values: NewWebhookEndpoint): Promise<WebhookEndpoint | undefined>;
    updateEndpoint(reach: Reach, pk: number, changes: WebhookEndpointChanges): Promise<WebhookEndpoint>;
    /** Deletes the endpoint and its deliveries. */
    deleteEndpoint(reach: Reach, pk: number): Promise<void>;
    /** Sends the event to the endpoint again, as a new delivery or by starting its delivery over (attempts kept). */
    redeliver(reach: Reach, endpointPk: number, event: StoredEvent, at: number): Promise<WebhookDelivery>;
  };
}

/**
 * The relay's work (src/events/relay.ts), the only statements that span tenants: each delivery it claims names
 * its tenant, and its outcome is written back to that delivery alone.
 */
export interface RelayStore {
  /**
   * Leases up to `limit` due deliveries until `leaseUntil`: only the oldest unfinished one of each customer at each
   * endpoint (so one customer's events go out in order), of active endpoints but `busyEndpoints` (pks), none leased
   * by another relay.
   */
  claim(now: number, leaseUntil: number, limit: number, busyEndpoints?: readonly number[]): Promise<ClaimedDelivery[]>;
  /** Writes the outcomes of attempts, and ends their leases. */
  record(outcomes: readonly DeliveryOutcome[]): Promise<void>;
  /** Ends the leases of deliveries claimed but not attempted (a relay that stops). */
  release(pks: readonly number[]): Promise<void>;
  /**
   * Deletes up to `limit` events older than `before` with nothing left to deliver to an active endpoint (a paused or
   * disabled one's waiting deliveries go with them): how many it deleted.
   */
  prune(before: number, limit: number): Promise<number>;
  /** Deliveries waiting (not finished) for active endpoints, and the time of the oldest one's event. */
  backlog(): Promise<{ waiting: number; oldestEventAt: number | null }>;
}

/**
 * A request the store cannot serve now through no fault of the request: both doors answer it with the code's HTTP
 * status and `Retry-After`, in these words.
 */
export abstract class RetryLaterError extends Error {
  abstract readonly code: 'SERVICE_UNAVAILABLE' | 'TOO_MANY_REQUESTS';
  abstract readonly retryAfterSeconds: number;
}

/** Thrown by a store when its database cannot be reached: the request fails fast as SERVICE_UNAVAILABLE. */
export class StoreUnavailableError extends RetryLaterError {
  readonly code = 'SERVICE_UNAVAILABLE';
  readonly retryAfterSeconds = 1;
  constructor(cause: unknown) {
    super('The service is unavailable: its database cannot be reached. Retry later.', { cause });
    this.name = 'StoreUnavailableError';
  }
}

/**
 * Thrown by a store when the tenant already has its share of expensive reads in flight and its queue did not move in
 * time (or the database's connections stayed busy): TOO_MANY_REQUESTS, for this tenant only.
 */
export class StoreBusyError extends RetryLaterError {
  readonly code = 'TOO_MANY_REQUESTS';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'StoreBusyError';
  }
}

/** Told that a tenant's events committed; `deliveries`: they made webhook deliveries (the relays' work). */
export type EventListener = (tenant: string, deliveries: boolean) => void;

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Reads outside any transaction: each sees committed rows only. */
  readonly reads: StoreReads;
  /**
   * Runs `work` in one transaction: everything it wrote commits when it resolves, nothing when it throws. Work
   * must use the transaction it is handed, never `reads` (which would run outside it).
   */
  transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T>;
  /** The relay's statements (cross-tenant). */
  readonly relay: RelayStore;
  /**
   * Calls `listener` with a tenant soon after a transaction that appended events of that tenant commits, in this
   * process or (PostgreSQL) in any process on the database; a wake-up signal only: the log is the truth, and a
   * signal may be lost or repeated. Answers the function that stops the calls.
   */
  onEvents(listener: EventListener): () => void;
  /** True while the database answers a trivial query. */
  isReady(): Promise<boolean>;
  /** Closes the connections, after the transactions in progress. */
  close(): Promise<void>;
}
