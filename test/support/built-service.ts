/**
 * The service as `npm start` runs it: package.json's start script compiles the sources (tsconfig.build.json, into
 * dist/) and runs `node <flags> dist/main.js`. The runtime tests and the benchmark start it the same way, with the
 * flags read from that script, so that they measure and test what production runs.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Compiles `dir`'s sources into its dist/, as the start script does first. */
export function buildService(dir = ROOT): void {
  const tsc = createRequire(join(dir, 'package.json')).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** `node`'s arguments as the start script of `dir` gives them: its flags, then the entry file (absolute). */
export function serviceArgs(dir = ROOT): string[] {
  const { scripts } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const match = /&& exec node((?:\s+--\S+)*)\s+(\S+\.js)$/.exec(scripts.start ?? '');
  if (!match)
    throw new Error(`package.json's start script is not "... && exec node [flags] <entry>.js": ${scripts.start}`);
  return [...match[1]!.trim().split(/\s+/).filter(Boolean), join(dir, match[2]!)];
}
