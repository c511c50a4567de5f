/**
 * The layers of ARCHITECTURE.md, held by their imports: data flows one way, HTTP → GraphQL → domain → store, and
 * no layer reaches up. Every import of src/ is read with the TypeScript parser, type-only ones told apart.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/built-service.js';

const SRC = join(ROOT, 'src');

interface Import {
  /** The importing file, relative to src/. */
  from: string;
  /** The imported module, relative to src/ (or the package name). */
  to: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

function importsOf(file: string): Import[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const from = relative(SRC, file);
  const target = (specifier: string) =>
    specifier.startsWith('.') ? relative(SRC, resolve(dirname(file), specifier)).replace(/\.js$/, '.ts') : specifier;
  const found: Import[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const typeOnly =
        !!clause &&
        (clause.isTypeOnly ||
          (!clause.name && !!bindings && ts.isNamedImports(bindings) && bindings.elements.every((e) => e.isTypeOnly)));
      found.push({ from, to: target(node.moduleSpecifier.text), typeOnly });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ from, to: target(node.moduleSpecifier.text), typeOnly: node.isTypeOnly });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      found.push({ from, to: target(node.arguments[0].text), typeOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const imports = sourceFiles(SRC).flatMap(importsOf);
/** The store contract: the domain's, which each store implements. */
const CONTRACT = 'domain/store.ts';
const layer = (path: string) => (path.includes('/') ? path.split('/')[0]! : path.replace(/\.ts$/, ''));
const into = (from: string, to: string[]) =>
  imports.filter((i) => layer(i.from) === from && to.includes(layer(i.to))).map((i) => `${i.from} -> ${i.to}`);

/**
 * Every folder and file of src/, in the order of ARCHITECTURE.md's layers: each may import those after it, none
 * those before it (a new one must be placed here).
 */
const LAYERS = [
  ['main', 'cli'],
  ['server'],
  ['http', 'rest', 'graphql', 'events'],
  ['operations'],
  ['store', 'domain', 'auth'],
  ['config', 'logger'],
];

describe('layer boundaries', () => {
  it('places every folder and file of src/ in a layer', () => {
    const placed = LAYERS.flat();
    const found = readdirSync(SRC).map((entry) => entry.replace(/\.ts$/, ''));
    expect(found.filter((name) => !placed.includes(name))).toEqual([]);
  });

  it('imports downwards only', () => {
    const rank = (path: string) => LAYERS.findIndex((names) => names.includes(layer(path)));
    const upwards = imports.filter((i) => i.to.endsWith('.ts') && rank(i.to) < rank(i.from));
    expect(upwards.map((i) => `${i.from} -> ${i.to}`)).toEqual([]);
  });

  it('the doors stay apart: GraphQL imports no REST, REST no GraphQL, neither a store nor the relay', () => {
    expect(into('graphql', ['rest', 'store'])).toEqual([]);
    expect(into('rest', ['graphql', 'store'])).toEqual([]);
    expect(into('operations', ['store', 'graphql', 'rest', 'http'])).toEqual([]);
    // The relay sends what the store gives it: neither door's code, nor a store's own.
    expect(into('events', ['store', 'graphql', 'rest', 'http'])).toEqual([]);
    expect(into('graphql', ['events'])).toEqual([]);
    expect(into('rest', ['events'])).toEqual([]);
  });

  it('reads the imports of src/', () => {
    // A guard against a parser that finds nothing: the GraphQL layer imports the domain, the stores its contract.
    expect(into('graphql', ['domain']).length).toBeGreaterThan(0);
    expect(imports.filter((i) => layer(i.from) === 'store' && i.to === CONTRACT).length).toBeGreaterThan(0);
  });

  it('store/ knows of the domain only its contract, and imports neither GraphQL nor auth', () => {
    expect(into('store', ['graphql', 'auth', 'server', 'main'])).toEqual([]);
    expect(into('store', ['domain']).filter((edge) => !edge.endsWith(` -> ${CONTRACT}`))).toEqual([]);
  });

  it('each store is a dialect of the store core: the two share only the core, and the core knows neither', () => {
    const across = imports.filter(
      (i) =>
        /^store\/(sqlite|postgres)\//.test(i.from) &&
        /^store\/(sqlite|postgres)\//.test(i.to) &&
        i.to.split('/')[1] !== i.from.split('/')[1],
    );
    expect(across.map((i) => `${i.from} -> ${i.to}`)).toEqual([]);
    const coreReachesOut = imports.filter(
      (i) => i.from.startsWith('store/core/') && /^store\/(sqlite|postgres)\//.test(i.to) && !i.typeOnly,
    );
    expect(coreReachesOut.map((i) => `${i.from} -> ${i.to}`)).toEqual([]);
    expect(imports.filter((i) => i.from.startsWith('store/core/') && /^(pg|better-sqlite3)$/.test(i.to))).toEqual([]);
  });

  it('domain/ imports no GraphQL and no HTTP', () => {
    expect(into('domain', ['graphql', 'server', 'main', 'metrics', 'graphiql'])).toEqual([]);
    expect(
      imports.filter((i) => layer(i.from) === 'domain' && /^(graphql|graphql-yoga|node:http)$/.test(i.to)),
    ).toEqual([]);
  });

  it('auth/ imports no GraphQL, and of the domain only the Reach type of its contract', () => {
    expect(into('auth', ['graphql', 'server'])).toEqual([]);
    const domainImports = imports.filter((i) => layer(i.from) === 'auth' && layer(i.to) === 'domain');
    expect(domainImports.filter((i) => i.to !== CONTRACT || !i.typeOnly)).toEqual([]);
  });

  it('the domain never touches a store: it works through the contract', () => {
    expect(into('domain', ['store', 'operations'])).toEqual([]);
  });

  it('nothing imports the command-line tools or the process entry', () => {
    expect(imports.filter((i) => layer(i.from) !== 'cli' && ['cli', 'main'].includes(layer(i.to)))).toEqual([]);
  });
});
