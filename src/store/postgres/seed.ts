/**
 * Bulk writes for seeding: whole customers with their addresses, accounts and memberships, one transaction per
 * batch and one statement per table per few thousand rows. Every column travels as one array parameter and
 * `unnest` turns the arrays back into rows, so a batch costs a handful of round trips, not one per row.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import type { SeedLegalEntityRow, SeedWriter, TakenKeys } from '../seeding.js';

/** Rows per statement: large enough to amortize a round trip, small enough to keep a statement's arrays modest. */
const CHUNK = 5000;

type Column = readonly [name: string, type: string, values: readonly unknown[]];

/** `INSERT INTO table (columns) SELECT * FROM unnest($1::type[], ...)`, with an optional RETURNING list. */
function insertRows(table: string, columns: readonly Column[], returning?: string): SQL {
  const names = sql.raw(columns.map(([name]) => `"${name}"`).join(', '));
  const arrays = sql.join(
    columns.map(([, type, values]) => sql`${sql.param(values)}::${sql.raw(type)}[]`),
    sql`, `,
  );
  const tail = returning ? sql.raw(` RETURNING ${returning}`) : sql``;
  return sql`INSERT INTO ${sql.identifier(table)} (${names}) SELECT * FROM unnest(${arrays})${tail}`;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

/** A legal entity's identity in a batch: its registration id (what members share), else its id. */
const entityKey = (tenant: string, entity: SeedLegalEntityRow) =>
  entity.registrationId === null ? `${tenant}\u0000id\u0000${entity.id}` : `${tenant}\u0000${entity.registrationId}`;

export function createSeedWriter(db: NodePgDatabase, pool: pg.Pool): SeedWriter {
  /** Entities of earlier committed batches, so that later members of one find it without a query. */
  const entityPks = new Map<string, number>();

  /** Runs maintenance outside any transaction, on a connection without the statement timeout (then dropped). */
  async function withoutTimeout(statements: readonly string[]): Promise<void> {
    const client = await pool.connect();
    try {
      await client.query('SET statement_timeout = 0');
      for (const statement of statements) await client.query(statement);
    } finally {
      client.release(true);
    }
  }

  return {
    async write(tenant, batch) {
      const added = new Map<string, number>();
      await db.transaction(async (tx) => {
        // A batch of thousands of rows per statement may take longer than a request may.
        await tx.execute(sql`SET LOCAL statement_timeout = 0`);

        // The legal entities that members of this batch need: the tenant's own, else inserted now.
        const needed = new Map<string, SeedLegalEntityRow>();
        for (const { membership } of batch) {
          if (!membership) continue;
          const key = entityKey(tenant, membership.entity);
          if (!entityPks.has(key)) needed.set(key, membership.entity);
        }
        const registrations = [...needed.values()].flatMap((entity) => entity.registrationId ?? []);
        if (registrations.length > 0) {
          const existing = await tx.execute<{ pk: string; registration_id: string }>(
            sql`SELECT pk, registration_id FROM legal_entities
              WHERE tenant = ${tenant} AND registration_id = ANY(${sql.param(registrations)}::text[])`,
          );
          for (const row of existing.rows) {
            const key = `${tenant}\u0000${row.registration_id}`;
            added.set(key, Number(row.pk));
            needed.delete(key);
          }
        }
        for (const part of chunks([...needed.entries()], CHUNK)) {
          const entities = part.map(([, entity]) => entity);
          const inserted = await tx.execute<{ pk: string; id: string }>(
            insertRows(
              'legal_entities',
              [
                ['tenant', 'text', entities.map(() => tenant)],
                ['id', 'text', entities.map((e) => e.id)],
                ['registration_id', 'text', entities.map((e) => e.registrationId)],
                ['name', 'text', entities.map((e) => e.name)],
                ['created_at', 'bigint', entities.map((e) => e.createdAt)],
              ],
              'pk, id',
            ),
          );
          const keyById = new Map(part.map(([key, entity]) => [entity.id, key]));
          for (const row of inserted.rows) added.set(keyById.get(row.id)!, Number(row.pk));
        }
        const entityPk = (entity: SeedLegalEntityRow) => {
          const key = entityKey(tenant, entity);
          return (added.get(key) ?? entityPks.get(key))!;
        };

        for (const part of chunks(batch, CHUNK)) {
          const rows = part.map((seed) => seed.customer);
          // Plain inserts: a number, id or email that is taken fails the whole batch (takenKeys says which are).
          await tx.execute(
            insertRows('customer_numbers', [
              ['tenant', 'text', rows.map(() => tenant)],
              ['customer_number', 'text', rows.map((c) => c.customerNumber)],
            ]),
          );
          const inserted = await tx.execute<{ pk: string; customer_number: string }>(
            insertRows(
              'customers',
              [
                ['tenant', 'text', rows.map(() => tenant)],
                ['customer_number', 'text', rows.map((c) => c.customerNumber)],
                ['title', 'text', rows.map((c) => c.title)],
                ['first_name', 'text', rows.map((c) => c.firstName)],
                ['middle_name', 'text', rows.map((c) => c.middleName)],
                ['last_name', 'text', rows.map((c) => c.lastName)],
                ['contact_email', 'text', rows.map((c) => c.contactEmail)],
                ['contact_phone', 'text', rows.map((c) => c.contactPhone)],
                ['company', 'text', rows.map((c) => c.company)],
                ['preferred_language', 'text', rows.map((c) => c.preferredLanguage)],
                ['preferred_currency', 'text', rows.map((c) => c.preferredCurrency)],
                ['preferred_site', 'text', rows.map((c) => c.preferredSite)],
                ['active', 'boolean', rows.map((c) => c.active)],
                ['on_hold', 'boolean', rows.map((c) => c.onHold)],
                ['company_registration_id', 'text', rows.map((c) => c.companyRegistrationId)],
                ['mixins', 'json', rows.map((c) => (c.mixins === null ? null : JSON.stringify(c.mixins)))],
                ['version', 'integer', rows.map((c) => c.version)],
                ['created_at', 'bigint', rows.map((c) => c.createdAt)],
                ['modified_at', 'bigint', rows.map((c) => c.modifiedAt)],
              ],
              'pk, customer_number',
            ),
          );
          const pkByNumber = new Map(inserted.rows.map((row) => [row.customer_number, Number(row.pk)]));
          const withPk = part.map((seed) => ({ ...seed, pk: pkByNumber.get(seed.customer.customerNumber)! }));

          const addresses = withPk.flatMap(({ pk, addresses }) => addresses.map((address) => ({ pk, address })));
          for (const slice of chunks(addresses, CHUNK)) {
            const a = slice.map(({ address }) => address);
            await tx.execute(
              insertRows('addresses', [
                ['tenant', 'text', a.map(() => tenant)],
                ['id', 'text', a.map((x) => x.id)],
                ['customer_pk', 'bigint', slice.map(({ pk }) => pk)],
                ['contact_name', 'text', a.map((x) => x.contactName)],
                ['company_name', 'text', a.map((x) => x.companyName)],
                ['street', 'text', a.map((x) => x.street)],
                ['street_number', 'text', a.map((x) => x.streetNumber)],
                ['street_appendix', 'text', a.map((x) => x.streetAppendix)],
                ['extra_line1', 'text', a.map((x) => x.extraLine1)],
                ['extra_line2', 'text', a.map((x) => x.extraLine2)],
                ['extra_line3', 'text', a.map((x) => x.extraLine3)],
                ['extra_line4', 'text', a.map((x) => x.extraLine4)],
                ['zip_code', 'text', a.map((x) => x.zipCode)],
                ['city', 'text', a.map((x) => x.city)],
                ['country', 'text', a.map((x) => x.country)],
                ['state', 'text', a.map((x) => x.state)],
                ['contact_phone', 'text', a.map((x) => x.contactPhone)],
                ['tags', 'json', a.map((x) => JSON.stringify(x.tags))],
                ['is_default', 'boolean', a.map((x) => x.isDefault)],
                ['created_at', 'bigint', a.map((x) => x.createdAt)],
                ['modified_at', 'bigint', a.map((x) => x.modifiedAt)],
              ]),
            );
          }

          const accounts = withPk.flatMap(({ pk, accounts }) => accounts.map((account) => ({ pk, account })));
          for (const slice of chunks(accounts, CHUNK)) {
            const a = slice.map(({ account }) => account);
            await tx.execute(
              insertRows('accounts', [
                ['tenant', 'text', a.map(() => tenant)],
                ['id', 'text', a.map((x) => x.id)],
                ['customer_pk', 'bigint', slice.map(({ pk }) => pk)],
                ['email', 'text', a.map((x) => x.email)],
                ['provider_id', 'text', a.map((x) => x.providerId)],
                ['created_at', 'bigint', a.map((x) => x.createdAt)],
              ]),
            );
          }

          const members = withPk.flatMap(({ pk, membership }) => (membership ? [{ pk, membership }] : []));
          if (members.length > 0) {
            await tx.execute(
              insertRows('customer_legal_entities', [
                ['tenant', 'text', members.map(() => tenant)],
                ['id', 'text', members.map(({ membership }) => membership.assignmentId)],
                ['customer_pk', 'bigint', members.map(({ pk }) => pk)],
                ['legal_entity_pk', 'bigint', members.map(({ membership }) => entityPk(membership.entity))],
                ['created_at', 'bigint', members.map(({ membership }) => membership.createdAt)],
              ]),
            );
          }
        }
      });
      // Only entities that committed may be found without a query by later batches.
      for (const [key, pk] of added) entityPks.set(key, pk);
    },

    async takenKeys(tenant): Promise<TakenKeys> {
      const column = async (query: SQL) => {
        const result = await db.execute<{ key: string }>(query);
        return new Set(result.rows.map((row) => row.key));
      };
      const [customerNumbers, emails, addressIds, accountIds, legalEntityIds, registrationIds, assignmentIds] =
        await Promise.all([
          // Claims hold the numbers in use and those of deleted customers alike.
          column(sql`SELECT customer_number AS key FROM customer_numbers WHERE tenant = ${tenant}`),
          // As the unique index compares them: ASCII letters folded.
          column(sql`SELECT lower(email COLLATE "C") AS key FROM accounts WHERE tenant = ${tenant}`),
          column(sql`SELECT id AS key FROM addresses WHERE tenant = ${tenant}`),
          column(sql`SELECT id AS key FROM accounts WHERE tenant = ${tenant}`),
          column(sql`SELECT id AS key FROM legal_entities WHERE tenant = ${tenant}`),
          column(
            sql`SELECT registration_id AS key FROM legal_entities
              WHERE tenant = ${tenant} AND registration_id IS NOT NULL`,
          ),
          column(sql`SELECT id AS key FROM customer_legal_entities WHERE tenant = ${tenant}`),
        ]);
      return { customerNumbers, emails, addressIds, accountIds, legalEntityIds, registrationIds, assignmentIds };
    },

    async prepareForBulkLoad() {
      // Nothing to set: each batch commits once, and the server's own settings suit bulk inserts.
    },

    async finishBulkLoad() {
      // Planner statistics for the new rows, and the visibility map that lets counts be answered from indexes.
      await withoutTimeout([
        'VACUUM (ANALYZE) customers, customer_numbers, addresses, accounts, legal_entities, customer_legal_entities',
      ]);
    },
  };
}
