import { createRequire } from 'node:module';
import { configDefaults, defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/** Files that talk to a started test server over HTTP: they run once per mode, development and production. */
const HTTP_SUITE = [
  'test/addresses.test.ts',
  'test/authorization.test.ts',
  'test/concurrency.test.ts',
  'test/cors.test.ts',
  'test/customers-list.test.ts',
  'test/customers.test.ts',
  'test/events.test.ts',
  'test/fairness.test.ts',
  'test/federation.test.ts',
  'test/fields.test.ts',
  'test/gateway.test.ts',
  'test/graphiql.test.ts',
  'test/jwks.test.ts',
  'test/limits.test.ts',
  'test/lookahead.test.ts',
  'test/metrics.test.ts',
  'test/official-conformance.test.ts',
  'test/rest.test.ts',
  'test/rest-authorization.test.ts',
  'test/rest-tutorial.test.ts',
  'test/smoke.test.ts',
  'test/stock-clients.test.ts',
  'test/subscriptions.test.ts',
  'test/tenancy.test.ts',
  'test/tutorial.test.ts',
];

/** The server's mode, read by test/helpers.ts (startTestServer): what users deploy is production. */
const mode = (name: 'development' | 'production') => ({
  extends: true as const,
  test: { name, include: HTTP_SUITE, env: { CUSTOMER_GRAPH_TEST_MODE: name } },
});

/** The HTTP suite once more on PostgreSQL (a real one, started for the run), in production mode. */
const postgres = {
  extends: true as const,
  test: {
    name: 'postgres',
    include: HTTP_SUITE,
    env: { CUSTOMER_GRAPH_TEST_MODE: 'production', CUSTOMER_GRAPH_TEST_STORE: 'postgres' },
    globalSetup: ['test/support/postgres-global-setup.ts'],
  },
};

export default defineConfig({
  resolve: {
    // graphql ships CJS and ESM builds; packages loaded by Node (CJS) and by Vite (ESM) must share one copy.
    alias: { graphql: require.resolve('graphql') },
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      mode('development'),
      mode('production'),
      postgres,
      // Everything else: the store, the command-line tools, the compiled service (it starts both modes itself).
      {
        extends: true,
        test: {
          name: 'service',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...HTTP_SUITE],
          globalSetup: ['test/support/build-global-setup.ts', 'test/support/postgres-global-setup.ts'],
        },
      },
    ],
  },
});
