import { defineConfig } from 'drizzle-kit';

/** The PostgreSQL store's migrations: `npx drizzle-kit generate --config drizzle.postgres.config.ts`. */
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/store/postgres/schema.ts',
  out: './drizzle-postgres',
});
