import { defineConfig } from 'vitest/config';

/**
 * The end-to-end tests (test/e2e/*.e2e.ts): a real browser against the service as `npm start` runs it. Apart from
 * `npm test`, which must stay runnable without a browser: `npm run test:e2e` needs /usr/bin/chromium.
 */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
  },
});
