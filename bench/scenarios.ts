/**
 * The benchmark's scenarios: their GraphQL documents and the request bodies autocannon sends. Q1 and Q2 are also
 * answered by the baseline (baseline.ts), which mirrors their selections field by field.
 */
import type { Request } from 'autocannon';

export type ScenarioId = 'F0' | 'Q1' | 'Q2' | 'Q3' | 'Q4' | 'Q5' | 'Q6' | 'M1' | 'M2' | 'N1' | 'E1' | 'E2' | 'E3';

export const SCENARIO_TITLES: Record<ScenarioId, string> = {
  F0: '`{ __typename }` with a token: the framework floor',
  Q1: 'one customer by number, with addresses, accounts and legal entities',
  Q2: 'customers(first: 50) with addresses and accounts',
  Q3: 'customers, search filter, orderBy LAST_NAME, first 20',
  Q4: 'customers(first: 50) after a cursor 90% into the list',
  Q5: 'as Q3, search ".com", in a tenant of 100 customers beside the large one',
  Q6: 'as Q3, last names, in a tenant of 100 customers beside the large one',
  M1: 'patchCustomer',
  M2: 'createCustomer, then addCustomerAddress (2 requests)',
  N1: "noisy neighbour: the small tenant's REST read by key, alone and beside the large tenant's expensive lists",
  E1: 'M1 with one webhook endpoint (and one SSE subscriber) vs M1 without',
  E2: "latency from an event's commit to the webhook receiver and to an SSE subscriber, at M1's load",
  E3: 'webhook delivery throughput to one endpoint that answers at once',
};

/** The framework's floor: the same server, plugins and token check as every other request, and no field to resolve. */
export const F0 = 'query F0 { __typename }';

export const Q1 = `query Q1($customerNumber: String!) {
  customer(customerNumber: $customerNumber) {
    id customerNumber title firstName middleName lastName contactEmail contactPhone company
    preferredLanguage preferredCurrency preferredSite active onHold businessModel mixins
    metadata { version createdAt modifiedAt }
    b2b { companyRegistrationId legalEntities { id name contactAssignmentId } }
    addresses { id contactName companyName street streetNumber zipCode city state country contactPhone tags isDefault }
    accounts { id email providerId createdAt }
  }
}`;

/** Q2, and Q4 with `after`. */
export const Q2 = `query Q2($first: Int!, $after: String) {
  customers(first: $first, after: $after) {
    edges {
      cursor
      node {
        customerNumber firstName lastName contactEmail company active
        metadata { version modifiedAt }
        addresses { id contactName street zipCode city country isDefault tags }
        accounts { id email }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const Q3 = `query Q3($search: String!) {
  customers(first: 20, filter: { search: $search }, orderBy: [{ field: LAST_NAME }]) {
    edges { node { customerNumber firstName lastName company contactEmail } }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const M1 = `mutation M1($customerNumber: String!, $input: CustomerPatchInput!) {
  patchCustomer(customerNumber: $customerNumber, input: $input) {
    customerNumber contactPhone onHold metadata { version modifiedAt }
  }
}`;

export const M2_CREATE = `mutation M2Create($input: CustomerCreateInput!) {
  createCustomer(input: $input) { customerNumber metadata { version } }
}`;

export const M2_ADDRESS = `mutation M2Address($customerNumber: String!, $input: AddressInput!) {
  addCustomerAddress(customerNumber: $customerNumber, input: $input) { id isDefault }
}`;

export const body = (query: string, operationName: string, variables: Record<string, unknown>) =>
  JSON.stringify({ query, operationName, variables });

/** Requests that cycle through prepared bodies, one per request. */
export function cycling(bodies: readonly string[]): Request[] {
  let next = 0;
  return [
    {
      method: 'POST',
      path: '/graphql',
      setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] }),
    },
  ];
}

/** What the scenarios need from the seeded data, chosen by the benchmark. */
export interface Workload {
  /** Customer numbers spread over the whole list. */
  customerNumbers: string[];
  /** Search terms for Q3. */
  searches: string[];
  /** Search terms for Q6: last names of the small tenant (Q5 and Q6 run with that tenant's token). */
  smallSearches: string[];
  /** The cursor of the row just before the page that starts 90% of the way through the list. */
  cursorAt90: string;
  /** Makes the run's emails unique across runs on the same database. */
  runId: string;
}

/** N1's noise: a page of this size, this many pages in (offset 9,800), where the size allows. */
export const NOISY_PAGE_SIZE = 200;
export const NOISY_PAGE_NUMBER = 50;

/** N1's quiet request: one customer by number over REST. */
export const quietPath = (tenant: string, customerNumber: string) =>
  `/customer/${tenant}/customers/${encodeURIComponent(customerNumber)}`;

/** N1's noisy request: a deep page of a list with an unindexed condition that matches nothing. */
export const noisyPath = (tenant: string, pageNumber: number) =>
  `/customer/${tenant}/customers?pageSize=${NOISY_PAGE_SIZE}&pageNumber=${pageNumber}` +
  '&sort=lastName:desc&q=preferredSite:~zz';

export const f0Body = () => body(F0, 'F0', {});
export const q1Body = (customerNumber: string) => body(Q1, 'Q1', { customerNumber });
export const q2Body = (first: number, after?: string) => body(Q2, 'Q2', after ? { first, after } : { first });

/** The autocannon requests of a scenario. */
export function requestsFor(id: ScenarioId, work: Workload): Request[] {
  switch (id) {
    case 'F0':
      return cycling([f0Body()]);
    case 'Q1':
      return cycling(work.customerNumbers.map(q1Body));
    case 'Q2':
      return cycling([q2Body(50)]);
    case 'Q3':
      return cycling(work.searches.map((search) => body(Q3, 'Q3', { search })));
    case 'Q4':
      return cycling([q2Body(50, work.cursorAt90)]);
    case 'Q5':
      return cycling([body(Q3, 'Q3', { search: '.com' })]);
    case 'Q6':
      return cycling(work.smallSearches.map((search) => body(Q3, 'Q3', { search })));
    case 'M1': {
      // A new phone number every time, so that every patch changes the customer (and raises its version).
      let n = 0;
      return [
        {
          method: 'POST',
          path: '/graphql',
          setupRequest: (request) => {
            n += 1;
            const customerNumber = work.customerNumbers[n % work.customerNumbers.length]!;
            const input = { contactPhone: `+49 30 ${String(n).padStart(8, '0')}`, onHold: false };
            return { ...request, body: body(M1, 'M1', { customerNumber, input }) };
          },
        },
      ];
    }
    case 'N1':
      throw new Error('N1 drives two tenants at once (noisy.ts), not one list of requests');
    case 'E1':
    case 'E2':
    case 'E3':
      throw new Error(`${id} drives M1 and a webhook receiver (events.ts), not one list of requests`);
    case 'M2': {
      let n = 0;
      return [
        {
          method: 'POST',
          path: '/graphql',
          setupRequest: (request) => {
            n += 1;
            const input = {
              firstName: 'Bench',
              lastName: `Load${n}`,
              contactEmail: `bench.${work.runId}.${n}@example.com`,
              preferredLanguage: 'de_DE',
              preferredCurrency: 'EUR',
            };
            return { ...request, body: body(M2_CREATE, 'M2Create', { input }) };
          },
          // autocannon keeps a context per connection: the second request reads the number the first one made.
          onResponse: (_status, responseBody, context) => {
            const parsed = JSON.parse(responseBody) as { data?: { createCustomer?: { customerNumber?: string } } };
            (context as { customerNumber?: string }).customerNumber = parsed.data?.createCustomer?.customerNumber;
          },
        },
        {
          method: 'POST',
          path: '/graphql',
          setupRequest: (request, context) => {
            const input = {
              contactName: 'Bench Load',
              street: 'Hauptstraße',
              streetNumber: '1',
              zipCode: '10115',
              city: 'Berlin',
              country: 'DE',
              tags: ['billing', 'shipping'],
            };
            const { customerNumber } = context as { customerNumber?: string };
            return { ...request, body: body(M2_ADDRESS, 'M2Address', { customerNumber, input }) };
          },
        },
      ];
    }
  }
}

/**
 * Q1 and Q2 for the peer (PostGraphile v5, amber preset, over the same PostgreSQL tables): the same rows, in
 * PostGraphile's own schema (its introspection of our tables). The tenant is a condition, as PostGraphile knows no
 * tenant of ours; our unique index on (tenant, customer_number) is not a constraint, so there is no
 * customerByTenantAndCustomerNumber and Q1 is a condition on allCustomers. Addresses cannot be ordered by
 * is_default (PostGraphile offers orders only on indexed columns), so they come in created_at, pk order; the
 * benchmark checks that the rows are the same, not their order within a customer.
 */
export const PEER_Q1 = `query Q1($tenant: String!, $customerNumber: String!) {
  allCustomers(condition: { tenant: $tenant, customerNumber: $customerNumber }) {
    nodes {
      customerNumber title firstName middleName lastName contactEmail contactPhone company
      preferredLanguage preferredCurrency preferredSite active onHold companyRegistrationId mixins
      version createdAt modifiedAt
      customerLegalEntitiesByCustomerPk(orderBy: [PK_ASC]) { nodes { rowId legalEntityByLegalEntityPk { rowId name } } }
      addressesByCustomerPk(orderBy: [CREATED_AT_ASC, PK_ASC]) {
        nodes { rowId contactName companyName street streetNumber zipCode city state country contactPhone tags isDefault }
      }
      accountsByCustomerPk(orderBy: [CREATED_AT_ASC, PK_ASC]) { nodes { rowId email providerId createdAt } }
    }
  }
}`;

export const PEER_Q2 = `query Q2($tenant: String!, $first: Int!) {
  allCustomers(condition: { tenant: $tenant }, first: $first, orderBy: [CREATED_AT_ASC, CUSTOMER_NUMBER_ASC]) {
    edges {
      cursor
      node {
        customerNumber firstName lastName contactEmail company active version modifiedAt
        addressesByCustomerPk(orderBy: [CREATED_AT_ASC, PK_ASC]) {
          nodes { rowId contactName street zipCode city country isDefault tags }
        }
        accountsByCustomerPk(orderBy: [CREATED_AT_ASC, PK_ASC]) { nodes { rowId email } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}`;

export const peerQ1Body = (tenant: string, customerNumber: string) => body(PEER_Q1, 'Q1', { tenant, customerNumber });
export const peerQ2Body = (tenant: string, first: number) => body(PEER_Q2, 'Q2', { tenant, first });

/** The peer's autocannon requests of a scenario it serves (Q1 and Q2). */
export function peerRequestsFor(id: ScenarioId, tenant: string, work: Workload): Request[] {
  if (id === 'Q1') return cycling(work.customerNumbers.map((n) => peerQ1Body(tenant, n)));
  if (id === 'Q2') return cycling([peerQ2Body(tenant, 50)]);
  throw new Error(`the peer serves only Q1 and Q2, not ${id}`);
}
