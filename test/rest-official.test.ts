/**
 * The publisher's own OpenAPI descriptions of the Customer Service (contract/emporix/, both versions) against the
 * OpenAPI document this service serves: ours is a superset. Every official operation, parameter, request-body
 * property, success status and answer property is in ours, but for the deliberate exceptions below, each with why;
 * and every failure status they declare is declared by ours too. The copies are held to SOURCE.md's hashes.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../src/rest/openapi.js';
import { ROOT } from './support/built-service.js';
import {
  jsonSchemaOf,
  OFFICIAL_FILES,
  operationsOf,
  parametersOf,
  propertyPaths,
  readOfficial,
} from './support/official-api.js';

const ours = buildOpenApiDocument() as unknown as Record<string, any>;

/** Operations left to the issue "Restrictions and bulk import": the import and password-migration ones. */
const LATER_OPERATIONS = /\/customers\/import$|\/config\/password-migration-retention$/;

/** Official properties this service does not have, and why. */
const EXCEPTIONS: Readonly<Record<string, string>> = {
  restriction: 'the issue "Restrictions and bulk import"',
  '[].restriction': 'the issue "Restrictions and bulk import"',
  password: 'no passwords are kept here: a 400 says to use the password reset (docs/rest.md)',
};

/** What ours answers or takes beyond both descriptions: each a deliberate extension, with a row in docs/rest.md. */
const EXTENSIONS = ['404', '409', '413', '415', '429', '500', '503', 'header:X-Total-Count'];

describe('beyond the official descriptions', () => {
  it('answers and takes only the deliberate extensions that docs/rest.md lists', () => {
    const officials = OFFICIAL_FILES.map(readOfficial);
    const extras = new Set<string>();
    for (const [path, item] of Object.entries(ours.paths as Record<string, Record<string, any>>)) {
      for (const [method, operation] of Object.entries(item)) {
        const theirs = officials.filter((official) => official.paths[path]?.[method]);
        expect(theirs.length, `${method} ${path} is in neither description`).toBeGreaterThan(0);
        const statuses = new Set(theirs.flatMap((official) => Object.keys(official.paths[path][method].responses)));
        for (const status of Object.keys(operation.responses)) if (!statuses.has(status)) extras.add(status);
        const parameters = new Set(
          theirs.flatMap((official) => parametersOf(official, official.paths[path][method], official.paths[path])),
        );
        for (const parameter of parametersOf(ours, operation, item)) {
          if (!parameters.has(parameter)) extras.add(parameter);
        }
      }
    }
    expect([...extras].sort()).toEqual([...EXTENSIONS].sort());
    const docs = readFileSync(join(ROOT, 'docs/rest.md'), 'utf8');
    const listed = EXTENSIONS.map((extension) => extension.replace(/^header:/, '')).filter(
      (extension) => !docs.includes(`| \`${extension}\` |`),
    );
    expect(listed).toEqual([]);
  });
});

describe.each(OFFICIAL_FILES)('the official description %s', (file) => {
  const official = readOfficial(file);
  const operations = operationsOf(official).filter((op) => !LATER_OPERATIONS.test(op.path));
  const label = (op: { method: string; path: string }) => `${op.method.toUpperCase()} ${op.path}`;
  const served = (op: { method: string; path: string }) => ours.paths[op.path]?.[op.method];
  const missing = (theirs: string[], mine: string[]) =>
    theirs.filter((path) => !mine.includes(path) && !(path in EXCEPTIONS));

  it('is the byte-for-byte copy SOURCE.md names', () => {
    const source = readFileSync(join(ROOT, 'contract/emporix/SOURCE.md'), 'utf8');
    const row = source.split('\n').find((line) => line.startsWith(`| \`${file}\``));
    const hash = createHash('sha256')
      .update(readFileSync(join(ROOT, 'contract/emporix', file)))
      .digest('hex');
    expect(row).toContain(hash);
  });

  it('has each of its operations served, with the same method and path', () => {
    expect(operations.length).toBeGreaterThanOrEqual(15);
    expect(operations.filter((op) => !served(op)).map(label)).toEqual([]);
  });

  it('has each of its parameters taken', () => {
    const absent = operations.flatMap((op) => {
      const mine = parametersOf(ours, served(op), ours.paths[op.path]);
      return parametersOf(official, op.spec, official.paths[op.path])
        .filter((parameter) => !mine.includes(parameter))
        .map((parameter) => `${label(op)} ${parameter}`);
    });
    expect(absent).toEqual([]);
  });

  it('has each property of its request bodies taken', () => {
    const absent = operations.flatMap((op) =>
      missing(
        propertyPaths(official, jsonSchemaOf(official, op.spec.requestBody)),
        propertyPaths(ours, jsonSchemaOf(ours, served(op).requestBody)),
      ).map((path) => `${label(op)} ${path}`),
    );
    expect(absent).toEqual([]);
  });

  it('has each of its statuses declared, and each property of its answers shown', () => {
    const absent = operations.flatMap((op) =>
      Object.entries(op.spec.responses as Record<string, unknown>).flatMap(([status, response]) => {
        const mine = served(op).responses[status];
        if (!mine) return [`${label(op)} ${status}`];
        return missing(
          propertyPaths(official, jsonSchemaOf(official, response as Record<string, unknown>)),
          propertyPaths(ours, jsonSchemaOf(ours, mine)),
        ).map((path) => `${label(op)} ${status} ${path}`);
      }),
    );
    expect(absent).toEqual([]);
  });

  it('finds the properties it compares (the reader follows $ref and allOf)', () => {
    const read = operations.find((op) => op.method === 'get' && op.path.endsWith('/customers/{customerNumber}'))!;
    const paths = propertyPaths(official, jsonSchemaOf(official, read.spec.responses['200']));
    expect(paths).toEqual(expect.arrayContaining(['firstName', 'addresses[].contactName', 'b2b.legalEntities[].id']));
  });
});
