import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { CriticalityLevel, diff } from '@graphql-inspector/core';
import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildSchema as buildServedSchema, printedSchemas } from '../src/graphql/schema.js';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

describe('schema/', () => {
  it.each(Object.keys(printedSchemas()))('schema/%s is current (npm run schema rewrites it)', (name) => {
    expect(read(`../schema/${name}`)).toBe(printedSchemas()[name]);
  });

  it('npm run schema -- --check says so when the files are current', () => {
    const tsx = createRequire(import.meta.url).resolve('tsx/cli');
    const cli = new URL('../src/cli/print-schema.ts', import.meta.url).pathname;
    const stdout = execFileSync(process.execPath, [tsx, cli, '--check'], { encoding: 'utf8' });
    expect(stdout).toBe('schema/ is up to date (schema.graphql, subgraph.graphql)\n');
  });

  it('serves the types, queries, mutations and subscription of contract/EVENTS.md, breaking none', async () => {
    const events = /```graphql\n([\s\S]*?)```/.exec(read('../contract/EVENTS.md'))![1]!;
    const contract = buildSchema(`${read('../contract/schema.graphql')}\n${events}`);
    expect(contract.getSubscriptionType()?.getFields().customerEvents).toBeDefined();
    const changes = await diff(contract, buildServedSchema());
    const breaking = changes.filter((change) => change.criticality.level === CriticalityLevel.Breaking);
    expect(breaking.map((change) => change.message)).toEqual([]);
  });

  it('breaks nothing in the contract (contract/schema.graphql)', async () => {
    const contract = buildSchema(read('../contract/schema.graphql'));
    const changes = await diff(contract, buildServedSchema());
    const breaking = changes.filter((change) => change.criticality.level === CriticalityLevel.Breaking);
    expect(breaking.map((change) => change.message)).toEqual([]);
  });
});
