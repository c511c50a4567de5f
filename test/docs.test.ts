/**
 * The README, ARCHITECTURE.md and docs/ name nothing that is not there: every relative link leads to a file (and a
 * heading, for an #anchor), every repository path they mention in backticks exists, every `npm run` script they show
 * is in package.json, and the README stays short enough to read.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './support/built-service.js';

const DOCUMENTS = ['README.md', 'ARCHITECTURE.md', ...readdirSync(join(ROOT, 'docs')).map((name) => `docs/${name}`)]
  .filter((file) => file.endsWith('.md'))
  .sort();

/** Top-level folders whose paths, in backticks, name a file of the repository. */
const REPOSITORY_FOLDERS = ['bench', 'contract', 'docs', 'drizzle', 'drizzle-postgres', 'schema', 'src', 'test'];
/** Paths that exist only once something has run (ignored by git), named as such. */
const GENERATED = ['bench/.peer/', 'test/e2e/screenshots/'];

const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** The text outside fenced code blocks: code shows commands and output, not links. */
const prose = (markdown: string) => markdown.replace(/^ *```[^\n]*\n[\s\S]*?^ *```$/gm, '');

/** GitHub's anchor of a heading: lower case, inline markup and punctuation dropped, each space a hyphen. */
function slug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a markdown file's headings, numbered as GitHub numbers repeated ones. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, heading] of prose(markdown).matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const base = slug(heading!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** What is wrong with each relative link of `file`: a target that does not exist, or an anchor without a heading. */
function brokenLinks(file: string): string[] {
  const problems: string[] = [];
  for (const [, target] of prose(read(file)).matchAll(/\]\(([^)\s]+)(?: "[^"]*")?\)/g)) {
    if (/^[a-z]+:/i.test(target!)) continue; // http:, https:, mailto:
    const [path, anchor] = target!.split('#') as [string, string | undefined];
    const resolved = path === '' ? file : relative(ROOT, join(ROOT, dirname(file), path));
    if (!existsSync(join(ROOT, resolved))) {
      problems.push(`${file}: ${target} (no ${resolved})`);
    } else if (anchor !== undefined && !anchors(read(resolved)).has(anchor)) {
      problems.push(`${file}: ${target} (no heading #${anchor} in ${resolved})`);
    }
  }
  return problems;
}

/** The repository paths `file` mentions in backticks (`src/…`, `test/…`, …) that do not exist. */
function missingPaths(file: string): string[] {
  const folders = REPOSITORY_FOLDERS.join('|');
  const problems: string[] = [];
  for (const [, path] of prose(read(file)).matchAll(new RegExp(`\`((?:${folders})/[^\`\\s]*)\``, 'g'))) {
    // Patterns and placeholders (`test/e2e/*.e2e.ts`, `bench/results/bench-<size>.db`) name no one file.
    if (/[*<{…]/.test(path!) || GENERATED.some((prefix) => path!.startsWith(prefix))) continue;
    if (!existsSync(join(ROOT, path!))) problems.push(`${file}: \`${path}\``);
  }
  return problems;
}

/** The `npm run` scripts `file` shows, code blocks included, that package.json does not have. */
function unknownScripts(file: string): string[] {
  const scripts = Object.keys((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts);
  const shown = [...read(file).matchAll(/npm run (?:(?:-s|--silent) )?(\w[\w:.-]*)/g)].map((m) => m[1]!);
  return [...new Set(shown)].filter((script) => !scripts.includes(script)).map((script) => `${file}: ${script}`);
}

describe('the README and docs/', () => {
  it('are the files this test reads', () => {
    expect(DOCUMENTS).toEqual(expect.arrayContaining(['README.md', 'ARCHITECTURE.md', 'docs/tutorial.md']));
  });

  it('link only to files and headings that exist', () => {
    expect(DOCUMENTS.flatMap(brokenLinks)).toEqual([]);
  });

  it('mention only repository paths that exist', () => {
    expect(DOCUMENTS.flatMap(missingPaths)).toEqual([]);
  });

  it('show only npm scripts that package.json has', () => {
    expect(DOCUMENTS.flatMap(unknownScripts)).toEqual([]);
  });

  it('keep the README to about 300 lines: the rest is in docs/', () => {
    expect(read('README.md').split('\n').length).toBeLessThanOrEqual(300);
  });
});

describe('the anchor of a heading', () => {
  it("is GitHub's", () => {
    expect(slug('What `npm start` runs')).toBe('what-npm-start-runs');
    expect(slug('Lists: `q`, sort and pages')).toBe('lists-q-sort-and-pages');
    expect(slug('PostgreSQL and several replicas')).toBe('postgresql-and-several-replicas');
    expect([...anchors('# A\n\n```\n# not a heading\n```\n\n## A\n')]).toEqual(['a', 'a-1']);
  });
});
