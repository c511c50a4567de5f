/**
 * Lists, on both stores: every order (text as SQLite's NOCASE compares it: ASCII letters folded, then byte order,
 * whatever the database's locale), paging through every row once, the search (a substring in every script, %, _ and
 * \ taken literally, never across two columns), every filter, and counts equal to the lists. The conditions of the
 * REST API's `q` are in test/rest-filters.test.ts, on both stores too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Customer, CustomerListFilter, NewCustomer, OrderTerm, Reach } from '../../src/domain/store.js';
import type { OpenedStore } from '../../src/store/index.js';
import {
  BASE,
  compareIn,
  DIRECTIONS,
  foldAscii,
  insertCustomers,
  newCustomer,
  numbersOf,
  ORDER_FIELDS,
  openFresh,
  pageThrough,
} from '../support/store.js';

/** Text that tells orders apart: NULL and '', letter case, letters beyond ASCII, ASCII between 'Z' and 'a', ties. */
const NAMES = [
  null,
  '',
  'smith',
  'Smith',
  'SMITH',
  'Öztürk',
  'öztürk',
  'Ozturk',
  'Zoë',
  'zoe',
  'ZOE',
  'Émile',
  'emile',
  '_under',
  '[bracket',
  'abc',
  'ABC',
  'a_b',
  'axb',
  '50% off',
  '500 GmbH',
  'back\\slash',
  'ß',
  'İstanbul',
  '😀 smile',
  'Ωmega',
  'ω',
  '~tilde',
  'Ab',
  'aB',
];
const EMAILS = [null, '', 'Ann@Example.com', 'ann@example.com', 'ÄBC@x.de', 'äbc@x.de'];

function listDataset(): NewCustomer[] {
  const rows = Array.from({ length: 44 }, (_, i) => {
    // Numbers sort byte by byte: '10' before '9', 'Z' before 'a'.
    const customerNumber = i < 10 ? String(i) : i < 20 ? `N-${i}` : i < 30 ? `n-${i}` : String(100 + i);
    return newCustomer(customerNumber, {
      lastName: NAMES[i % NAMES.length]!,
      firstName: NAMES[(i * 7) % NAMES.length]!,
      company: i % 4 === 0 ? null : NAMES[(i * 3 + 1) % NAMES.length]!,
      contactEmail: i % 7 === 6 ? `c${i}@Example.com` : EMAILS[i % 7]!,
      createdAt: BASE + (i % 5) * 1000,
      modifiedAt: BASE + ((i * 3) % 7) * 10,
      active: i % 3 !== 0,
      onHold: i % 5 === 0,
    });
  });
  // A search must not match across two columns.
  rows.push(newCustomer('cross', { firstName: 'Jo', lastName: 'Anna', createdAt: BASE + 3 }));
  return rows;
}

/** What `search` finds, as the SQLite store defines it: a substring of a field, letter case folded in every script. */
function matchesSearch(row: Customer, search: string): boolean {
  const folded = search.trim().toLowerCase();
  if (folded === '') return true;
  return [row.customerNumber, row.firstName, row.lastName, row.company, row.contactEmail].some((value) =>
    value?.toLowerCase().includes(folded),
  );
}

const SEARCHES = [
  'öz',
  'ÖZ',
  'Öztürk',
  'ztü',
  'ZOË',
  'ë',
  'zoe',
  'smi',
  'M',
  'mi',
  '50%',
  '%',
  '_',
  'a_b',
  '\\',
  'back\\s',
  'Ω',
  'ωmeg',
  '😀',
  'ß',
  'stan',
  'example.com',
  'N-1',
  'n-1',
  '  smith  ',
  '   ',
  'joanna',
  'oAnn',
  'nothing-like-this',
];

/** Each store, and PostgreSQL once more in databases whose default collation could change what lower() does. */
const STORES: [string, () => Promise<OpenedStore>][] = [
  ['SQLite', () => openFresh('sqlite')],
  ["PostgreSQL, the server's default locale (libc C.UTF-8)", () => openFresh('postgres')],
  ['PostgreSQL, ICU en-US as the default collation', () => openFresh('postgres', {}, { icuLocale: 'en-US' })],
  ['PostgreSQL, libc C (ASCII-only character classes)', () => openFresh('postgres', {}, { locale: 'C' })],
];

describe.each(STORES)('lists on %s', (_, open) => {
  const T: Reach = { tenant: 'lists' };
  let store: OpenedStore;
  let rows: Customer[];
  const members = { A: new Set<string>(), B: new Set<string>() };

  beforeAll(async () => {
    store = await open();
    rows = await insertCustomers(store, T, listDataset());
    // Another tenant's rows, which no list may show.
    await insertCustomers(store, { tenant: 'neighbour' }, listDataset().slice(0, 10));
    await store.transaction(async (tx) => {
      const a = await tx.legalEntities.getOrCreate(T, { id: 'A', registrationId: 'R-A', name: 'A', createdAt: BASE });
      const b = await tx.legalEntities.getOrCreate(T, { id: 'B', registrationId: 'R-B', name: 'B', createdAt: BASE });
      for (const [i, row] of rows.entries()) {
        if (i % 4 === 1) {
          await tx.legalEntities.assign(T, { id: `a-${i}`, customerPk: row.pk, legalEntityPk: a.pk, createdAt: BASE });
          members.A.add(row.customerNumber);
        }
        if (i % 8 === 3) {
          await tx.legalEntities.assign(T, { id: `b-${i}`, customerPk: row.pk, legalEntityPk: b.pk, createdAt: BASE });
          members.B.add(row.customerNumber);
        }
      }
    });
  });
  afterAll(async () => {
    await store?.close();
  });

  const expected = (order: OrderTerm[], keep: (row: Customer) => boolean = () => true) =>
    numbersOf(rows.filter(keep).sort(compareIn(order)));

  it.each(ORDER_FIELDS.flatMap((field) => DIRECTIONS.map((direction) => [field, direction] as const)))(
    'orders by %s %s (ASCII letters folded, then byte order), and pages through every row once',
    async (field, direction) => {
      const order: OrderTerm[] = [{ field, direction }];
      const all = numbersOf(await store.reads.customers.list(T, { filter: {}, order, limit: 1000 }));
      expect(all).toEqual(expected(order));
      for (const limit of [1, 3, 7]) expect(numbersOf(await pageThrough(store, T, order, {}, limit))).toEqual(all);
      // Paging within a filter, too.
      expect(numbersOf(await pageThrough(store, T, order, { active: true }, 4))).toEqual(
        expected(order, (row) => row.active),
      );
    },
  );

  it.each([
    [
      [
        { field: 'LAST_NAME', direction: 'ASC' },
        { field: 'FIRST_NAME', direction: 'DESC' },
      ],
    ],
    [
      [
        { field: 'CREATED_AT', direction: 'DESC' },
        { field: 'COMPANY', direction: 'ASC' },
      ],
    ],
    [
      [
        { field: 'MODIFIED_AT', direction: 'ASC' },
        { field: 'CREATED_AT', direction: 'ASC' },
      ],
    ],
    [
      [
        { field: 'COMPANY', direction: 'DESC' },
        { field: 'CUSTOMER_NUMBER', direction: 'ASC' },
        { field: 'LAST_NAME', direction: 'DESC' },
      ],
    ],
    [
      [
        { field: 'CONTACT_EMAIL', direction: 'ASC' },
        { field: 'MODIFIED_AT', direction: 'DESC' },
        { field: 'FIRST_NAME', direction: 'ASC' },
      ],
    ],
  ] as OrderTerm[][][])('orders by several terms %j, paging without skips or repeats', async (order) => {
    const all = numbersOf(await store.reads.customers.list(T, { filter: {}, order, limit: 1000 }));
    expect(all).toEqual(expected(order));
    expect(numbersOf(await pageThrough(store, T, order, {}, 3))).toEqual(all);
  });

  it.each(SEARCHES)(
    'searches %j as a substring of number, names, company or email, any letter case',
    async (search) => {
      const order: OrderTerm[] = [{ field: 'CUSTOMER_NUMBER', direction: 'ASC' }];
      const want = expected(order, (row) => matchesSearch(row, search));
      expect(numbersOf(await pageThrough(store, T, order, { search }, 5))).toEqual(want);
      expect(await store.reads.customers.count(T, { search })).toBe(want.length);
    },
  );

  it('folds letter case in every script and takes %, _ and \\ literally', async () => {
    const found = async (search: string) =>
      (
        await store.reads.customers.list(T, {
          filter: { search },
          order: [{ field: 'LAST_NAME', direction: 'ASC' }],
          limit: 100,
        })
      ).flatMap((row) => [row.lastName, row.firstName, row.company, row.contactEmail]);
    expect(await found('öz')).toEqual(expect.arrayContaining(['Öztürk', 'öztürk']));
    expect(await found('öz')).not.toContain('Ozturk');
    expect(await found('ZOË')).toContain('Zoë');
    expect(await found('50%')).toContain('50% off');
    expect(await found('50%')).not.toContain('500 GmbH');
    expect(await found('a_b')).toContain('a_b');
    expect(await found('a_b')).not.toContain('axb');
    expect(await found('joanna')).toEqual([]);
  });

  const FILTERS: [string, CustomerListFilter, (row: Customer) => boolean][] = [
    [
      'contactEmail, ASCII case folded',
      { contactEmail: 'ANN@example.COM' },
      (r) => foldAscii(r.contactEmail ?? '\0') === 'ann@example.com',
    ],
    ['contactEmail beyond ASCII, not folded', { contactEmail: 'äbc@x.de' }, (r) => r.contactEmail === 'äbc@x.de'],
    ["an empty contactEmail, which NULL doesn't match", { contactEmail: '' }, (r) => r.contactEmail === ''],
    ['active', { active: true }, (r) => r.active],
    ['inactive', { active: false }, (r) => !r.active],
    ['on hold', { onHold: true }, (r) => r.onHold],
    ['not on hold', { onHold: false }, (r) => !r.onHold],
    ['B2B', { businessModel: 'B2B' }, (r) => members.A.has(r.customerNumber) || members.B.has(r.customerNumber)],
    ['B2C', { businessModel: 'B2C' }, (r) => !members.A.has(r.customerNumber) && !members.B.has(r.customerNumber)],
    ['a legal entity', { legalEntityId: 'B' }, (r) => members.B.has(r.customerNumber)],
    ['a missing legal entity', { legalEntityId: 'missing' }, () => false],
    ['modifiedSince', { modifiedSince: BASE + 30 }, (r) => r.modifiedAt >= BASE + 30],
    [
      'several at once',
      { active: true, businessModel: 'B2B', search: 'o', modifiedSince: BASE + 10 },
      (r) =>
        r.active &&
        (members.A.has(r.customerNumber) || members.B.has(r.customerNumber)) &&
        matchesSearch(r, 'o') &&
        r.modifiedAt >= BASE + 10,
    ],
  ];

  it.each(FILTERS)('filters by %s, in lists and counts', async (_, filter, keep) => {
    for (const order of [
      [{ field: 'CREATED_AT', direction: 'DESC' }],
      [{ field: 'LAST_NAME', direction: 'ASC' }],
    ] as OrderTerm[][]) {
      const want = expected(order, keep);
      expect(want.length).toBeLessThan(rows.length);
      expect(numbersOf(await pageThrough(store, T, order, filter, 4))).toEqual(want);
      expect(await store.reads.customers.count(T, filter)).toBe(want.length);
    }
  });

  it("counts the tenant's customers only", async () => {
    expect(await store.reads.customers.count(T, {})).toBe(rows.length);
    expect(await store.reads.customers.count({ tenant: 'neighbour' }, {})).toBe(10);
    expect(await store.reads.customers.count({ tenant: 'nobody' }, {})).toBe(0);
  });
});
