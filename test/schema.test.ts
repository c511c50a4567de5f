import { readFileSync } from 'node:fs';
import { CriticalityLevel, diff } from '@graphql-inspector/core';
import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildSchema as buildServedSchema, printedSchemas } from '../src/graphql/schema.js';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

describe('schema/', () => {
  it.each(Object.keys(printedSchemas()))('schema/%s is current (npm run schema rewrites it)', (name) => {
    expect(read(`../schema/${name}`)).toBe(printedSchemas()[name]);
  });

  it('breaks nothing in the contract (contract/schema.graphql)', async () => {
    const contract = buildSchema(read('../contract/schema.graphql'));
    const changes = await diff(contract, buildServedSchema());
    const breaking = changes.filter((change) => change.criticality.level === CriticalityLevel.Breaking);
    expect(breaking.map((change) => change.message)).toEqual([]);
  });
});
