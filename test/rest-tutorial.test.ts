/**
 * The seed tutorial's REST calls, run with the real curl against the started service: the commands are read out of
 * the tutorial (contract/customer-service-tutorial.txt, a copy of the seed), verbatim except for the host, the token,
 * the tutorial's placeholders ({tenant}, {customerNumber}, {addressId}) and the emails its copy lost ("[email
 * protected]"); curl is only told to be silent and to print the status after the body. The answers are what the
 * tutorial shows: 201 with an id, 201 for the address, the read-back with `expand=addresses,accounts` at version 6
 * with the legal entity and the three tags. The first command (an OAuth token from Emporix's own service) is not
 * ours: the token is signed here with the scopes it asks for.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResponseValidator } from '../src/rest/response-validator.js';
import { startTestServer, type TestServer } from './helpers.js';
import { ROOT } from './support/built-service.js';
import { TUTORIAL_ADDRESS, TUTORIAL_CUSTOMER } from './support/tutorial.js';

const run = promisify(execFile);
const TUTORIAL = readFileSync(join(ROOT, 'contract/customer-service-tutorial.txt'), 'utf8');
const validator = createResponseValidator();

/**
 * The curl commands of the tutorial against its API (not the OAuth one), each as its parts: the `curl -X ...` line,
 * its -H headers, and the -d body. The text copy glued prose to the commands ("API Referencecurl", a header followed
 * by the next heading), which is cut off at the closing quote.
 */
function tutorialCommands(text: string): string[][] {
  const lines = text.split('\n');
  const commands: string[][] = [];
  for (let i = 0; i < lines.length; i++) {
    const start = lines[i]!.indexOf('curl -X ');
    if (start < 0) continue;
    const parts = [lines[i]!.slice(start).replace(/\s*\\$/, '')];
    for (i++; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.startsWith('-H ')) {
        parts.push(/^-H "[^"]*"/.exec(line)![0]);
      } else if (line.startsWith("-d '")) {
        const body = [line];
        while (!lines[i]!.includes("}'")) body.push(lines[++i]!);
        const last = body.pop()!;
        body.push(last.slice(0, last.indexOf("}'") + 2));
        parts.push(body.join('\n'));
      } else {
        break;
      }
    }
    i--;
    commands.push(parts);
  }
  return commands;
}

let server: TestServer;
let token: string;
beforeAll(async () => {
  server = await startTestServer();
  // What the tutorial's first step asks the OAuth service for: a technical client with these two scopes.
  token = await server.token({ scope: 'customer.customer_manage customer.customer_manage_own', sub: 'tutorial' });
});
afterAll(() => server?.close());

interface Answer {
  status: number;
  body: any;
}

/** Runs one command with curl (silent, the status printed after the body), and checks the answer against OpenAPI. */
async function curl(parts: string[], values: Record<string, string>): Promise<Answer> {
  let command = parts.join(' \\\n');
  command = command.replaceAll('https://api.emporix.io', server.url).replaceAll('YOUR_OAUTH2_TOKEN', token);
  for (const [placeholder, value] of Object.entries(values)) command = command.replaceAll(placeholder, value);
  const { stdout } = await run('bash', ['-c', `${command} --silent --show-error --write-out '\\n%{http_code}'`]);
  const newline = stdout.lastIndexOf('\n');
  const status = Number(stdout.slice(newline + 1));
  const text = stdout.slice(0, newline);
  const [, method, url] = /^curl -X (\w+) "([^"]+)"/.exec(command)!;
  validator.assert({
    method: method!,
    path: new URL(url!).pathname,
    status,
    // curl prints no headers here; the status and body are what is checked.
    headers: text ? { 'content-type': 'application/json' } : {},
    body: text,
  });
  return { status, body: text ? JSON.parse(text) : undefined };
}

describe('the seed tutorial, with curl', () => {
  const commands = tutorialCommands(TUTORIAL);

  it('has the six calls of the tutorial, in its order', () => {
    expect(commands.map((parts) => /^curl -X (\w+)/.exec(parts[0]!)![1])).toEqual([
      'POST',
      'PUT',
      'POST',
      'POST',
      'PATCH',
      'GET',
    ]);
  });

  it('gives what the tutorial shows', async () => {
    const [create, upsert, address, tags, activate, read] = commands as [string[], ...string[][]];
    const values: Record<string, string> = {
      '{tenant}': 'acme',
      mytenant: 'acme',
      '[email protected]': 'john.doe@example.com',
    };
    const created = await curl(create, values);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.stringMatching(/^\d{8}$/) });
    values['{customerNumber}'] = created.body.id;
    values['{customerNimber}'] = created.body.id;

    // "For example, update the customer's email": the copy lost both addresses; a new one here.
    values['[email protected]'] = 'john.doe.new@example.com';
    expect((await curl(upsert!, values)).status).toBe(204);

    const added = await curl(address!, values);
    expect(added.status).toBe(201);
    expect(added.body).toEqual({ id: expect.any(String) });
    values['{addressId}'] = added.body.id;

    expect((await curl(tags!, values)).status).toBe(204);
    expect((await curl(activate!, values)).status).toBe(200);

    const profile = await curl(read!, values);
    expect(profile.status).toBe(200);
    expect(profile.body).toMatchObject({
      ...TUTORIAL_CUSTOMER,
      customerNumber: created.body.id,
      id: created.body.id,
      contactEmail: 'john.doe.new@example.com',
      addresses: [{ id: added.body.id, ...TUTORIAL_ADDRESS }],
    });
    expect(profile.body.accounts).toEqual([{ id: 'john.doe@example.com' }]);

    // What it told the world (EVENTS.md): one event per change, the password reset its first call asked for, and
    // a last customer.updated whose data is what the read-back shows.
    const events = await server.gql(`{ customerEvents(first: 50) { edges { node { id type customerNumber } } } }`);
    const mine = events
      .data!.customerEvents.edges.map((edge: { node: { type: string; customerNumber: string } }) => edge.node)
      .filter((node: { customerNumber: string }) => node.customerNumber === created.body.id);
    expect(mine.map((node: { type: string }) => node.type)).toEqual([
      'customer.created',
      'customer.password-reset',
      'customer.updated',
      'customer.updated',
      'customer.updated',
      'customer.updated',
    ]);
  });
});
