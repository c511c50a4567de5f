/**
 * The Customer Service tutorial as GraphQL operations over HTTP: create a customer, update its profile, add an
 * address, tag it, activate the customer, read it back. docs/tutorial.md's worked session shows exactly these
 * operations (checked below), and what it says about running the session twice holds.
 */
import { readFileSync } from 'node:fs';
import { parse, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes, startTestServer, type GraphQLResponse, type TestServer } from './helpers.js';
import {
  ACTIVATE_CUSTOMER,
  ADD_ADDRESS,
  CREATE_CUSTOMER,
  READ_CUSTOMER,
  runTutorial,
  TAG_ADDRESS,
  UPDATE_CUSTOMER,
} from './support/tutorial.js';

/** The tutorial's employee token: a technical client, no customer_id. */
const TUTORIAL_SCOPES = 'customer.customer_manage customer.customer_manage_own';

let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await startTestServer();
  token = await server.token({ scope: TUTORIAL_SCOPES, sub: 'tutorial-client' });
});
afterAll(() => server.close());

/** Runs one step of the session and insists that it succeeded. */
async function step<T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response: GraphQLResponse<T> = await server.gql<T>(query, variables, { token });
  expect(response.errors).toBeUndefined();
  expect(response.status).toBe(200);
  return response.data!;
}

describe('the Customer Service tutorial over GraphQL', () => {
  it('creates, updates, addresses, tags, activates and reads back a customer as the tutorial shows', async () => {
    await runTutorial(step);
  });
});

const SESSION = [CREATE_CUSTOMER, UPDATE_CUSTOMER, ADD_ADDRESS, TAG_ADDRESS, ACTIVATE_CUSTOMER, READ_CUSTOMER];

describe("docs/tutorial.md's worked session", () => {
  it('shows exactly the operations this test runs, in order', () => {
    const tutorial = readFileSync(new URL('../docs/tutorial.md', import.meta.url), 'utf8');
    const shown = [...tutorial.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => print(parse(m[1]!)));
    expect(shown).toEqual(SESSION.map((document) => print(parse(document))));
  });

  it('runs a second time as it says: step 1 conflicts on the email, and passes with another one', async () => {
    // The first run is the test above; each run of this file starts on a fresh database.
    const again = await server.gql(CREATE_CUSTOMER, {}, { token });
    expect({ codes: codes(again), message: again.errors?.[0]?.message }).toEqual({
      codes: ['CONFLICT'],
      message: 'An account with email john.doe@example.com already exists.',
    });
    const otherEmail = CREATE_CUSTOMER.replace('john.doe@example.com', 'john.doe+2@example.com');
    expect((await step(otherEmail)).createCustomer.id).toMatch(/^\d{8}$/);
  });
});
