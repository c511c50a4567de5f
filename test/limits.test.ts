/**
 * The request-level safety of the GraphQL edge, over HTTP: document limits (size, tokens, depth, cost, aliases,
 * directives), the request body limit, CSRF prevention, suggestions and introspection by mode, and trusted
 * documents (persisted operations). Normal traffic (a frontend's customers page, the tutorial's mutations, a
 * gateway's `_entities` batch) passes with the defaults.
 */
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config.js';
import { loadTrustedDocuments } from '../src/graphql/limits.js';
import { codes, MODE, PRODUCTION, startTestServer, type GraphQLResponse, type TestServer } from './helpers.js';

const CUSTOMER_ROW = /* GraphQL */ `
  fragment CustomerRow on Customer {
    id customerNumber title firstName middleName lastName contactEmail contactPhone company
    preferredLanguage preferredCurrency preferredSite active onHold businessModel mixins
    metadata { version createdAt modifiedAt }
  }
`;

const CUSTOMERS_PAGE = /* GraphQL */ `
  query CustomersPage($after: String, $search: String) {
    customers(first: 60, after: $after, filter: { search: $search }, orderBy: [{ field: LAST_NAME, direction: ASC }]) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        cursor
        node {
          ...CustomerRow
          addresses { ...AddressFields }
          defaultAddress { id city }
          accounts { id email providerId createdAt }
          b2b { companyRegistrationId legalEntities { id name contactAssignmentId } }
        }
      }
    }
  }
  ${CUSTOMER_ROW}
  fragment AddressFields on Address {
    id contactName companyName street streetNumber streetAppendix extraLine1 zipCode city country state
    contactPhone tags isDefault
  }
`;

/** The tutorial's session (the seed tutorial of the Customer Service), as one frontend would send it. */
const TUTORIAL = {
  create: `mutation {
    createCustomer(sendPasswordResetNotifications: true, input: {
      contactEmail: "john.doe@example.com", title: "MR", firstName: "John", lastName: "Doe", contactPhone: "123456789",
      company: "Emporix", preferredLanguage: "en_US", preferredCurrency: "EUR", preferredSite: "main",
      b2b: { companyRegistrationId: "123-456-789" }
    }) { id }
  }`,
  upsert: `mutation($n: String!) {
    upsertCustomer(customerNumber: $n, input: {
      contactEmail: "john.doe@emporix.com", firstName: "John", lastName: "Doe", preferredLanguage: "de_DE"
    }) { created customer { id } }
  }`,
  addAddress: `mutation($n: String!) {
    addCustomerAddress(customerNumber: $n, input: {
      contactName: "John Doe", companyName: "Emporix", street: "Platz der Republik", streetNumber: "1",
      zipCode: "11011", city: "Berlin", country: "DE", state: "Berlin", contactPhone: "123456789",
      tags: ["BILLING", "SHIPPING"], isDefault: true
    }) { id }
  }`,
  tag: `mutation($n: String!, $a: ID!) { addCustomerAddressTags(customerNumber: $n, addressId: $a, tags: ["PRIMARY_CONTACT"]) { tags } }`,
  activate: `mutation($n: String!) { patchCustomer(customerNumber: $n, input: { active: true, onHold: false }) { active } }`,
};

/** The shape of query a gateway sends to resolve references: the keys travel as a variable. */
const GATEWAY_ENTITIES = `query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on Customer { id firstName lastName addresses { id city country } accounts { id email } b2b { legalEntities { id name } } }
  }
}`;

const MODERN = 'application/graphql-response+json, application/json';

/** A raw POST of a GraphQL-over-HTTP body, for requests the `gql` helper does not make. */
async function post(server: TestServer, body: unknown, headers: Record<string, string> = {}): Promise<GraphQLResponse> {
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: MODERN,
      authorization: `Bearer ${await server.token()}`,
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, ...((await response.json()) as object) };
}

function expectRefused(response: GraphQLResponse, message: RegExp, code = 'GRAPHQL_VALIDATION_FAILED'): void {
  expect(response.status).toBe(400);
  expect(response.data ?? null).toBeNull();
  expect(codes(response)).toContain(code);
  expect(response.errors!.map((e) => e.message).join('\n')).toMatch(message);
}

const repeat = (count: number, text: (i: number) => string, separator = ' ') =>
  Array.from({ length: count }, (_, i) => text(i)).join(separator);

/** customer -> addresses -> customer ...: each round adds two levels. */
function nested(rounds: number): string {
  let selection = 'id';
  for (let i = 0; i < rounds; i++) selection = `addresses { customer { ${selection} } }`;
  return `query($n: String!) { customer(customerNumber: $n) { ${selection} } }`;
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

describe(`normal traffic passes with the default limits (in ${MODE} mode)`, () => {
  let customerNumber: string;

  it("runs the tutorial's mutations", async () => {
    const created = await server.gql(TUTORIAL.create);
    expect(created.errors).toBeUndefined();
    customerNumber = created.data!.createCustomer.id;
    const n = customerNumber;
    expect((await server.gql(TUTORIAL.upsert, { n })).data).toEqual({
      upsertCustomer: { created: false, customer: { id: n } },
    });
    const address = await server.gql(TUTORIAL.addAddress, { n });
    expect(address.errors).toBeUndefined();
    const tagged = await server.gql(TUTORIAL.tag, { n, a: address.data!.addCustomerAddress.id });
    expect(tagged.data!.addCustomerAddressTags.tags).toEqual(['BILLING', 'SHIPPING', 'PRIMARY_CONTACT']);
    expect((await server.gql(TUTORIAL.activate, { n })).data).toEqual({ patchCustomer: { active: true } });
    const account = await server.gql(
      `mutation { assignCustomerAccount(customerNumber: "${n}", email: "john@example.org") { email } }`,
    );
    expect(account.data).toEqual({ assignCustomerAccount: { email: 'john@example.org' } });
  });

  it("answers a frontend's customers page with nested addresses, accounts and b2b", async () => {
    const page = await server.gql(CUSTOMERS_PAGE, { search: 'Doe' });
    expect(page.errors).toBeUndefined();
    expect(page.status).toBe(200);
    const [edge] = page.data!.customers.edges;
    expect(edge.node).toMatchObject({
      customerNumber,
      active: true,
      addresses: [{ city: 'Berlin', tags: ['BILLING', 'SHIPPING', 'PRIMARY_CONTACT'] }],
      b2b: { companyRegistrationId: '123-456-789', legalEntities: [{ name: 'Emporix' }] },
    });
    expect(edge.node.accounts.map((account: { email: string }) => account.email)).toContain('john@example.org');
  });

  it("answers a gateway's _entities call with 100 representations", async () => {
    const representations = [
      { __typename: 'Customer', id: customerNumber },
      ...Array.from({ length: 99 }, (_, i) => ({ __typename: 'Customer', id: `missing-${i}` })),
    ];
    const response = await server.gql(GATEWAY_ENTITIES, { representations });
    expect(response.errors).toBeUndefined();
    expect(response.data!._entities).toHaveLength(100);
    expect(response.data!._entities[0]).toMatchObject({ __typename: 'Customer', id: customerNumber, lastName: 'Doe' });
    expect(response.data!._entities.slice(1).every((entity: unknown) => entity === null)).toBe(true);
  });

  it('serves _service { sdl } with introspection off', async () => {
    const response = await server.gql('{ _service { sdl } }');
    expect(response.data!._service.sdl).toContain('type Customer');
  });
});

describe('document limits refuse abusive documents with the defaults', () => {
  // Five pages of 200 customers with every field: each within the cost limit (5,400), together over it.
  const pages = repeat(5, (i) => `p${i}: customers(first: 200) { edges { node { ...CustomerRow } } }`);
  const abusive: [limit: string, document: string, message: RegExp][] = [
    ['depth (10)', nested(5), /^Query depth limit of 10 exceeded, found 12\.$/],
    ['cost (20000)', `{ ${pages} } ${CUSTOMER_ROW}`, /^Query Cost limit of 20000 exceeded, found 27000\.$/],
    ['aliases (30)', `{ me { ${repeat(31, (i) => `a${i}: id`)} } }`, /^Aliases limit of 30 exceeded, found 31\.$/],
    ['tokens (2000)', `{ ${repeat(2001, () => '__typename')} }`, /^Token limit of 2000 exceeded\.$/],
    [
      'directives (20)',
      `{ ${repeat(21, (i) => `t${i}: __typename @include(if: true)`)} }`,
      /^Directives limit of 20 exceeded, found 21\.$/,
    ],
    [
      'document size (50000 bytes)',
      `${'#'.repeat(50_000)}\n{ __typename }`,
      /^Document size limit of 50000 bytes exceeded\.$/,
    ],
  ];

  it.each(abusive)('%s', async (_limit, document, message) => {
    expectRefused(await server.gql(document, { n: 'x' }), message);
  });

  // 30 aliases of a page of 200 customers with four fields each: 60,000 by the cost model, when a variable `first` counted as 1.
  const variablePages = `query($n: Int) { ${repeat(30, (i) => `p${i}: customers(first: $n) { edges { node { id firstName lastName contactEmail } } }`)} }`;

  it('charges a page size given as a variable at its value, as the same literal would be', async () => {
    expectRefused(await server.gql(variablePages, { n: 200 }), /^Query Cost limit of 20000 exceeded, found 60000\.$/);
    expectRefused(await server.gql(variablePages.replace('($n: Int)', '').replaceAll('$n', '200')), /found 60000\.$/);
    const small = await server.gql(variablePages, { n: 10 });
    expect(small.errors).toBeUndefined();
    expect(Object.keys(small.data!)).toHaveLength(30);
  });

  it('charges each operation of a document, and each value of its page size, on its own however often it comes', async () => {
    const both = `${variablePages.replace('query(', 'query Pages(')} query Floor { __typename }`;
    for (let round = 0; round < 3; round++) {
      expectRefused(await server.gql(both, { n: 200 }, { operationName: 'Pages' }), /found 60000\.$/);
      expect((await server.gql(both, { n: 200 }, { operationName: 'Floor' })).errors).toBeUndefined();
      expect((await server.gql(both, { n: 10 }, { operationName: 'Pages' })).errors).toBeUndefined();
      expectRefused(await server.gql(both, { n: 150 }, { operationName: 'Pages' }), /found 45000\.$/);
    }
  });

  it("charges a page size variable left out at its default (an absent first at the argument's default: see GRAPHQL_MAX_COST below)", async () => {
    const withDefault = variablePages.replace('($n: Int)', '($n: Int = 200)');
    expectRefused(await server.gql(withDefault, {}), /found 60000\.$/);
    // A null first gets the default page of 60, and costs it: 30 × 60 × 10.
    const tight = await startTestServer({ GRAPHQL_MAX_COST: '17999' });
    try {
      expectRefused(await tight.gql(variablePages, { n: null }), /found 18000\.$/);
      expectRefused(await tight.gql(variablePages.replace('($n: Int)', '').replaceAll('$n', 'null')), /found 18000\.$/);
      expect((await tight.gql(variablePages, { n: 59 })).errors).toBeUndefined();
    } finally {
      await tight.close();
    }
  });

  it('refuses a subscription of what Subscription does not have, and one not asked for as a stream', async () => {
    expectRefused(
      await server.gql('subscription Watch { customers { totalCount } }'),
      /^Cannot query field "customers"/,
    );
    expectRefused(await server.gql('subscription { __typename }'), /must not select an introspection top level field/);
    expectRefused(
      await server.gql('subscription { customerEvents { id } }'),
      /^Subscriptions are served as a stream of server-sent events: send the request with Accept: text\/event-stream\.$/,
      'BAD_REQUEST',
    );
  });

  it('answers 200 with the same error to a client that accepts only application/json (GraphQL over HTTP)', async () => {
    const legacy = await server.gql(nested(5), { n: 'x' }, { headers: { accept: 'application/json' } });
    expect(legacy.status).toBe(200);
    expect(codes(legacy)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
  });

  it('the depth just inside the limit passes', async () => {
    const response = await server.gql(nested(4), { n: 'nobody' });
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ customer: null });
  });
});

describe('each limit follows its variable', () => {
  let tight: TestServer;
  beforeAll(async () => {
    tight = await startTestServer({
      GRAPHQL_MAX_DEPTH: '3',
      GRAPHQL_MAX_COST: '30',
      GRAPHQL_MAX_ALIASES: '2',
      GRAPHQL_MAX_TOKENS: '60',
      GRAPHQL_MAX_DIRECTIVES: '2',
      GRAPHQL_MAX_DOCUMENT_BYTES: '2000',
      GRAPHQL_MAX_BODY_BYTES: '3000',
    });
  });
  afterAll(() => tight.close());

  // Each document exceeds only its own tightened limit, and passes the defaults.
  const rows: [variable: string, document: string, message: RegExp][] = [
    ['GRAPHQL_MAX_DEPTH=3', '{ customers { edges { node { id } } } }', /Query depth limit of 3 exceeded, found 4/],
    ['GRAPHQL_MAX_COST=30', '{ customers(first: 20) { totalCount } }', /Query Cost limit of 30 exceeded, found 60/],
    [
      'GRAPHQL_MAX_COST=30 (no first: the default page of 60)',
      '{ customers { totalCount } }',
      /Query Cost limit of 30 exceeded, found 180/,
    ],
    ['GRAPHQL_MAX_ALIASES=2', '{ me { a: id b: id c: id } }', /Aliases limit of 2 exceeded, found 3/],
    ['GRAPHQL_MAX_TOKENS=60', `{ ${repeat(61, () => '__typename')} }`, /Token limit of 60 exceeded/],
    [
      'GRAPHQL_MAX_DIRECTIVES=2',
      '{ a: __typename @skip(if: false) b: __typename @skip(if: false) c: __typename @include(if: true) }',
      /Directives limit of 2 exceeded, found 3/,
    ],
    [
      'GRAPHQL_MAX_DOCUMENT_BYTES=2000',
      `# ${'padding '.repeat(250)}\n{ __typename }`,
      /Document size limit of 2000 bytes exceeded/,
    ],
  ];

  it.each(rows)('%s', async (_variable, document, message) => {
    expectRefused(await tight.gql(document), message);
    const atDefaults = await server.gql(document);
    expect(atDefaults.errors).toBeUndefined();
  });

  it('GRAPHQL_MAX_BODY_BYTES=3000', async () => {
    const variables = { search: 'x'.repeat(3000) };
    const refused = await post(tight, { query: '{ __typename }', variables });
    expect(refused.status).toBe(413);
    expect((await post(server, { query: '{ __typename }', variables })).data).toEqual({ __typename: 'Query' });
  });
});

describe('request body limit (GRAPHQL_MAX_BODY_BYTES, 100000 by default)', () => {
  /** A valid request padded by a variable to about `bytes` bytes. */
  const padded = (bytes: number) =>
    JSON.stringify({ query: '{ __typename }', variables: { padding: 'x'.repeat(bytes - 60) } });

  function expectTooLarge(status: number, body: string): void {
    expect(status).toBe(413);
    expect(JSON.parse(body)).toEqual({
      errors: [
        {
          message: 'Request body too large: the limit is 100000 bytes.',
          extensions: { code: 'REQUEST_ENTITY_TOO_LARGE' },
        },
      ],
    });
  }

  /** Posts `chunks` with Transfer-Encoding: chunked (no Content-Length), as a stream would. */
  function postChunked(chunks: string[]): Promise<{ status: number; body: string; contentLength: unknown }> {
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        `${server.url}/graphql`,
        { method: 'POST', headers: { 'content-type': 'application/json', accept: MODERN } },
        (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode!, body, contentLength: req.getHeader('content-length') }),
          );
        },
      );
      req.on('error', reject);
      for (const chunk of chunks) req.write(chunk);
      req.end();
    });
  }

  it('refuses a body whose Content-Length is over the limit, before reading it', async () => {
    const body = padded(150_000);
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expectTooLarge(response.status, await response.text());
  });

  it('refuses a chunked body (no Content-Length) once it grows past the limit', async () => {
    const body = padded(150_000);
    const response = await postChunked([body.slice(0, 50_000), body.slice(50_000, 100_000), body.slice(100_000)]);
    expect(response.contentLength).toBeUndefined();
    expectTooLarge(response.status, response.body);
  });

  it('passes bodies within the limit, with and without Content-Length', async () => {
    const body = padded(99_000);
    const withLength = await post(server, body);
    expect(withLength.data).toEqual({ __typename: 'Query' });
    const chunked = await postChunked([body.slice(0, 40_000), body.slice(40_000)]);
    expect(chunked.status).toBe(200);
    expect(JSON.parse(chunked.body)).toEqual({ data: { __typename: 'Query' } });
  });

  it('keeps serving after a refused body', async () => {
    await postChunked([padded(300_000)]);
    expect((await server.gql('{ __typename }')).data).toEqual({ __typename: 'Query' });
  });
});

describe('request bodies that are not UTF-8', () => {
  it('are refused with 400 BAD_REQUEST, not read with U+FFFD in place of their bytes', async () => {
    const customerNumber = `utf8-${process.pid}`;
    const query = `mutation { createCustomer(input: { id: "${customerNumber}", firstName: "a\uFFFDb" }) { customerNumber } }`;
    // The bytes of the JSON with the replacement character swapped for 0xFF, which UTF-8 never has.
    const bytes = Buffer.from(JSON.stringify({ query }), 'utf8');
    const at = bytes.indexOf(Buffer.from('\uFFFD', 'utf8'));
    const body = Buffer.concat([bytes.subarray(0, at), Buffer.from([0xff]), bytes.subarray(at + 3)]);
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await server.token()}` },
      body,
    });
    expect({ status: response.status, body: await response.json() }).toEqual({
      status: 400,
      body: {
        errors: [
          {
            message: 'The request body is not valid UTF-8, the only encoding JSON has.',
            extensions: { code: 'BAD_REQUEST' },
          },
        ],
      },
    });
    const read = await server.gql(`{ customer(customerNumber: "${customerNumber}") { customerNumber } }`);
    expect(read.data).toEqual({ customer: null });
  });
});

describe('request bodies: the server reads them before Yoga, and Yoga answers them as it would itself', () => {
  const ODD_BODIES: [contentType: string, body: string][] = [
    ['application/json', '{"query":"{ __typename }"}'],
    ['application/json; charset=utf-8', '{"query":"{ __typename }","variables":null,"operationName":null}'],
    ['application/graphql+json', '{"query":"{ __typename }"}'],
    ['application/json', '{"query":"{ __typename "}'],
    ['application/json', '{"query":'],
    ['application/json', ''],
    ['application/json', '{}'],
    ['application/json', '[]'],
    ['application/json', '[{"query":"{ __typename }"}]'],
    ['application/json', 'null'],
    ['application/json', '"{ __typename }"'],
    ['application/json', '42'],
    ['application/json', '{"query":42}'],
    ['application/json', '{"variables":{}}'],
    ['Application/JSON', '{"query":"{ __typename }"}'],
    ['application/x-www-form-urlencoded', 'query=%7B__typename%7D'],
    ['application/graphql', '{ __typename }'],
    ['text/plain', '{"query":"{ __typename }"}'],
  ];

  it.each(ODD_BODIES)('%s %s', async (contentType, body) => {
    const headers = { 'content-type': contentType, accept: MODERN, authorization: `Bearer ${await server.token()}` };
    const answer = async (response: Response) => ({ status: response.status, body: await response.text() });
    const served = await answer(await fetch(`${server.url}/graphql`, { method: 'POST', headers, body }));
    const direct = await answer(
      await server.service.yoga.fetch('http://localhost/graphql', { method: 'POST', headers, body }),
    );
    expect(served).toEqual(direct);
  });
});

describe('CSRF prevention', () => {
  const anonymous = (init: RequestInit & { headers?: Record<string, string> }, query = '?query=%7B__typename%7D') =>
    fetch(`${server.url}/graphql${init.method === 'GET' ? query : ''}`, init);

  async function expectCsrfRefusal(response: Response): Promise<void> {
    expect(response.status).toBe(403);
    const body = (await response.json()) as GraphQLResponse;
    expect(body.errors![0]!.extensions!.code).toBe('BAD_REQUEST');
    expect(body.errors![0]!.message).toMatch(/cross-site request forgery.*application\/json/);
  }

  it('refuses what a browser form or a plain link can send without a preflight', async () => {
    await expectCsrfRefusal(
      await anonymous({
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'query=%7B__typename%7D',
      }),
    );
    await expectCsrfRefusal(
      await anonymous({
        method: 'POST',
        headers: { 'content-type': 'multipart/form-data; boundary=x' },
        body: '--x--',
      }),
    );
    await expectCsrfRefusal(
      await anonymous({ method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"query":"{__typename}"}' }),
    );
    await expectCsrfRefusal(await anonymous({ method: 'GET', headers: { accept: 'application/json' } }));
  });

  it('accepts JSON POSTs, and GETs with a header that forces a preflight', async () => {
    const json = await anonymous({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":"{__typename}"}',
    });
    expect(await json.json()).toEqual({ data: { __typename: 'Query' } });
    for (const header of ['x-graphql-yoga-csrf', 'apollo-require-preflight', 'x-apollo-operation-name']) {
      const get = await anonymous({ method: 'GET', headers: { accept: 'application/json', [header]: '1' } });
      expect(await get.json()).toEqual({ data: { __typename: 'Query' } });
    }
    // A token in Authorization, as urql's GET queries and a gateway's subscriptions over SSE send it.
    const token = await server.token();
    const withToken = await anonymous({
      method: 'GET',
      headers: { accept: 'application/json', authorization: `Bearer ${token}` },
    });
    expect(await withToken.json()).toEqual({ data: { __typename: 'Query' } });
    const mutation = await anonymous(
      { method: 'GET', headers: { accept: 'application/json', authorization: `Bearer ${token}` } },
      '?query=mutation%7BdeleteCustomer(customerNumber%3A%22x%22)%7D',
    );
    expect(mutation.status).toBe(405);
  });

  it(`serves GraphiQL in development, not in production (${MODE})`, async () => {
    const page = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    // In production a browser gets the page saying GraphiQL is off (test/graphiql.test.ts), with no script.
    if (PRODUCTION) expect(await page.text()).not.toMatch(/<script/i);
    else {
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/graphiql/i);
    }
  });
});

describe(`field suggestions: shown in development, hidden in production (${MODE})`, () => {
  const typo = '{ customerz { totalCount } }';
  const enumTypo = '{ customers(orderBy: [{ field: LAST_NAM }]) { totalCount } }';
  const variableTypo = [
    'query($o: [CustomerOrder!]) { customers(orderBy: $o) { totalCount } }',
    { o: [{ field: 'LAST_NAM' }] },
  ] as const;

  it('in validation, in literals and in variables', async () => {
    const field = await server.gql(typo);
    const literal = await server.gql(enumTypo);
    const variable = await server.gql(...variableTypo);
    for (const response of [field, literal]) expect(codes(response)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(codes(variable)).toEqual(['BAD_USER_INPUT']);
    if (PRODUCTION) {
      expect(field.errors![0]!.message).toBe('Cannot query field "customerz" on type "Query".');
      expect(literal.errors![0]!.message).toBe('Value "LAST_NAM" does not exist in "CustomerOrderField" enum.');
      expect(variable.errors![0]!.message).toMatch(/Value "LAST_NAM" does not exist in "CustomerOrderField" enum\.$/);
      for (const response of [field, literal, variable])
        expect(JSON.stringify(response.errors)).not.toMatch(/did you mean|LAST_NAME/i);
    } else {
      expect(field.errors![0]!.message).toBe(
        'Cannot query field "customerz" on type "Query". Did you mean "customer" or "customers"?',
      );
      expect(literal.errors![0]!.message).toMatch(/Did you mean the enum value "LAST_NAME"/);
      expect(variable.errors![0]!.message).toMatch(/Did you mean the enum value "LAST_NAME"/);
    }
  });

  it('are hidden in production from errors raised while an operation runs, which keep their code and the rest of the answer', async () => {
    // A field that fails at execution leaves the other fields intact, in both modes (graphql-jit's errors have a
    // read-only message: rewriting one in place used to mask the whole answer in production).
    const reader = await server.token({ scope: 'customer.customer_read_own', customer_id: 'nobody' });
    const document =
      '{ __typename missing: customer(customerNumber: "nobody") { id } address: customerAddress(customerNumber: "nobody", addressId: "x") { id } }';
    const response = await server.gql(document, {}, { token: reader });
    expect(response.status).toBe(200);
    expect(response.data).toEqual({ __typename: 'Query', missing: null, address: null });
    expect(codes(response)).toEqual(['FORBIDDEN']);
    expect(response.errors![0]!.path).toEqual(['address']);
  });
});

describe(`introspection (GRAPHQL_INTROSPECTION: on in development, off in production; ${MODE})`, () => {
  const schemaQuery = '{ __schema { queryType { name } } }';
  const typeQuery = '{ __type(name: "Customer") { fields { name } } }';

  it(PRODUCTION ? 'refuses __schema and __type, but answers __typename' : 'answers __schema and __type', async () => {
    if (PRODUCTION) {
      expectRefused(await server.gql(schemaQuery), /introspection has been disabled.*"__schema"/);
      expectRefused(await server.gql(typeQuery), /introspection has been disabled.*"__type"/);
    } else {
      expect((await server.gql(schemaQuery)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
      expect((await server.gql(typeQuery)).data!.__type.fields.length).toBeGreaterThan(10);
    }
    expect((await server.gql('{ __typename }', undefined, { token: null })).data).toEqual({ __typename: 'Query' });
  });

  it('follows the variable either way', async () => {
    const [on, off] = await Promise.all([
      startTestServer({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' }),
      startTestServer({ NODE_ENV: 'development', GRAPHQL_INTROSPECTION: 'false' }),
    ]);
    try {
      expect((await on.gql(schemaQuery)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
      expectRefused(await off.gql(schemaQuery), /introspection has been disabled/);
    } finally {
      await Promise.all([on.close(), off.close()]);
    }
  });
});

describe('persisted operations (trusted documents)', () => {
  const ME = 'query Me { __typename me { id } }';
  const GREETING = 'query Greeting { __typename }';
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
  const apollo = (hash: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });
  const unknownHash = sha256('query Unknown { __typename }');
  let dir: string;
  let file: string;
  let only: TestServer;
  let both: TestServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'customer-graph-trusted-'));
    file = join(dir, 'trusted-documents.json');
    writeFileSync(file, JSON.stringify({ [sha256(ME)]: ME, greeting: GREETING }));
    [only, both] = await Promise.all([
      startTestServer({ GRAPHQL_PERSISTED_OPERATIONS_FILE: file, GRAPHQL_PERSISTED_OPERATIONS_ONLY: 'true' }),
      startTestServer({ GRAPHQL_PERSISTED_OPERATIONS_FILE: file }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([only.close(), both.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('persisted-only: runs a stored document by its sha256Hash (Apollo) or documentId', async () => {
    expect((await post(only, apollo(sha256(ME)))).data).toEqual({ __typename: 'Query', me: null });
    expect((await post(only, { documentId: `sha256:${sha256(ME)}` })).data).toEqual({ __typename: 'Query', me: null });
    expect((await post(only, { documentId: 'greeting' })).data).toEqual({ __typename: 'Query' });
  });

  it('persisted-only: refuses a raw document, and an unknown hash', async () => {
    expectRefused(await post(only, { query: GREETING }), /Only trusted documents/, 'PERSISTED_QUERY_ID_REQUIRED');
    expectRefused(
      await post(only, { query: GREETING, ...apollo(sha256(GREETING)) }),
      /Only trusted documents/,
      'PERSISTED_QUERY_ID_REQUIRED',
    );
    expectRefused(
      await post(only, apollo(unknownHash)),
      /No trusted document has this id/,
      'PERSISTED_QUERY_NOT_IN_LIST',
    );
    expectRefused(await post(only, {}), /Only trusted documents/, 'PERSISTED_QUERY_ID_REQUIRED');
  });

  it('without GRAPHQL_PERSISTED_OPERATIONS_ONLY: raw documents and stored ones both run', async () => {
    expect((await post(both, { query: GREETING })).data).toEqual({ __typename: 'Query' });
    expect((await post(both, apollo(sha256(ME)))).data).toEqual({ __typename: 'Query', me: null });
    // Apollo's code, on which its clients send the query text instead.
    expectRefused(await post(both, apollo(unknownHash)), /PersistedQueryNotFound/, 'PERSISTED_QUERY_NOT_FOUND');
  });

  it('refuses to start on a store that does not parse, or whose hash does not match its document', () => {
    const write = (name: string, content: unknown) => {
      const path = join(dir, name);
      writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
      return path;
    };
    expect(loadTrustedDocuments(file).get('greeting')).toBe(GREETING);
    expect(() => loadTrustedDocuments(write('broken.json', '{'))).toThrow(ConfigError);
    expect(() => loadTrustedDocuments(write('list.json', [ME]))).toThrow(/JSON object of id -> document/);
    expect(() => loadTrustedDocuments(write('syntax.json', { a: 'query {' }))).toThrow(/document a: Syntax Error/);
    expect(() => loadTrustedDocuments(write('stale.json', { [sha256(ME)]: GREETING }))).toThrow(
      /is not the sha256 of its document/,
    );
  });
});
