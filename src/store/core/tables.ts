/**
 * The tables both stores keep, column by column, and their indexes: one list, from which each dialect builds its
 * drizzle tables (src/store/sqlite/schema.ts, src/store/postgres/schema.ts) and drizzle-kit each store's migrations.
 * A column's kind says what it holds; the dialect says in which type. The contract's rows are checked against these
 * lists when compiling, so a field missing here (or of the wrong kind) does not build.
 */
import type { Column, SQL, Table } from 'drizzle-orm';
import type { Account, Address, Customer, LegalEntity } from '../../domain/store.js';

/**
 * `key`: the integer primary key, given by the database; `ref`: another table's key, deleted with its row; `code`:
 * text compared byte by byte (the customer number, whose order breaks every tie); `long`: a 64-bit integer; `time`:
 * epoch milliseconds.
 */
export type ColumnKind = 'key' | 'ref' | 'text' | 'code' | 'flag' | 'int' | 'long' | 'time' | 'json';

/** A column: its name is its field's in snake case (`firstName` is `first_name`), as its table's is. */
export interface ColumnSpec {
  readonly kind: ColumnKind;
  readonly notNull: boolean;
  /** For `ref`: the table whose key it holds. */
  readonly references?: 'customers' | 'legalEntities' | 'events' | 'webhookEndpoints';
}

const required = <K extends ColumnKind>(kind: K) => ({ kind, notNull: true }) as const;
const optional = <K extends ColumnKind>(kind: K) => ({ kind, notNull: false }) as const;
const ref = (references: NonNullable<ColumnSpec['references']>) =>
  ({ kind: 'ref', notNull: true, references }) as const;

export const snakeCase = (name: string) => name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);

/** The kinds that can hold a row field of type T, and whether the column may be NULL exactly when the field may. */
type KindOf<T> = T extends string
  ? 'text' | 'code'
  : T extends number
    ? 'key' | 'ref' | 'int' | 'long' | 'time'
    : T extends boolean
      ? 'flag'
      : 'json';
type SpecOf<T> = { readonly kind: KindOf<NonNullable<T>>; readonly notNull: null extends T ? false : true };
type ColumnsOf<Row> = { readonly [K in keyof Row]-?: SpecOf<Row[K]> & ColumnSpec };

const customers = {
  pk: required('key'),
  tenant: required('text'),
  customerNumber: required('code'),
  title: optional('text'),
  firstName: optional('text'),
  middleName: optional('text'),
  lastName: optional('text'),
  contactEmail: optional('text'),
  contactPhone: optional('text'),
  company: optional('text'),
  preferredLanguage: required('text'),
  preferredCurrency: required('text'),
  preferredSite: required('text'),
  active: required('flag'),
  onHold: required('flag'),
  type: optional('text'),
  photoUrl: optional('text'),
  companyRegistrationId: optional('text'),
  mixins: optional('json'),
  mixinSchemas: optional('json'),
  version: required('int'),
  createdAt: required('time'),
  modifiedAt: required('time'),
} as const satisfies ColumnsOf<Customer>;

const addresses = {
  pk: required('key'),
  tenant: required('text'),
  id: required('text'),
  customerPk: ref('customers'),
  contactName: required('text'),
  companyName: optional('text'),
  street: optional('text'),
  streetNumber: optional('text'),
  streetAppendix: optional('text'),
  extraLine1: optional('text'),
  extraLine2: optional('text'),
  extraLine3: optional('text'),
  extraLine4: optional('text'),
  zipCode: optional('text'),
  city: optional('text'),
  country: optional('text'),
  state: optional('text'),
  contactPhone: optional('text'),
  /** Tags in the order first given, without duplicates: a JSON array. */
  tags: required('json'),
  isDefault: required('flag'),
  mixins: optional('json'),
  mixinSchemas: optional('json'),
  version: required('int'),
  createdAt: required('time'),
  modifiedAt: required('time'),
} as const satisfies ColumnsOf<Address>;

const accounts = {
  pk: required('key'),
  tenant: required('text'),
  id: required('text'),
  customerPk: ref('customers'),
  email: required('text'),
  providerId: optional('text'),
  createdAt: required('time'),
} as const satisfies ColumnsOf<Account>;

const legalEntities = {
  pk: required('key'),
  tenant: required('text'),
  id: required('text'),
  registrationId: optional('text'),
  name: optional('text'),
  createdAt: required('time'),
} as const satisfies ColumnsOf<LegalEntity>;

/** A customer's membership in a legal entity (the "contact assignment"). */
const customerLegalEntities = {
  pk: required('key'),
  tenant: required('text'),
  id: required('text'),
  customerPk: ref('customers'),
  legalEntityPk: ref('legalEntities'),
  createdAt: required('time'),
} as const;

/**
 * Every customer number a tenant has used, claimed with the customer's insert and never deleted, so that a number
 * is never given twice, even to transactions racing each other: the claim is the primary key. `deleted_at` is set
 * when its customer is deleted (the tombstone).
 */
const customerNumbers = {
  tenant: required('text'),
  customerNumber: required('code'),
  deletedAt: optional('time'),
} as const;

/**
 * The event log: each change to a customer, appended in the change's transaction (src/domain/events.ts). Its order
 * is (`tx`, `pk`): `tx` is the writing transaction's id on PostgreSQL, whose ids all lie below the oldest one still
 * running once they can be read, so a reader that stays below that mark never skips a later commit (0 on SQLite,
 * whose transactions commit one at a time in `pk` order). `legalEntities` (`,id,id,`) is whom own-scope callers see
 * it by; `payload` is the customer's rows as the change left them, or the data of a deletion or password reset.
 */
const events = {
  pk: required('key'),
  tenant: required('text'),
  id: required('text'),
  tx: required('long'),
  type: required('text'),
  customerNumber: required('code'),
  legalEntities: required('text'),
  payload: required('json'),
  createdAt: required('time'),
} as const;

/**
 * A tenant's webhook endpoint. `eventTypes` is `,type,type,` (empty: every type), so that an event's deliveries are
 * chosen by one LIKE in both stores. The previous secret signs beside the current one until `previousSecretUntil`.
 */
const webhookEndpoints = {
  pk: required('key'),
  tenant: required('text'),
  id: required('text'),
  url: required('text'),
  description: optional('text'),
  eventTypes: required('text'),
  active: required('flag'),
  disabledReason: optional('text'),
  secret: required('text'),
  previousSecret: optional('text'),
  previousSecretUntil: optional('time'),
  createdAt: required('time'),
} as const;

/**
 * An event to send to an endpoint, made in the event's transaction. `nextAttemptAt` is NULL once it is finished
 * (succeeded or given up); `leaseUntil` is set while a relay sends it, so that a crashed relay's claims come back.
 * `attempts` is the list of attempts made, newest last.
 */
const webhookDeliveries = {
  pk: required('key'),
  tenant: required('text'),
  endpointPk: ref('webhookEndpoints'),
  eventPk: ref('events'),
  customerNumber: required('code'),
  status: required('text'),
  attempts: required('json'),
  nextAttemptAt: optional('time'),
  leaseUntil: optional('time'),
  createdAt: required('time'),
} as const;

/** The expressions that indexes hold besides plain columns, in the dialect's words. */
export interface IndexExpressions {
  /** A nullable text column as the order indexes sort it: NULL as '', ASCII letters folded. */
  sortKey(column: Column): SQL;
  /** The key under which an account's email is unique: ASCII letters folded. */
  emailKey(column: Column): SQL;
}

export interface IndexSpec {
  readonly name: string;
  readonly unique?: boolean;
  readonly on: readonly (Column | SQL)[];
}

/**
 * Every key and index starts with the tenant (or a row's key): no lookup spans tenants. Order indexes end with the
 * customer number, which breaks ties, so that every keyset is one index range.
 */
export const TABLES = {
  customers: {
    columns: customers,
    indexes: (t: Columns<typeof customers>, x: IndexExpressions): IndexSpec[] => [
      { name: 'customers_tenant_number', unique: true, on: [t.tenant, t.customerNumber] },
      { name: 'customers_tenant_created', on: [t.tenant, t.createdAt, t.customerNumber] },
      { name: 'customers_tenant_modified', on: [t.tenant, t.modifiedAt, t.customerNumber] },
      { name: 'customers_tenant_last_name', on: [t.tenant, x.sortKey(t.lastName), t.customerNumber] },
      { name: 'customers_tenant_first_name', on: [t.tenant, x.sortKey(t.firstName), t.customerNumber] },
      { name: 'customers_tenant_contact_email', on: [t.tenant, x.sortKey(t.contactEmail), t.customerNumber] },
      { name: 'customers_tenant_company', on: [t.tenant, x.sortKey(t.company), t.customerNumber] },
      { name: 'customers_tenant_active', on: [t.tenant, t.active, t.createdAt, t.customerNumber] },
      { name: 'customers_tenant_on_hold', on: [t.tenant, t.onHold, t.createdAt, t.customerNumber] },
    ],
  },
  customerNumbers: {
    columns: customerNumbers,
    primaryKey: (t: Columns<typeof customerNumbers>) => [t.tenant, t.customerNumber],
  },
  addresses: {
    columns: addresses,
    indexes: (t: Columns<typeof addresses>): IndexSpec[] => [
      { name: 'addresses_tenant_id', unique: true, on: [t.tenant, t.id] },
      { name: 'addresses_customer', on: [t.customerPk, t.createdAt, t.pk] },
    ],
  },
  accounts: {
    columns: accounts,
    indexes: (t: Columns<typeof accounts>, x: IndexExpressions): IndexSpec[] => [
      { name: 'accounts_tenant_id', unique: true, on: [t.tenant, t.id] },
      // An email identifies one login per tenant, whatever the case of its letters.
      { name: 'accounts_tenant_email', unique: true, on: [t.tenant, x.emailKey(t.email)] },
      { name: 'accounts_customer', on: [t.customerPk, t.createdAt, t.pk] },
    ],
  },
  legalEntities: {
    columns: legalEntities,
    indexes: (t: Columns<typeof legalEntities>): IndexSpec[] => [
      { name: 'legal_entities_tenant_id', unique: true, on: [t.tenant, t.id] },
      { name: 'legal_entities_tenant_registration', unique: true, on: [t.tenant, t.registrationId] },
    ],
  },
  customerLegalEntities: {
    columns: customerLegalEntities,
    indexes: (t: Columns<typeof customerLegalEntities>): IndexSpec[] => [
      { name: 'customer_legal_entities_tenant_id', unique: true, on: [t.tenant, t.id] },
      { name: 'customer_legal_entities_member', unique: true, on: [t.customerPk, t.legalEntityPk] },
      { name: 'customer_legal_entities_entity', on: [t.legalEntityPk, t.customerPk] },
    ],
  },
  events: {
    columns: events,
    indexes: (t: Columns<typeof events>): IndexSpec[] => [
      { name: 'events_tenant_position', on: [t.tenant, t.tx, t.pk] },
      { name: 'events_created', on: [t.createdAt, t.pk] },
    ],
  },
  webhookEndpoints: {
    columns: webhookEndpoints,
    indexes: (t: Columns<typeof webhookEndpoints>): IndexSpec[] => [
      { name: 'webhook_endpoints_tenant_id', unique: true, on: [t.tenant, t.id] },
    ],
  },
  webhookDeliveries: {
    columns: webhookDeliveries,
    indexes: (t: Columns<typeof webhookDeliveries>): IndexSpec[] => [
      // What is due, soonest first: finished deliveries (NULL) are not due.
      { name: 'webhook_deliveries_due', on: [t.nextAttemptAt, t.pk] },
      // An endpoint's deliveries, newest first, and whether one of a customer's is still waiting before another.
      { name: 'webhook_deliveries_endpoint', on: [t.endpointPk, t.customerNumber, t.pk] },
      { name: 'webhook_deliveries_endpoint_event', unique: true, on: [t.endpointPk, t.eventPk] },
      { name: 'webhook_deliveries_event', on: [t.eventPk] },
    ],
  },
} as const;

export type TableKey = keyof typeof TABLES;

/** What a dialect gives {@link buildTables}: its column types, and its drizzle table, index and key builders. */
export interface SchemaDialect {
  /** The drizzle column builder of a column (not null when the spec says so); `referenced` gives a ref's target key. */
  column(spec: ColumnSpec, name: string, referenced: () => Column): { notNull(): unknown };
  table(name: string, columns: Record<string, unknown>, extras: (columns: never) => unknown[]): Table;
  index(spec: IndexSpec): unknown;
  primaryKey(columns: readonly Column[]): unknown;
  readonly expressions: IndexExpressions;
}

/** The tables of {@link TABLES} as a dialect's drizzle tables, referencing each other by key. */
export function buildTables(dialect: SchemaDialect): Tables {
  const built: Record<string, Table> = {};
  for (const [key, spec] of Object.entries(TABLES) as [TableKey, (typeof TABLES)[TableKey]][]) {
    const columns = Object.fromEntries(
      Object.entries(spec.columns as Record<string, ColumnSpec>).map(([field, column]) => {
        const referenced = () => (built[column.references!] as unknown as { pk: Column }).pk;
        const builder = dialect.column(column, snakeCase(field), referenced);
        return [field, column.notNull && column.kind !== 'key' ? builder.notNull() : builder];
      }),
    );
    built[key] = dialect.table(snakeCase(key), columns, (t) => [
      ...('indexes' in spec ? spec.indexes(t, dialect.expressions).map((i) => dialect.index(i)) : []),
      ...('primaryKey' in spec ? [dialect.primaryKey(spec.primaryKey(t))] : []),
    ]);
  }
  return built as unknown as Tables;
}

/** A table's columns, as a dialect's drizzle table has them: one drizzle Column per field. */
export type Columns<C> = { readonly [K in keyof C]: Column };

/** What a dialect's drizzle table is to the core: a table with one drizzle Column per field of its list. */
export type TableOf<K extends TableKey> = Columns<(typeof TABLES)[K]['columns']> & Table;

/** The tables of one dialect's schema, by key. */
export type Tables = { readonly [K in TableKey]: TableOf<K> };
