/**
 * The SQLite tables. Every table carries `tenant`, and every unique key and index starts with it, so that
 * no lookup can span tenants and every tenant's rows form their own index ranges.
 *
 * Rows reference each other by the integer primary key (`pk`, SQLite's rowid); the public ids that the API
 * shows (customer number, address id, ...) are separate columns, unique per tenant.
 */
import { sql } from 'drizzle-orm';
import type { Account, Address, Customer, LegalEntity } from '../../domain/store.js';
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/**
 * Text sort keys: NULL sorts as '' and letters ignore case, so keyset cursors compare plain non-null values.
 * (CASE rather than ifnull: drizzle-kit splits index expressions at commas.)
 */
export const sortKey = {
  lastName: sql`(CASE WHEN "last_name" IS NULL THEN '' ELSE "last_name" END) COLLATE NOCASE`,
  firstName: sql`(CASE WHEN "first_name" IS NULL THEN '' ELSE "first_name" END) COLLATE NOCASE`,
  contactEmail: sql`(CASE WHEN "contact_email" IS NULL THEN '' ELSE "contact_email" END) COLLATE NOCASE`,
  company: sql`(CASE WHEN "company" IS NULL THEN '' ELSE "company" END) COLLATE NOCASE`,
} as const;

export const customers = sqliteTable(
  'customers',
  {
    pk: integer('pk').primaryKey({ autoIncrement: true }),
    tenant: text('tenant').notNull(),
    customerNumber: text('customer_number').notNull(),
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
    active: integer('active', { mode: 'boolean' }).notNull(),
    onHold: integer('on_hold', { mode: 'boolean' }).notNull(),
    companyRegistrationId: text('company_registration_id'),
    mixins: text('mixins', { mode: 'json' }).$type<Record<string, unknown>>(),
    version: integer('version').notNull(),
    createdAt: integer('created_at').notNull(),
    modifiedAt: integer('modified_at').notNull(),
  },
  (t) => [
    uniqueIndex('customers_tenant_number').on(t.tenant, t.customerNumber),
    // Order indexes end with the customer number: the id that breaks ties, so every keyset is one index range.
    index('customers_tenant_created').on(t.tenant, t.createdAt, t.customerNumber),
    index('customers_tenant_modified').on(t.tenant, t.modifiedAt, t.customerNumber),
    index('customers_tenant_last_name').on(t.tenant, sortKey.lastName, t.customerNumber),
    index('customers_tenant_first_name').on(t.tenant, sortKey.firstName, t.customerNumber),
    index('customers_tenant_contact_email').on(t.tenant, sortKey.contactEmail, t.customerNumber),
    index('customers_tenant_company').on(t.tenant, sortKey.company, t.customerNumber),
    index('customers_tenant_active').on(t.tenant, t.active, t.createdAt, t.customerNumber),
    index('customers_tenant_on_hold').on(t.tenant, t.onHold, t.createdAt, t.customerNumber),
  ],
);

export const addresses = sqliteTable(
  'addresses',
  {
    pk: integer('pk').primaryKey({ autoIncrement: true }),
    tenant: text('tenant').notNull(),
    id: text('id').notNull(),
    customerPk: integer('customer_pk')
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
    /** Tags in the order first given, without duplicates. */
    tags: text('tags', { mode: 'json' }).$type<string[]>().notNull(),
    isDefault: integer('is_default', { mode: 'boolean' }).notNull(),
    createdAt: integer('created_at').notNull(),
    modifiedAt: integer('modified_at').notNull(),
  },
  (t) => [
    uniqueIndex('addresses_tenant_id').on(t.tenant, t.id),
    index('addresses_customer').on(t.customerPk, t.createdAt, t.pk),
  ],
);

export const accounts = sqliteTable(
  'accounts',
  {
    pk: integer('pk').primaryKey({ autoIncrement: true }),
    tenant: text('tenant').notNull(),
    id: text('id').notNull(),
    customerPk: integer('customer_pk')
      .notNull()
      .references(() => customers.pk, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    providerId: text('provider_id'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('accounts_tenant_id').on(t.tenant, t.id),
    // An email identifies one login per tenant, whatever its letter case.
    uniqueIndex('accounts_tenant_email').on(t.tenant, sql`lower("email")`),
    index('accounts_customer').on(t.customerPk, t.createdAt, t.pk),
  ],
);

export const legalEntities = sqliteTable(
  'legal_entities',
  {
    pk: integer('pk').primaryKey({ autoIncrement: true }),
    tenant: text('tenant').notNull(),
    id: text('id').notNull(),
    registrationId: text('registration_id'),
    name: text('name'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('legal_entities_tenant_id').on(t.tenant, t.id),
    uniqueIndex('legal_entities_tenant_registration').on(t.tenant, t.registrationId),
  ],
);

/** A customer's membership in a legal entity (the "contact assignment"). */
export const customerLegalEntities = sqliteTable(
  'customer_legal_entities',
  {
    pk: integer('pk').primaryKey({ autoIncrement: true }),
    tenant: text('tenant').notNull(),
    id: text('id').notNull(),
    customerPk: integer('customer_pk')
      .notNull()
      .references(() => customers.pk, { onDelete: 'cascade' }),
    legalEntityPk: integer('legal_entity_pk')
      .notNull()
      .references(() => legalEntities.pk, { onDelete: 'cascade' }),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('customer_legal_entities_tenant_id').on(t.tenant, t.id),
    uniqueIndex('customer_legal_entities_member').on(t.customerPk, t.legalEntityPk),
    index('customer_legal_entities_entity').on(t.legalEntityPk, t.customerPk),
  ],
);

/** Numbers of deleted customers: a number is never given to another customer. */
export const deletedCustomers = sqliteTable(
  'deleted_customers',
  {
    tenant: text('tenant').notNull(),
    customerNumber: text('customer_number').notNull(),
    deletedAt: integer('deleted_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenant, t.customerNumber] })],
);

/**
 * A number for each tenant that has had customers, so that the search index can keep every tenant's rows in a range
 * of their own: a customer's row there is `(no << 40) | pk` (drizzle/0003_search_by_tenant.sql). The customers
 * triggers add a tenant with its first customer; a number is never removed, so never reused. The bound on `no`
 * keeps that rowid positive.
 */
export const searchTenants = sqliteTable(
  'search_tenants',
  {
    no: integer('no').primaryKey(),
    tenant: text('tenant').notNull(),
  },
  (t) => [
    uniqueIndex('search_tenants_tenant').on(t.tenant),
    check('search_tenants_no', sql`${t.no} BETWEEN 1 AND 8388607`),
  ],
);

/** Notifications to send, written in the same transaction as the change that causes them. */
export const outbox = sqliteTable(
  'outbox',
  {
    pk: integer('pk').primaryKey({ autoIncrement: true }),
    tenant: text('tenant').notNull(),
    type: text('type').notNull(),
    payload: text('payload', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer('created_at').notNull(),
    sentAt: integer('sent_at'),
  },
  (t) => [index('outbox_unsent').on(t.sentAt, t.pk)],
);

/** The tables' rows are the contract's rows, column for column: this fails to compile when the two drift apart. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const rowsMatchTheContract: [
  Same<typeof customers.$inferSelect, Customer>,
  Same<typeof addresses.$inferSelect, Address>,
  Same<typeof accounts.$inferSelect, Account>,
  Same<typeof legalEntities.$inferSelect, LegalEntity>,
] = [true, true, true, true];
void rowsMatchTheContract;
