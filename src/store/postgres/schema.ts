/**
 * The PostgreSQL tables, the same rows as the SQLite store's (src/store/sqlite/schema.ts). Every table carries
 * `tenant`, and every unique key and index starts with it, so that no lookup spans tenants and each tenant's rows
 * form their own index ranges. Times are epoch milliseconds (bigint), JSON is `json` (kept as written: `mixins`
 * must come back with its keys in their order).
 *
 * Text orders compare as SQLite's NOCASE does, whatever the database's locale: ASCII letters folded (lower() under
 * the "C" collation folds ASCII only), then byte order ("C"). The substring search index and its Unicode folding
 * need extensions, so they are hand-written: drizzle-postgres/0001_customer_search.sql.
 */
import { type AnyColumn, sql, type SQL } from 'drizzle-orm';
import {
  bigint,
  boolean,
  customType,
  index,
  integer,
  json,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/** Text compared byte by byte, as SQLite compares the customer number (its order breaks every tie). */
const binaryText = customType<{ data: string; driverData: string }>({
  dataType: () => 'text COLLATE "C"',
});

/** The sort key of a nullable text column: NULL as '', ASCII letters folded, byte order. */
export const sortKey = (column: AnyColumn): SQL => sql`lower(coalesce(${column}, '') COLLATE "C")`;

export const customers = pgTable(
  'customers',
  {
    pk: bigint('pk', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    tenant: text('tenant').notNull(),
    customerNumber: binaryText('customer_number').notNull(),
    title: text('title'),
    firstName: text('first_name'),
    middleName: text('middle_name'),
    lastName: text('last_name'),
    contactEmail: text('contact_email'),
    contactPhone: text('contact_phone'),
    company: text('company'),
    preferredLanguage: text('preferred_language').notNull(),
    preferredCurrency: text('preferred_currency').notNull(),
    preferredSite: text('preferred_site').notNull(),
    active: boolean('active').notNull(),
    onHold: boolean('on_hold').notNull(),
    companyRegistrationId: text('company_registration_id'),
    mixins: json('mixins').$type<Record<string, unknown>>(),
    version: integer('version').notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    modifiedAt: bigint('modified_at', { mode: 'number' }).notNull(),
  },
  (t) => [
    uniqueIndex('customers_tenant_number').on(t.tenant, t.customerNumber),
    // Order indexes end with the customer number: the id that breaks ties, so every keyset is one index range.
    index('customers_tenant_created').on(t.tenant, t.createdAt, t.customerNumber),
    index('customers_tenant_modified').on(t.tenant, t.modifiedAt, t.customerNumber),
    index('customers_tenant_last_name').on(t.tenant, sortKey(t.lastName), t.customerNumber),
    index('customers_tenant_first_name').on(t.tenant, sortKey(t.firstName), t.customerNumber),
    index('customers_tenant_contact_email').on(t.tenant, sortKey(t.contactEmail), t.customerNumber),
    index('customers_tenant_company').on(t.tenant, sortKey(t.company), t.customerNumber),
    index('customers_tenant_active').on(t.tenant, t.active, t.createdAt, t.customerNumber),
    index('customers_tenant_on_hold').on(t.tenant, t.onHold, t.createdAt, t.customerNumber),
  ],
);

/**
 * Every customer number a tenant has used, claimed with the customer's insert and never deleted, so that a number
 * is never given twice, even by transactions racing each other: the claim is the primary key. `deleted_at` is set
 * when its customer is deleted (the tombstone).
 */
export const customerNumbers = pgTable(
  'customer_numbers',
  {
    tenant: text('tenant').notNull(),
    customerNumber: binaryText('customer_number').notNull(),
    deletedAt: bigint('deleted_at', { mode: 'number' }),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.customerNumber] })],
);

export const addresses = pgTable(
  'addresses',
  {
    pk: bigint('pk', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    tenant: text('tenant').notNull(),
    id: text('id').notNull(),
    customerPk: bigint('customer_pk', { mode: 'number' })
      .notNull()
      .references(() => customers.pk, { onDelete: 'cascade' }),
    contactName: text('contact_name').notNull(),
    companyName: text('company_name'),
    street: text('street'),
    streetNumber: text('street_number'),
    streetAppendix: text('street_appendix'),
    extraLine1: text('extra_line1'),
    extraLine2: text('extra_line2'),
    extraLine3: text('extra_line3'),
    extraLine4: text('extra_line4'),
    zipCode: text('zip_code'),
    city: text('city'),
    country: text('country').notNull(),
    state: text('state'),
    contactPhone: text('contact_phone'),
    /** Tags in the order first given, without duplicates: a JSON array. */
    tags: json('tags').$type<string[]>().notNull(),
    isDefault: boolean('is_default').notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    modifiedAt: bigint('modified_at', { mode: 'number' }).notNull(),
  },
  (t) => [
    uniqueIndex('addresses_tenant_id').on(t.tenant, t.id),
    index('addresses_customer').on(t.customerPk, t.createdAt, t.pk),
  ],
);

export const accounts = pgTable(
  'accounts',
  {
    pk: bigint('pk', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    tenant: text('tenant').notNull(),
    id: text('id').notNull(),
    customerPk: bigint('customer_pk', { mode: 'number' })
      .notNull()
      .references(() => customers.pk, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    providerId: text('provider_id'),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  },
  (t) => [
    uniqueIndex('accounts_tenant_id').on(t.tenant, t.id),
    // An email identifies one login per tenant, whatever the case of its ASCII letters (as SQLite's lower()).
    uniqueIndex('accounts_tenant_email').on(t.tenant, emailKey(t.email)),
    index('accounts_customer').on(t.customerPk, t.createdAt, t.pk),
  ],
);

/** The key under which an email is unique: ASCII letters folded, whatever the database's locale. */
export function emailKey(email: AnyColumn | SQL): SQL {
  return sql`lower(${email} COLLATE "C")`;
}

export const legalEntities = pgTable(
  'legal_entities',
  {
    pk: bigint('pk', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    tenant: text('tenant').notNull(),
    id: text('id').notNull(),
    registrationId: text('registration_id'),
    name: text('name'),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  },
  (t) => [
    uniqueIndex('legal_entities_tenant_id').on(t.tenant, t.id),
    uniqueIndex('legal_entities_tenant_registration').on(t.tenant, t.registrationId),
  ],
);

/** A customer's membership in a legal entity (the "contact assignment"). */
export const customerLegalEntities = pgTable(
  'customer_legal_entities',
  {
    pk: bigint('pk', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    tenant: text('tenant').notNull(),
    id: text('id').notNull(),
    customerPk: bigint('customer_pk', { mode: 'number' })
      .notNull()
      .references(() => customers.pk, { onDelete: 'cascade' }),
    legalEntityPk: bigint('legal_entity_pk', { mode: 'number' })
      .notNull()
      .references(() => legalEntities.pk, { onDelete: 'cascade' }),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  },
  (t) => [
    uniqueIndex('customer_legal_entities_tenant_id').on(t.tenant, t.id),
    uniqueIndex('customer_legal_entities_member').on(t.customerPk, t.legalEntityPk),
    index('customer_legal_entities_entity').on(t.legalEntityPk, t.customerPk),
  ],
);

/** Notifications to send, written in the same transaction as the change that causes them. */
export const outbox = pgTable(
  'outbox',
  {
    pk: bigint('pk', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    tenant: text('tenant').notNull(),
    type: text('type').notNull(),
    payload: json('payload').$type<Record<string, unknown>>().notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
    sentAt: bigint('sent_at', { mode: 'number' }),
  },
  (t) => [index('outbox_unsent').on(t.sentAt, t.pk)],
);
