/**
 * The store contract (src/domain/store.ts), one suite run on both stores, as Auth.js runs one suite over every
 * adapter: rows kept exactly as given, batched lookups, conflicts that leave a transaction usable, reach, locks,
 * tombstones, rollbacks, the event log with its deliveries, and the seed writer. What only one store has (its connections, its plans, its
 * failures) is in its own file beside this one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Customer, NewEvent, OrderTerm, Reach } from '../../src/domain/store.js';
import type { OpenedStore, SeedCustomer } from '../../src/store/index.js';
import {
  BASE,
  insertCustomers,
  newAccount,
  newAddress,
  newCustomer,
  numbersOf,
  openFresh,
  pageThrough,
  recorder,
  seedAddress,
  type StoreKind,
} from '../support/store.js';

const KINDS: StoreKind[] = ['sqlite', 'postgres'];

describe.each(KINDS)('the %s store', (kind) => {
  let store: OpenedStore;
  const statements = recorder();

  beforeAll(async () => {
    store = await openFresh(kind, statements.options);
  });
  afterAll(async () => {
    await store?.close();
  });

  describe('customers', () => {
    const T: Reach = { tenant: 'customers' };

    it('keeps every field as given: times as numbers, mixins with their keys in order, text as written', async () => {
      const mixins = {
        zeta: 1,
        alpha: { z: [3, 2, 1], a: null, 'ü-key': 'Grüße "quoted" \\ back' },
        middle: true,
        '10': 'numeric-like keys come first in JavaScript too',
      };
      const values = newCustomer('1000', {
        title: 'Dr.',
        firstName: 'Zoë',
        middleName: 'Ünal',
        lastName: "O'Brien",
        contactEmail: 'Zoe@Example.com',
        contactPhone: '+49 30 123',
        company: 'ACME "Intl" GmbH',
        preferredLanguage: 'de',
        preferredCurrency: 'CHF',
        preferredSite: 'ch',
        active: false,
        onHold: true,
        companyRegistrationId: 'HRB 1',
        mixins,
        version: 7,
        createdAt: 253_402_300_799_999,
        modifiedAt: BASE + 1,
      });
      const [inserted] = await insertCustomers(store, T, [values]);
      expect(inserted).toEqual({ ...values, pk: expect.any(Number), tenant: T.tenant });
      const [read] = await store.reads.customers.byNumbers(T, ['1000']);
      expect(read).toEqual(inserted);
      expect(JSON.stringify(read!.mixins)).toBe(JSON.stringify(mixins));
      expect(await store.reads.customers.byPks(T, [inserted!.pk])).toEqual([inserted]);
      expect(await store.reads.customers.byNumbers({ tenant: 'other' }, ['1000'])).toEqual([]);
    });

    it('looks up any number of customers by number or pk in one statement', async () => {
      const rows = await insertCustomers(
        store,
        T,
        Array.from({ length: 60 }, (_, i) => newCustomer(`batch-${i}`)),
      );
      const numbers = numbersOf(rows);
      let found: Customer[] = [];
      expect(await statements.count(async () => (found = await store.reads.customers.byNumbers(T, numbers)))).toBe(1);
      expect(numbersOf(found).sort()).toEqual([...numbers].sort());
      expect(
        await statements.count(
          async () =>
            (found = await store.reads.customers.byPks(
              T,
              rows.map((r) => r.pk),
            )),
        ),
      ).toBe(1);
      expect(found).toHaveLength(60);
      expect(await statements.count(() => store.reads.customers.byNumbers(T, []))).toBe(0);
    });

    it('answers undefined for a taken number, and the transaction goes on and commits', async () => {
      const outcome = await store.transaction(async (tx) => {
        const first = await tx.customers.insert(T, newCustomer('2000'));
        const again = await tx.customers.insert(T, newCustomer('2000', { lastName: 'Second' }));
        const next = await tx.customers.insert(T, newCustomer('2001'));
        return { first, again, next };
      });
      expect(outcome.first?.customerNumber).toBe('2000');
      expect(outcome.again).toBeUndefined();
      expect(outcome.next?.customerNumber).toBe('2001');
      expect(numbersOf(await store.reads.customers.byNumbers(T, ['2000', '2001'])).sort()).toEqual(['2000', '2001']);
      // Numbers are per tenant.
      expect(await insertCustomers(store, { tenant: 'elsewhere' }, [newCustomer('2000')])).toHaveLength(1);
    });

    it('updates the fields given and answers the row; refuses a pk of another tenant', async () => {
      const [row] = await insertCustomers(store, T, [newCustomer('3000', { lastName: 'Before', company: 'Kept' })]);
      const updated = await store.transaction((tx) =>
        tx.customers.update(T, row!.pk, {
          lastName: 'After',
          version: 2,
          modifiedAt: BASE + 5,
          mixins: { b: 1, a: 2 },
        }),
      );
      expect(updated).toEqual({ ...row, lastName: 'After', version: 2, modifiedAt: BASE + 5, mixins: { b: 1, a: 2 } });
      expect(Object.keys(updated.mixins!)).toEqual(['b', 'a']);
      expect(await store.transaction((tx) => tx.customers.update(T, row!.pk, {}))).toEqual(updated);
      await expect(
        store.transaction((tx) => tx.customers.update({ tenant: 'other' }, row!.pk, { lastName: 'Stolen' })),
      ).rejects.toThrow();
      expect((await store.reads.customers.byPks(T, [row!.pk]))[0]?.lastName).toBe('After');
    });

    it('locks a customer within reach, and finds none outside it', async () => {
      const [row] = await insertCustomers(store, T, [newCustomer('4000')]);
      await store.transaction(async (tx) => {
        expect(await tx.customers.lockByNumber(T, '4000')).toEqual(row);
        expect(await tx.customers.lockByNumber({ tenant: 'other' }, '4000')).toBeUndefined();
        expect(await tx.customers.lockByNumber(T, 'missing')).toBeUndefined();
      });
    });

    it('deletes a customer with its addresses, accounts and assignments, and keeps its number forever', async () => {
      const [row] = await insertCustomers(store, T, [newCustomer('5000')]);
      await store.transaction(async (tx) => {
        await tx.addresses.insert(T, newAddress('addr-5000', row!.pk, { isDefault: true }));
        await tx.accounts.insert(T, newAccount('acc-5000', row!.pk, 'gone@example.com'));
        const entity = await tx.legalEntities.getOrCreate(T, {
          id: 'le-5000',
          registrationId: 'REG-5000',
          name: 'Gone Ltd',
          createdAt: BASE,
        });
        await tx.legalEntities.assign(T, {
          id: 'as-5000',
          customerPk: row!.pk,
          legalEntityPk: entity.pk,
          createdAt: BASE,
        });
      });
      await store.transaction(async (tx) => {
        expect(await tx.customers.numberDeleted(T, '5000')).toBe(false);
        await tx.customers.delete(T, row!, BASE + 10);
        expect(await tx.customers.numberDeleted(T, '5000')).toBe(true);
      });
      expect(await store.reads.customers.byNumbers(T, ['5000'])).toEqual([]);
      expect(await store.reads.addresses.byIds(T, ['addr-5000'])).toEqual([]);
      expect(await store.reads.accounts.byCustomerPks(T, [row!.pk])).toEqual([]);
      expect(await store.reads.legalEntities.membershipsByCustomerPks(T, [row!.pk])).toEqual([]);
      // The entity stays; the number is never given again, and the account's email is free again.
      expect(await store.reads.legalEntities.byIds(T, ['le-5000'])).toHaveLength(1);
      await store.transaction(async (tx) => {
        expect(await tx.customers.insert(T, newCustomer('5000'))).toBeUndefined();
        expect(await tx.customers.numberDeleted(T, '5000')).toBe(true);
        expect(await tx.customers.numberDeleted({ tenant: 'other' }, '5000')).toBe(false);
        const other = await tx.customers.insert(T, newCustomer('5001'));
        expect(await tx.accounts.insert(T, newAccount('acc-5001', other!.pk, 'GONE@example.com'))).toBeDefined();
      });
      expect((await store.seedWriter().takenKeys(T.tenant)).customerNumbers.has('5000')).toBe(true);
    });

    it('writes nothing when the work throws, and rethrows its error as it was', async () => {
      const failure = new Error('the domain refused');
      await expect(
        store.transaction(async (tx) => {
          const row = await tx.customers.insert(T, newCustomer('6000'));
          await tx.addresses.insert(T, newAddress('addr-6000', row!.pk));
          throw failure;
        }),
      ).rejects.toBe(failure);
      expect(await store.reads.customers.byNumbers(T, ['6000'])).toEqual([]);
      expect(await store.reads.addresses.byIds(T, ['addr-6000'])).toEqual([]);
      // Not even the number's claim was kept.
      expect(await insertCustomers(store, T, [newCustomer('6000')])).toHaveLength(1);
    });

    it('runs every method of a transaction in it: its writes are seen there, and outside only once committed', async () => {
      await store.transaction(async (tx) => {
        const row = await tx.customers.insert(T, newCustomer('7000'));
        expect(await tx.customers.byNumbers(T, ['7000'])).toEqual([row]);
        expect(await tx.customers.count(T, { search: '7000' })).toBe(1);
        expect(await store.reads.customers.byNumbers(T, ['7000'])).toEqual([]);
      });
      expect(await store.reads.customers.byNumbers(T, ['7000'])).toHaveLength(1);
    });

    it('counts every statement, BEGIN and COMMIT included, and shows each to onQuery', async () => {
      const from = statements.log.length;
      expect(await statements.count(() => insertCustomers(store, T, [newCustomer('8000')]))).toBe(4);
      const sqls = statements.log.slice(from).map((entry) => entry.sql.toLowerCase());
      expect(sqls[0]).toMatch(/^begin/);
      expect(sqls.at(-1)).toBe('commit');
      expect(await statements.count(() => store.query('SELECT 1'))).toBe(1);
      expect(await statements.count(() => store.isReady())).toBe(1);
    });
  });

  describe('addresses', () => {
    const T: Reach = { tenant: 'addresses' };

    it('writes, reads in the promised order, and answers undefined for a taken id without failing', async () => {
      const [a, b] = await insertCustomers(store, T, [newCustomer('1'), newCustomer('2')]);
      const outcome = await store.transaction(async (tx) => {
        const old = await tx.addresses.insert(
          T,
          newAddress('a-old', a!.pk, { createdAt: BASE, tags: ['z', 'a', 'ü'] }),
        );
        const def = await tx.addresses.insert(
          T,
          newAddress('a-default', a!.pk, { createdAt: BASE + 9, isDefault: true }),
        );
        const tie1 = await tx.addresses.insert(T, newAddress('a-tie-1', a!.pk, { createdAt: BASE + 5 }));
        const tie2 = await tx.addresses.insert(T, newAddress('a-tie-2', a!.pk, { createdAt: BASE + 5 }));
        const taken = await tx.addresses.insert(T, newAddress('a-old', b!.pk));
        const other = await tx.addresses.insert(T, newAddress('b-1', b!.pk, { isDefault: true }));
        return { old, def, tie1, tie2, taken, other };
      });
      expect(outcome.taken).toBeUndefined();
      expect(outcome.old?.tags).toEqual(['z', 'a', 'ü']);
      // Another tenant may use the same id.
      const [elsewhere] = await insertCustomers(store, { tenant: 'elsewhere2' }, [newCustomer('1')]);
      expect(
        await store.transaction((tx) =>
          tx.addresses.insert({ tenant: 'elsewhere2' }, newAddress('a-old', elsewhere!.pk)),
        ),
      ).toBeDefined();

      let rows: Awaited<ReturnType<typeof store.reads.addresses.byCustomerPks>> = [];
      expect(
        await statements.count(async () => (rows = await store.reads.addresses.byCustomerPks(T, [b!.pk, a!.pk]))),
      ).toBe(1);
      const ofA = rows.filter((row) => row.customerPk === a!.pk).map((row) => row.id);
      expect(ofA).toEqual(['a-default', 'a-old', 'a-tie-1', 'a-tie-2']);
      expect(rows.filter((row) => row.customerPk === b!.pk).map((row) => row.id)).toEqual(['b-1']);
      expect((await store.reads.addresses.byIds(T, ['a-tie-2', 'b-1', 'nope'])).map((row) => row.id).sort()).toEqual([
        'a-tie-2',
        'b-1',
      ]);
      expect(await store.reads.addresses.byIds({ tenant: 'other' }, ['b-1'])).toEqual([]);

      await store.transaction(async (tx) => {
        const updated = await tx.addresses.update(T, outcome.old!.pk, {
          isDefault: true,
          city: 'Köln',
          tags: ['new', 'Tags'],
          modifiedAt: BASE + 20,
        });
        expect(updated).toEqual({
          ...outcome.old,
          isDefault: true,
          city: 'Köln',
          tags: ['new', 'Tags'],
          modifiedAt: BASE + 20,
        });
        await tx.addresses.clearDefaultExcept(T, a!.pk, outcome.old!.pk, BASE + 20);
        expect(await tx.addresses.countByCustomer(T, a!.pk)).toBe(4);
        await tx.addresses.delete(T, outcome.tie1!.pk);
        expect(await tx.addresses.countByCustomer(T, a!.pk)).toBe(3);
        expect(await tx.addresses.countByCustomer({ tenant: 'other' }, a!.pk)).toBe(0);
      });
      const after = await store.reads.addresses.byCustomerPks(T, [a!.pk]);
      expect(after.map((row) => [row.id, row.isDefault])).toEqual([
        ['a-old', true],
        ['a-tie-2', false],
        ['a-default', false],
      ]);
      expect(after[2]?.modifiedAt).toBe(BASE + 20);
    });
  });

  describe('accounts', () => {
    const T: Reach = { tenant: 'accounts' };

    it('keeps one email per tenant ignoring ASCII letter case, answering undefined on a conflict', async () => {
      const [a, b] = await insertCustomers(store, T, [newCustomer('1'), newCustomer('2')]);
      const outcome = await store.transaction(async (tx) => {
        const first = await tx.accounts.insert(T, newAccount('acc-1', a!.pk, 'Ann@Example.com', BASE + 2));
        const sameEmail = await tx.accounts.insert(T, newAccount('acc-2', b!.pk, 'aNN@example.COM'));
        const sameId = await tx.accounts.insert(T, newAccount('acc-1', b!.pk, 'other@example.com'));
        const second = await tx.accounts.insert(T, newAccount('acc-3', a!.pk, 'second@example.com', BASE + 1));
        const third = await tx.accounts.insert(T, newAccount('acc-4', a!.pk, 'third@example.com', BASE + 1));
        // As SQLite's lower(): letters beyond ASCII are not folded, so these are two emails.
        const upperUmlaut = await tx.accounts.insert(T, newAccount('acc-5', b!.pk, 'ÄRGER@example.com'));
        const lowerUmlaut = await tx.accounts.insert(T, newAccount('acc-6', b!.pk, 'äRGER@example.com'));
        return { first, sameEmail, sameId, second, third, upperUmlaut, lowerUmlaut };
      });
      expect(outcome.first).toEqual({
        ...newAccount('acc-1', a!.pk, 'Ann@Example.com', BASE + 2),
        pk: expect.any(Number),
        tenant: T.tenant,
      });
      expect(outcome.sameEmail).toBeUndefined();
      expect(outcome.sameId).toBeUndefined();
      expect(outcome.upperUmlaut).toBeDefined();
      expect(outcome.lowerUmlaut).toBeDefined();
      const [elsewhere] = await insertCustomers(store, { tenant: 'elsewhere3' }, [newCustomer('1')]);
      expect(
        await store.transaction((tx) =>
          tx.accounts.insert({ tenant: 'elsewhere3' }, newAccount('acc-1', elsewhere!.pk, 'ANN@example.com')),
        ),
      ).toBeDefined();

      const rows = await store.reads.accounts.byCustomerPks(T, [a!.pk, b!.pk]);
      expect(rows.filter((row) => row.customerPk === a!.pk).map((row) => row.id)).toEqual(['acc-3', 'acc-4', 'acc-1']);
      expect(await store.transaction((tx) => tx.accounts.countByCustomer(T, a!.pk))).toBe(3);
      expect((await store.seedWriter().takenKeys(T.tenant)).emails).toEqual(
        new Set([
          'ann@example.com',
          'second@example.com',
          'third@example.com',
          'Ärger@example.com',
          'ärger@example.com',
        ]),
      );
    });
  });

  describe('legal entities and reach', () => {
    const T = 'companies';
    const tenant: Reach = { tenant: T };
    let rows: Record<string, Customer> = {};
    let entities: Record<string, number> = {};

    beforeAll(async () => {
      const customers = await insertCustomers(
        store,
        tenant,
        ['me', 'colleague', 'partner', 'stranger', 'loner'].map((n) => newCustomer(n, { lastName: n })),
      );
      rows = Object.fromEntries(customers.map((row) => [row.customerNumber, row]));
      // me and colleague share ACME, me and partner share Partner; stranger is in Other alone, loner in none.
      entities = await store.transaction(async (tx) => {
        const acme = await tx.legalEntities.getOrCreate(tenant, {
          id: 'le-acme',
          registrationId: 'R-ACME',
          name: 'ACME',
          createdAt: BASE,
        });
        const partner = await tx.legalEntities.getOrCreate(tenant, {
          id: 'le-partner',
          registrationId: 'R-PARTNER',
          name: 'Partner',
          createdAt: BASE,
        });
        const other = await tx.legalEntities.getOrCreate(tenant, {
          id: 'le-other',
          registrationId: 'R-OTHER',
          name: 'Other',
          createdAt: BASE,
        });
        const assign = (id: string, customer: string, entityPk: number, at: number) =>
          tx.legalEntities.assign(tenant, {
            id,
            customerPk: rows[customer]!.pk,
            legalEntityPk: entityPk,
            createdAt: at,
          });
        expect(await assign('as-1', 'me', partner.pk, BASE + 2)).toBe(true);
        expect(await assign('as-2', 'me', acme.pk, BASE + 1)).toBe(true);
        expect(await assign('as-2b', 'me', acme.pk, BASE + 3)).toBe(false);
        expect(await assign('as-3', 'colleague', acme.pk, BASE)).toBe(true);
        expect(await assign('as-4', 'partner', partner.pk, BASE)).toBe(true);
        expect(await assign('as-5', 'stranger', other.pk, BASE)).toBe(true);
        return { acme: acme.pk, partner: partner.pk, other: other.pk };
      });
    });

    it('creates an entity once per registration id, and finds it by id and registration id', async () => {
      await store.transaction(async (tx) => {
        const again = await tx.legalEntities.getOrCreate(tenant, {
          id: 'le-new-id',
          registrationId: 'R-ACME',
          name: 'Renamed',
          createdAt: BASE + 9,
        });
        expect(again).toEqual({
          pk: entities.acme,
          tenant: T,
          id: 'le-acme',
          registrationId: 'R-ACME',
          name: 'ACME',
          createdAt: BASE,
        });
        expect(await tx.legalEntities.byRegistrationId(tenant, 'R-ACME')).toEqual(again);
        expect(await tx.legalEntities.byRegistrationId({ tenant: 'other' }, 'R-ACME')).toBeUndefined();
      });
      expect(
        (await store.reads.legalEntities.byIds(tenant, ['le-acme', 'le-partner', 'le-x'])).map((e) => e.id).sort(),
      ).toEqual(['le-acme', 'le-partner']);
      expect(await store.reads.legalEntities.byIds({ tenant: 'other' }, ['le-acme'])).toEqual([]);
    });

    it('answers memberships oldest first, in one statement for any number of customers', async () => {
      let memberships: Awaited<ReturnType<typeof store.reads.legalEntities.membershipsByCustomerPks>> = [];
      const pks = Object.values(rows).map((row) => row.pk);
      expect(
        await statements.count(
          async () => (memberships = await store.reads.legalEntities.membershipsByCustomerPks(tenant, pks)),
        ),
      ).toBe(1);
      const mine = memberships.filter((m) => m.customerPk === rows.me!.pk);
      expect(mine.map((m) => [m.assignmentId, m.legalEntity.id])).toEqual([
        ['as-2', 'le-acme'],
        ['as-1', 'le-partner'],
      ]);
      expect(mine[0]?.legalEntity).toEqual({
        pk: entities.acme,
        tenant: T,
        id: 'le-acme',
        registrationId: 'R-ACME',
        name: 'ACME',
        createdAt: BASE,
      });
      expect(memberships.filter((m) => m.customerPk === rows.loner!.pk)).toEqual([]);
    });

    it("narrows every lookup, list, count and lock to the caller's companies", async () => {
      const company: Reach = { tenant: T, company: { customerNumber: 'me' } };
      const acmeOnly: Reach = { tenant: T, company: { customerNumber: 'me', legalEntityId: 'le-acme' } };
      const all = ['me', 'colleague', 'partner', 'stranger', 'loner'];
      const order: OrderTerm[] = [{ field: 'CUSTOMER_NUMBER', direction: 'ASC' }];
      expect(numbersOf(await store.reads.customers.byNumbers(company, all)).sort()).toEqual([
        'colleague',
        'me',
        'partner',
      ]);
      expect(numbersOf(await store.reads.customers.byNumbers(acmeOnly, all)).sort()).toEqual(['colleague', 'me']);
      expect(
        numbersOf(
          await store.reads.customers.byPks(
            acmeOnly,
            Object.values(rows).map((r) => r.pk),
          ),
        ).sort(),
      ).toEqual(['colleague', 'me']);
      expect(numbersOf(await pageThrough(store, company, order, {}, 2))).toEqual(['colleague', 'me', 'partner']);
      expect(await store.reads.customers.count(company, {})).toBe(3);
      expect(await store.reads.customers.count(acmeOnly, {})).toBe(2);
      expect(numbersOf(await pageThrough(store, company, order, { legalEntityId: 'le-partner' }, 5))).toEqual([
        'me',
        'partner',
      ]);
      expect(numbersOf(await pageThrough(store, acmeOnly, order, { search: 'PART' }, 5))).toEqual([]);
      await store.transaction(async (tx) => {
        expect((await tx.customers.lockByNumber(acmeOnly, 'colleague'))?.customerNumber).toBe('colleague');
        expect(await tx.customers.lockByNumber(acmeOnly, 'partner')).toBeUndefined();
        expect(await tx.customers.lockByNumber(company, 'stranger')).toBeUndefined();
      });
      // A caller without a company reaches nobody, not even itself; another tenant's caller nobody here.
      expect(await store.reads.customers.count({ tenant: T, company: { customerNumber: 'loner' } }, {})).toBe(0);
      expect(await store.reads.customers.count({ tenant: 'other', company: { customerNumber: 'me' } }, {})).toBe(0);

      expect((await store.reads.legalEntities.companyOf(company)).map((e) => e.id)).toEqual(['le-partner', 'le-acme']);
      expect((await store.reads.legalEntities.companyOf(acmeOnly)).map((e) => e.id)).toEqual(['le-acme']);
      expect(await store.reads.legalEntities.companyOf(tenant)).toEqual([]);
    });

    it('unassigns a customer, once', async () => {
      await store.transaction(async (tx) => {
        expect(await tx.legalEntities.unassign(tenant, rows.stranger!.pk, entities.other!)).toBe(true);
        expect(await tx.legalEntities.unassign(tenant, rows.stranger!.pk, entities.other!)).toBe(false);
        expect(await tx.legalEntities.unassign({ tenant: 'other' }, rows.partner!.pk, entities.partner!)).toBe(false);
      });
      expect(await store.reads.legalEntities.membershipsByCustomerPks(tenant, [rows.stranger!.pk])).toEqual([]);
    });
  });

  describe('the event log', () => {
    const T: Reach = { tenant: 'log' };
    const event = (id: string, customerNumber: string, legalEntities: string[] = []): NewEvent => ({
      id,
      type: 'customer.deleted',
      customerNumber,
      legalEntities,
      payload: { data: { tenant: T.tenant, customerNumber, id: customerNumber } },
      createdAt: BASE,
    });
    const endpoint = (id: string, eventTypes: string, active = true) => ({
      id,
      url: 'https://example.com/hook',
      description: null,
      eventTypes,
      active,
      disabledReason: null,
      secret: 'whsec_x',
      previousSecret: null,
      previousSecretUntil: null,
      createdAt: BASE,
    });
    const ids = async (reach: Reach, after = { tx: 0, pk: 0 }) =>
      (await store.reads.events.page(reach, { after, limit: 100 })).map((e) => e.id);

    it('appends in the transaction: a rolled-back one appends nothing, each tenant reads its own', async () => {
      await store.transaction(async (tx) => {
        await tx.events.append(T, event('e1', 'c1'));
        await tx.events.append(T, event('e2', 'c2'));
      });
      await expect(
        store.transaction(async (tx) => {
          await tx.events.append(T, event('lost', 'c1'));
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      await store.transaction((tx) => tx.events.append({ tenant: 'other-log' }, event('o1', 'c1')));
      expect(await ids(T)).toEqual(['e1', 'e2']);
      expect(await ids({ tenant: 'other-log' })).toEqual(['o1']);
      const [first] = await store.reads.events.page(T, { after: { tx: 0, pk: 0 }, limit: 1 });
      expect(await ids(T, first!.position)).toEqual(['e2']);
      expect(await store.reads.events.head(T)).toEqual((await store.reads.events.byIds(T, ['e2']))[0]!.position);
      expect(await store.reads.events.byIds({ tenant: 'other-log' }, ['e1'])).toEqual([]);
    });

    it('shows an own-scope reach the events of its company only, and no password resets', async () => {
      const R: Reach = { tenant: 'log-own' };
      const [me] = await insertCustomers(store, R, [newCustomer('me')]);
      const entity = await store.transaction((tx) =>
        tx.legalEntities.getOrCreate(R, { id: 'L100', registrationId: 'R100', name: null, createdAt: BASE }),
      );
      await store.transaction(async (tx) => {
        await tx.legalEntities.assign(R, { id: 'A1', customerPk: me!.pk, legalEntityPk: entity.pk, createdAt: BASE });
        await tx.events.append(R, event('mine', 'c1', ['L100']));
        await tx.events.append(R, event('theirs', 'c2', ['L1000']));
        await tx.events.append(R, { ...event('reset', 'c1', ['L100']), type: 'customer.password-reset' });
      });
      const own: Reach = { tenant: R.tenant, company: { customerNumber: 'me' } };
      expect(await ids(own)).toEqual(['mine']);
      expect(await ids({ tenant: R.tenant, company: { customerNumber: 'me', legalEntityId: 'L2' } })).toEqual([]);
      expect(await ids(R)).toEqual(['mine', 'theirs', 'reset']);
    });

    it('makes a delivery to each active endpoint that wants the type, and claims one customer in order', async () => {
      const W: Reach = { tenant: 'log-hooks' };
      await store.transaction(async (tx) => {
        await tx.webhooks.insertEndpoint(W, endpoint('all', ''));
        await tx.webhooks.insertEndpoint(W, endpoint('created-only', ',customer.created,'));
        await tx.webhooks.insertEndpoint(W, endpoint('off', '', false));
        await tx.events.append(W, event('d1', 'c1'));
        await tx.events.append(W, event('d2', 'c1'));
        await tx.events.append(W, event('d3', 'c2'));
      });
      const [all] = await store.reads.webhooks.endpointsByIds(W, ['all']);
      expect((await store.reads.webhooks.deliveries(W, all!.pk, { limit: 10 })).length).toBe(3);
      for (const id of ['created-only', 'off']) {
        const [other] = await store.reads.webhooks.endpointsByIds(W, [id]);
        expect(await store.reads.webhooks.deliveries(W, other!.pk, { limit: 10 })).toEqual([]);
      }
      // The first claim gets the head of each customer: d1 (c1) and d3 (c2), not d2, which waits for d1; none of an
      // endpoint the relay says is busy.
      const now = BASE + 1;
      expect(
        (await store.relay.claim(now, now + 1000, 10, [all!.pk])).filter((c) => c.delivery.tenant === W.tenant),
      ).toEqual([]);
      const first = (await store.relay.claim(now, now + 1000, 10)).filter((c) => c.delivery.tenant === W.tenant);
      expect(first.map((c) => c.event.id).sort()).toEqual(['d1', 'd3']);
      expect((await store.relay.claim(now, now + 1000, 10)).filter((c) => c.delivery.tenant === W.tenant)).toEqual([]);
      const d1 = first.find((c) => c.event.id === 'd1')!;
      await store.relay.record([{ pk: d1.delivery.pk, status: 'SUCCEEDED', attempts: [], nextAttemptAt: null }]);
      const next = (await store.relay.claim(now, now + 1000, 10)).filter((c) => c.delivery.tenant === W.tenant);
      expect(next.map((c) => c.event.id)).toEqual(['d2']);
      // A lease that ran out comes back (a crashed relay's claim).
      const later = now + 5000;
      const again = (await store.relay.claim(later, later + 1000, 10)).filter((c) => c.delivery.tenant === W.tenant);
      expect(again.map((c) => c.event.id).sort()).toEqual(['d2', 'd3']);
      await store.relay.release(again.map((c) => c.delivery.pk));
      expect((await store.relay.backlog()).waiting).toBeGreaterThanOrEqual(2);
    });

    it('pages skip nothing while 20 writers commit, each holding its transaction open after it appended', async () => {
      const G: Reach = { tenant: 'log-gaps' };
      const written: string[] = [];
      let writing = true;
      const writer = async (w: number) => {
        for (let i = 0; i < 10; i++) {
          const id = `w${w}-${i}`;
          await store.transaction(async (tx) => {
            await tx.events.append(G, event(id, `c${w}`));
            // An id taken now, a commit later: on PostgreSQL a later id may commit first.
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 15));
          });
          written.push(id);
        }
      };
      const seen: string[] = [];
      const reader = (async () => {
        let after = { tx: 0, pk: 0 };
        for (;;) {
          const done = !writing;
          const page = await store.reads.events.page(G, { after, limit: 7 });
          seen.push(...page.map((e) => e.id));
          if (page.length > 0) after = page.at(-1)!.position;
          else if (done) return;
          else await new Promise((resolve) => setTimeout(resolve, 2));
        }
      })();
      await Promise.all(Array.from({ length: 20 }, (_, w) => writer(w)));
      writing = false;
      await reader;
      expect(seen.length).toBe(200);
      expect(new Set(seen)).toEqual(new Set(written));
    });

    it('prunes old events whose deliveries are finished, never one still to deliver', async () => {
      const P: Reach = { tenant: 'log-prune' };
      await store.transaction(async (tx) => {
        await tx.webhooks.insertEndpoint(P, endpoint('p', ',customer.updated,'));
        await tx.events.append(P, { ...event('old', 'c1'), createdAt: BASE - 10 });
        await tx.events.append(P, { ...event('waiting', 'c2'), type: 'customer.updated', createdAt: BASE - 10 });
        await tx.events.append(P, { ...event('young', 'c3'), createdAt: BASE + 10 });
        // A second endpoint, paused after it got a delivery: what waits for it holds nothing back.
        const paused = await tx.webhooks.insertEndpoint(P, endpoint('paused', ',customer.created,'));
        await tx.events.append(P, { ...event('for-paused', 'c4'), type: 'customer.created', createdAt: BASE - 10 });
        await tx.webhooks.updateEndpoint(P, paused!.pk, { active: false });
      });
      let pruned = 0;
      while (true) {
        const n = await store.relay.prune(BASE, 1);
        pruned += n;
        if (n === 0) break;
      }
      expect(pruned).toBeGreaterThanOrEqual(1);
      expect(await ids(P)).toEqual(['waiting', 'young']);
    });
  });

  describe('the seed writer', () => {
    const T = 'seeded';
    const entity = { id: 'le-seed', registrationId: 'R-SEED', name: 'Seed GmbH', createdAt: BASE };
    const seed = (i: number, membership = i % 3 === 0): SeedCustomer => {
      const customer = newCustomer(`s-${i}`, {
        lastName: `Seeded "${i}" \\ Ünal`,
        mixins: i % 2 === 0 ? { z: i, a: ['x', 'y'], 'q"uote': '\\' } : null,
        createdAt: BASE + i,
        modifiedAt: BASE + i,
      });
      return {
        customer,
        addresses: [
          seedAddress(`sa-${i}-1`, { isDefault: true, tags: ['b', 'a', 'ä "q"'] }),
          seedAddress(`sa-${i}-2`, { createdAt: BASE + 1 }),
        ],
        accounts: [
          { id: `sacc-${i}`, email: `Seed${i}@Example.com`, providerId: i % 2 ? 'idp' : null, createdAt: BASE },
        ],
        membership: membership ? { entity, assignmentId: `sas-${i}`, createdAt: BASE + i } : undefined,
      };
    };

    it('writes whole customers in batches, exactly as given, and knows the keys it used', async () => {
      const writer = store.seedWriter();
      await writer.prepareForBulkLoad();
      const batch = Array.from({ length: 30 }, (_, i) => seed(i));
      const before = statements.statements;
      await writer.write(T, batch);
      // A handful of statements for the whole batch, not one per row.
      expect(statements.statements - before).toBeLessThan(12);
      await writer.write(
        T,
        Array.from({ length: 5 }, (_, i) => seed(100 + i, true)),
      );
      await writer.finishBulkLoad();

      const reach: Reach = { tenant: T };
      const customers = await store.reads.customers.byNumbers(
        reach,
        batch.map((s) => s.customer.customerNumber),
      );
      expect(customers).toHaveLength(30);
      for (const row of customers) {
        const given = batch.find((s) => s.customer.customerNumber === row.customerNumber)!.customer;
        expect(row).toEqual({ ...given, pk: row.pk, tenant: T });
        expect(JSON.stringify(row.mixins)).toBe(JSON.stringify(given.mixins));
      }
      const s0 = customers.find((row) => row.customerNumber === 's-0')!;
      const addresses = await store.reads.addresses.byCustomerPks(reach, [s0.pk]);
      expect(addresses.map((a) => [a.id, a.tags])).toEqual([
        ['sa-0-1', ['b', 'a', 'ä "q"']],
        ['sa-0-2', []],
      ]);
      expect((await store.reads.accounts.byCustomerPks(reach, [s0.pk]))[0]?.email).toBe('Seed0@Example.com');
      const members = await store.reads.customers.count(reach, { legalEntityId: 'le-seed' });
      expect(members).toBe(10 + 5);
      expect(await store.reads.legalEntities.byIds(reach, ['le-seed'])).toHaveLength(1);

      const taken = await writer.takenKeys(T);
      expect(taken.customerNumbers.size).toBe(35);
      expect(taken.emails.has('seed0@example.com')).toBe(true);
      expect(taken.addressIds.size).toBe(70);
      expect(taken.accountIds.has('sacc-104')).toBe(true);
      expect(taken.legalEntityIds).toEqual(new Set(['le-seed']));
      expect(taken.registrationIds).toEqual(new Set(['R-SEED']));
      expect(taken.assignmentIds.size).toBe(15);
    });

    it('stores NULL for a field that a seed row leaves out, whichever rows of a batch name it', async () => {
      const { middleName: _, title: __, ...bare } = newCustomer('s-300', { createdAt: BASE, modifiedAt: BASE });
      const named = newCustomer('s-301', { middleName: 'M.', createdAt: BASE, modifiedAt: BASE });
      await store.seedWriter().write(T, [
        { customer: bare, addresses: [], accounts: [] },
        { customer: named, addresses: [], accounts: [] },
      ]);
      const rows = await store.reads.customers.byNumbers({ tenant: T }, ['s-300', 's-301']);
      expect(rows.map((row) => [row.customerNumber, row.title, row.middleName])).toEqual([
        ['s-300', null, null],
        ['s-301', null, 'M.'],
      ]);
    });

    it('writes all of a batch or, on an error, none of it', async () => {
      const writer = store.seedWriter();
      const fresh = { id: 'le-fresh', registrationId: 'R-FRESH', name: 'Fresh', createdAt: BASE };
      const failing: SeedCustomer[] = [
        { ...seed(200), membership: { entity: fresh, assignmentId: 'sas-200', createdAt: BASE } },
        seed(0), // s-0 is taken
      ];
      await expect(writer.write(T, failing)).rejects.toThrow();
      const reach: Reach = { tenant: T };
      expect(await store.reads.customers.byNumbers(reach, ['s-200'])).toEqual([]);
      expect(await store.reads.legalEntities.byIds(reach, ['le-fresh'])).toEqual([]);
      // The entity of the failed batch was not remembered: the next batch inserts it.
      await writer.write(T, [
        { ...seed(201), membership: { entity: fresh, assignmentId: 'sas-201', createdAt: BASE } },
      ]);
      expect(await store.reads.customers.count(reach, { legalEntityId: 'le-fresh' })).toBe(1);
    });
  });
});
