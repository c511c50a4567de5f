/** vitest globalSetup: one PostgreSQL for the whole run (see postgres.ts); tests `inject('postgresAdminUrl')`. */
import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let server: Awaited<ReturnType<typeof startPostgres>>;
  try {
    server = await startPostgres();
  } catch (error) {
    // vitest reports a failed global setup but still exits 0 with no test run: CI must not pass that way.
    process.stderr.write(`Could not start the tests' PostgreSQL: ${(error as Error).stack}\n`);
    process.exit(1);
  }
  project.provide('postgresAdminUrl', server.url('postgres'));
  return () => server.destroy();
}
