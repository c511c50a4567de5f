/**
 * The publisher's OpenAPI descriptions of the Customer Service (contract/emporix/, byte for byte) read for comparison
 * with the served document: their operations, parameters and the property paths of their bodies, with `$ref` and
 * `allOf` resolved.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './built-service.js';

export const OFFICIAL_FILES = ['customer-service-api.yml', 'customer-service-api.2025-12-02.yml'] as const;

type Json = Record<string, any>;

export function readOfficial(file: string): Json {
  return parse(readFileSync(join(ROOT, 'contract/emporix', file), 'utf8')) as Json;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

export interface Operation {
  method: (typeof METHODS)[number];
  path: string;
  spec: Json;
}

export function operationsOf(document: Json): Operation[] {
  return Object.entries(document.paths as Json).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => ({ method, path, spec: item[method] as Json })),
  );
}

/** A `$ref` followed to what it names (in the same document). */
export function deref(document: Json, node: Json): Json {
  let current = node;
  for (let i = 0; current && typeof current.$ref === 'string' && i < 20; i++) {
    current = current.$ref
      .slice(2)
      .split('/')
      .reduce((at: Json, key: string) => at?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], document);
  }
  return current;
}

/** The dotted paths of every property a schema names (`a`, `a.b`, `list[].c`), allOf merged, to a depth. */
export function propertyPaths(document: Json, schema: Json | undefined, prefix = '', depth = 0): string[] {
  if (!schema || depth > 6) return [];
  const resolved = deref(document, schema);
  if (!resolved) return [];
  const paths: string[] = [];
  for (const part of [...(resolved.allOf ?? []), ...(resolved.anyOf ?? []), ...(resolved.oneOf ?? [])]) {
    paths.push(...propertyPaths(document, part, prefix, depth + 1));
  }
  if (resolved.items) paths.push(...propertyPaths(document, resolved.items, `${prefix}[]`, depth + 1));
  for (const [name, property] of Object.entries((resolved.properties ?? {}) as Json)) {
    const path = prefix ? `${prefix}.${name}` : name;
    paths.push(path, ...propertyPaths(document, property as Json, path, depth + 1));
  }
  return [...new Set(paths)];
}

/** The JSON schema of a request body or a response, when it has one. */
export function jsonSchemaOf(document: Json, node: Json | undefined): Json | undefined {
  const resolved = node && deref(document, node);
  const content = resolved?.content as Json | undefined;
  if (!content) return undefined;
  const json = Object.entries(content).find(([type]) => type.includes('json'));
  return json?.[1]?.schema as Json | undefined;
}

/** A parameter's `in` and name, `$ref` followed. */
export function parametersOf(document: Json, operation: Json, pathItem: Json = {}): string[] {
  return [...(pathItem.parameters ?? []), ...(operation.parameters ?? [])].map((p: Json) => {
    const resolved = deref(document, p);
    return `${resolved.in}:${resolved.name}`;
  });
}
