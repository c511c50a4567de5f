/**
 * `npm run seed -- --tenant T --customers N [--database PATH|URL]`: fills the database with realistic customers
 * (see seed-data.ts). Without --database it uses the server's database (DATABASE_URL, default data/customers.db);
 * a `postgres://` URL seeds PostgreSQL.
 * `--json` prints the summary as one JSON line instead of a sentence (the benchmark reads it).
 */
import { parseArgs } from 'node:util';
import { TENANT_PATTERN } from '../auth/tokens.js';
import { ConfigError, loadConfig, redactPassword } from '../config.js';
import { openStore } from '../store/index.js';
import { seedTenant } from './seed-data.js';

const USAGE = `Usage: npm run seed -- [--tenant demo] [--customers 1000] [--database PATH|postgres://...]
  [--addresses 2] [--accounts 1] [--b2b-share 0.3] [--seed 1] [--batch 2000] [--json]`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function number(
  name: string,
  value: string,
  { min, max, integer = true }: { min: number; max: number; integer?: boolean },
) {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min || parsed > max || (integer && !Number.isInteger(parsed))) {
    fail(`--${name} must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}, not "${value}".`);
  }
  return parsed;
}

const OPTIONS = {
  tenant: { type: 'string', default: 'demo' },
  customers: { type: 'string', default: '1000' },
  database: { type: 'string' },
  addresses: { type: 'string', default: '2' },
  accounts: { type: 'string', default: '1' },
  'b2b-share': { type: 'string', default: '0.3' },
  seed: { type: 'string', default: '1' },
  batch: { type: 'string', default: '2000' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;

/** The command's options; a usage error for anything parseArgs refuses. */
function parsedOptions() {
  try {
    return parseArgs({ options: OPTIONS }).values;
  } catch (error) {
    return fail((error as Error).message);
  }
}

async function main(): Promise<void> {
  const values = parsedOptions();
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!TENANT_PATTERN.test(values.tenant))
    fail(`--tenant must match ${TENANT_PATTERN.source}, not "${values.tenant}".`);
  const database = values.database ?? loadConfig().databasePath;
  if (database === ':memory:') fail('Seeding an in-memory database would be lost at once: give --database PATH.');

  const options = {
    tenant: values.tenant,
    customers: number('customers', values.customers, { min: 1, max: 10_000_000 }),
    addresses: number('addresses', values.addresses, { min: 0, max: 20 }),
    accounts: number('accounts', values.accounts, { min: 0, max: 10 }),
    b2bShare: number('b2b-share', values['b2b-share'], { min: 0, max: 1, integer: false }),
    seed: number('seed', values.seed, { min: 0, max: 2 ** 31 - 1 }),
    batchSize: number('batch', values.batch, { min: 1, max: 100_000 }),
  };
  const showProgress = !values.json && process.stderr.isTTY && options.customers >= 20_000;
  let shown = 0;

  const store = await openStore(database);
  const shownDatabase = redactPassword(database);
  try {
    const summary = await seedTenant(store, {
      ...options,
      onProgress(written, total) {
        if (showProgress && written - shown >= total / 10) {
          shown = written;
          process.stderr.write(`  ${written} of ${total} customers\n`);
        }
      },
    });
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ database: shownDatabase, seed: options.seed, ...summary })}\n`);
    } else {
      const perSecond = Math.round(summary.customers / summary.seconds);
      process.stdout.write(
        `Seeded tenant ${summary.tenant} in ${shownDatabase}: ${summary.customers} customers ` +
          `(${summary.b2bCustomers} B2B in ${summary.legalEntities} legal entities), ${summary.addresses} addresses, ` +
          `${summary.accounts} accounts in ${summary.seconds.toFixed(1)} s (${perSecond} customers/s, seed ${options.seed}).\n`,
      );
    }
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : (error as Error).stack}\n`);
  process.exit(1);
});
