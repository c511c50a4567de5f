/**
 * Seeding for the authorization and tenancy tests: companies (legal entities), customers in them, each with an
 * account and an address, written through the real domain and store of a test server (no HTTP, so cheap enough to
 * give every destructive test its own customers).
 */
import type { LegalEntityRow } from '../src/store/schema.js';
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
  entities?: readonly LegalEntityRow[];
}

let sequence = 0;
/**
 * Unique within a test process, and unlike anything the service generates. Zero-padded so that ids sort in
 * creation order: lists break ties of createdAt by id.
 */
const next = () => `${process.pid}x${String(++sequence).padStart(6, '0')}`;

export function fixtures(service: Service) {
  const { domain, repos } = service;

  return {
    company(tenant: string, name = `Company ${next()}`): LegalEntityRow {
      const n = next();
      return repos.legalEntities.insert(
        { tenant },
        { id: `LE-${n}`, registrationId: `REG-${n}`, name, createdAt: Date.now() },
      );
    },

    customer(tenant: string, seed: CustomerSeed = {}): SeededCustomer {
      const reach = { tenant };
      const n = next();
      const firstName = seed.firstName ?? `First${n}`;
      const email = `c${n}@example.com`;
      const row = domain.customers.create(
        reach,
        { id: seed.number ?? `C-${n}`, firstName, lastName: `Last${n}`, contactEmail: email },
        { sendPasswordResetNotifications: false },
      );
      for (const entity of seed.entities ?? []) {
        repos.legalEntities.assign(reach, {
          id: `AS-${next()}`,
          customerPk: row.pk,
          legalEntityPk: entity.pk,
          createdAt: Date.now(),
        });
      }
      const address = domain.addresses.add(reach, row.customerNumber, {
        contactName: `Contact ${n}`,
        country: 'DE',
        city: 'Berlin',
        tags: ['BILLING'],
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
    fingerprint(tenant: string, customerNumber: string): string {
      const reach = { tenant };
      const row = repos.customers.byNumbers(reach, [customerNumber])[0];
      if (!row) return 'gone';
      return JSON.stringify({
        row,
        addresses: repos.addresses.byCustomerPks(reach, [row.pk]),
        accounts: repos.accounts.byCustomerPks(reach, [row.pk]),
        memberships: repos.legalEntities.membershipsByCustomerPks(reach, [row.pk]),
      });
    },

    /** How many customers the tenant has. */
    count(tenant: string): number {
      return repos.customers.count({ tenant }, {});
    },

    /** The ids of the legal entities a customer belongs to, sorted; undefined when it does not exist. */
    entityIdsOf(tenant: string, customerNumber: string): string[] | undefined {
      const reach = { tenant };
      const row = repos.customers.byNumbers(reach, [customerNumber])[0];
      if (!row) return undefined;
      return repos.legalEntities
        .membershipsByCustomerPks(reach, [row.pk])
        .map((m) => m.legalEntity.id)
        .sort();
    },
  };
}

export type Fixtures = ReturnType<typeof fixtures>;
