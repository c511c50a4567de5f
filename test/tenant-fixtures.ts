/**
 * Seeding for the authorization and tenancy tests: companies (legal entities), customers in them, each with an
 * account and an address, written through the real domain and store of a test server (no HTTP, so cheap enough to
 * give every destructive test its own customers).
 */
import type { LegalEntity } from '../src/domain/store.js';
import type { Service } from '../src/server.js';

export interface SeededCustomer {
  tenant: string;
  number: string;
  firstName: string;
  email: string;
  /** Ids of the legal entities it belongs to. */
  entityIds: string[];
  addressId: string;
}

export interface CustomerSeed {
  /** Customer number; generated when absent. */
  number?: string;
  firstName?: string;
  entities?: readonly LegalEntity[];
}

let sequence = 0;
/**
 * Unique within a test process, and unlike anything the service generates. Zero-padded so that ids sort in
 * creation order: lists break ties of createdAt by id.
 */
const next = () => `${process.pid}x${String(++sequence).padStart(6, '0')}`;

export function fixtures(service: Service) {
  const { domain, store } = service;
  const reads = store.reads;

  return {
    company(tenant: string, name = `Company ${next()}`): Promise<LegalEntity> {
      const n = next();
      return store.transaction((tx) =>
        tx.legalEntities.getOrCreate(
          { tenant },
          { id: `LE-${n}`, registrationId: `REG-${n}`, name, createdAt: Date.now() },
        ),
      );
    },

    async customer(tenant: string, seed: CustomerSeed = {}): Promise<SeededCustomer> {
      const reach = { tenant };
      const n = next();
      const firstName = seed.firstName ?? `First${n}`;
      const email = `c${n}@example.com`;
      const { row, address } = await store.transaction(async (tx) => {
        const row = await domain.customers.create(
          tx,
          reach,
          { id: seed.number ?? `C-${n}`, firstName, lastName: `Last${n}`, contactEmail: email },
          { sendPasswordResetNotifications: false },
        );
        for (const entity of seed.entities ?? []) {
          await tx.legalEntities.assign(reach, {
            id: `AS-${next()}`,
            customerPk: row.pk,
            legalEntityPk: entity.pk,
            createdAt: Date.now(),
          });
        }
        const address = await domain.addresses.add(tx, reach, row.customerNumber, {
          contactName: `Contact ${n}`,
          country: 'DE',
          city: 'Berlin',
          tags: ['BILLING'],
        });
        return { row, address };
      });
      return {
        tenant,
        number: row.customerNumber,
        firstName,
        email,
        entityIds: (seed.entities ?? []).map((e) => e.id),
        addressId: address.id,
      };
    },

    /** Everything stored about a customer (row, addresses, accounts, memberships), or "gone". */
    async fingerprint(tenant: string, customerNumber: string): Promise<string> {
      const reach = { tenant };
      const row = (await reads.customers.byNumbers(reach, [customerNumber]))[0];
      if (!row) return 'gone';
      return JSON.stringify({
        row,
        addresses: await reads.addresses.byCustomerPks(reach, [row.pk]),
        accounts: await reads.accounts.byCustomerPks(reach, [row.pk]),
        memberships: await reads.legalEntities.membershipsByCustomerPks(reach, [row.pk]),
      });
    },

    /** How many customers the tenant has. */
    count(tenant: string): Promise<number> {
      return reads.customers.count({ tenant }, {});
    },

    /** The ids of the legal entities a customer belongs to, sorted; undefined when it does not exist. */
    async entityIdsOf(tenant: string, customerNumber: string): Promise<string[] | undefined> {
      const reach = { tenant };
      const row = (await reads.customers.byNumbers(reach, [customerNumber]))[0];
      if (!row) return undefined;
      return (await reads.legalEntities.membershipsByCustomerPks(reach, [row.pk])).map((m) => m.legalEntity.id).sort();
    },

    /** Deletes a customer as deleteCustomer would, outside any request. */
    deleteCustomer(tenant: string, customerNumber: string): Promise<unknown> {
      return store.transaction((tx) => domain.customers.delete(tx, { tenant }, customerNumber));
    },
  };
}

export type Fixtures = ReturnType<typeof fixtures>;
