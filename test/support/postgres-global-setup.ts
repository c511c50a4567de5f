/** vitest globalSetup: one PostgreSQL for the whole run (see postgres.ts); tests `inject('postgresAdminUrl')`. */
import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startPostgres();
  project.provide('postgresAdminUrl', server.url('postgres'));
  return () => server.destroy();
}
