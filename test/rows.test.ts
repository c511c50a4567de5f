/**
 * The store's fast row decoding (src/store/sqlite/rows.ts) answers exactly what drizzle's own mapping answers: the same
 * keys, the same values, booleans and JSON decoded, nulls kept; and it refuses a query whose columns it cannot place.
 */
import { describe, expect, it } from 'vitest';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { openSqliteStore } from '../src/store/sqlite/db.js';
import { tableRows } from '../src/store/sqlite/rows.js';
import * as schema from '../src/store/sqlite/schema.js';
import { accounts, addresses, customers } from '../src/store/sqlite/schema.js';

describe('tableRows', () => {
  const store = openSqliteStore(':memory:');
  const db = drizzle(store.connections[0]!, { schema });
  const base = {
    tenant: 'acme',
    preferredLanguage: 'en_US',
    preferredCurrency: 'EUR',
    preferredSite: 'main',
    version: 1,
  };
  const [full, sparse] = db
    .insert(customers)
    .values([
      {
        ...base,
        customerNumber: 'C-1',
        title: 'Dr',
        firstName: 'Ada',
        middleName: 'B.',
        lastName: 'Lovelace',
        contactEmail: 'ada@example.com',
        contactPhone: '+49 1',
        company: 'Engines',
        active: true,
        onHold: false,
        companyRegistrationId: 'REG-1',
        mixins: { loyalty: { level: 'gold', points: 12 }, list: [1, 'two', null] },
        createdAt: 1,
        modifiedAt: 2,
      },
      { ...base, customerNumber: 'C-2', active: false, onHold: true, createdAt: 3, modifiedAt: 3 },
    ])
    .returning()
    .all();
  db.insert(addresses)
    .values([
      {
        tenant: 'acme',
        id: 'A-1',
        customerPk: full!.pk,
        contactName: 'Ada',
        country: 'DE',
        tags: ['BILLING', 'SHIPPING'],
        isDefault: true,
        street: 'Main',
        createdAt: 1,
        modifiedAt: 1,
      },
      {
        tenant: 'acme',
        id: 'A-2',
        customerPk: sparse!.pk,
        contactName: 'Bo',
        country: 'FR',
        tags: [],
        isDefault: false,
        createdAt: 2,
        modifiedAt: 2,
      },
    ])
    .run();
  db.insert(accounts)
    .values({ tenant: 'acme', id: 'U-1', customerPk: full!.pk, email: 'ada@example.com', createdAt: 1 })
    .run();

  it.each([
    ['customers', customers],
    ['addresses', addresses],
    ['accounts', accounts],
  ] as const)('%s: the same rows as drizzle', (_name, table) => {
    const query = db.select().from(table);
    const expected = query.all();
    expect(expected.length).toBeGreaterThan(0);
    expect(tableRows(table, query.prepare()).all()).toStrictEqual(expected);
  });

  it('decodes booleans and JSON, and keeps nulls', () => {
    const [first, second] = tableRows(customers, db.select().from(customers).orderBy(customers.pk).prepare()).all();
    expect(first).toMatchObject({
      active: true,
      onHold: false,
      mixins: { loyalty: { level: 'gold', points: 12 }, list: [1, 'two', null] },
    });
    expect(second).toMatchObject({
      active: false,
      onHold: true,
      mixins: null,
      title: null,
      companyRegistrationId: null,
    });
  });

  it('refuses a query that does not select the whole table in order', () => {
    expect(() => tableRows(customers, db.select({ pk: customers.pk }).from(customers).prepare())).toThrow(
      /columns of the table/,
    );
    expect(() => tableRows(addresses, db.select().from(customers).prepare())).toThrow(/columns of the table/);
  });
});
