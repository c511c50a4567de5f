/**
 * Bulk writes for seeding: whole customers with their addresses, accounts and memberships, one transaction per
 * batch and one statement per table per few hundred rows (the rows of one statement are one multi-row VALUES), so
 * that a batch costs a handful of statements, not one per row.
 */
import { type Column, getTableColumns, getTableName, type SQL, sql, type Table } from 'drizzle-orm';
import type { SeedLegalEntityRow, SeedWriter, TakenKeys } from '../index.js';
import type { Dialect } from './dialect.js';
import { encoded, type Executor, Params } from './query.js';

/** Rows per statement: few enough that their values stay below both databases' limit on a statement's parameters. */
const ROWS_PER_STATEMENT = 500;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

/** Inserts the rows (each with the same fields), answering the `returning` columns of each, in no promised order. */
async function insertMany(exec: Executor, table: Table, rows: readonly object[], returning: Column[] = []) {
  const columns = getTableColumns(table);
  const answered: unknown[][] = [];
  for (const part of chunks(rows, ROWS_PER_STATEMENT)) {
    // A row may leave out a field that can be NULL: the statement names every field of any row of the part.
    const fields = [...new Set(part.flatMap((row) => Object.keys(row)))];
    const { bind, values } = new Params();
    const tuples = part.map(
      (row) =>
        sql`(${sql.join(
          fields.map((field) => bind(encoded(columns[field]!, (row as Record<string, unknown>)[field]))),
          sql`, `,
        )})`,
    );
    const names = sql.join(
      fields.map((field) => sql.identifier(columns[field]!.name)),
      sql`, `,
    );
    const tail: SQL = returning.length > 0 ? sql` RETURNING ${sql.join(returning, sql`, `)}` : sql``;
    answered.push(
      ...(await exec.all({
        key: `seed.${getTableName(table)}|${fields.join(',')}|${part.length}|${returning.length}`,
        sql: sql`INSERT INTO ${table} (${names}) VALUES ${sql.join(tuples, sql`, `)}${tail}`,
        values,
      })),
    );
  }
  return answered;
}

/** A legal entity's identity in a batch: its registration id (what members share), else its id. */
const entityKey = (tenant: string, entity: SeedLegalEntityRow) =>
  entity.registrationId === null ? `${tenant}\u0000id\u0000${entity.id}` : `${tenant}\u0000${entity.registrationId}`;

export interface SeedStore {
  /** Runs `work` in one transaction that may take longer than a request may. */
  transaction<T>(work: (exec: Executor) => Promise<T>): Promise<T>;
  /** Runs plain statements outside any transaction, also without a request's time limit. */
  outside(statements: readonly string[]): Promise<void>;
  /** Statements for a large load (caches), and the ones that end it (index merges, planner statistics). */
  readonly prepare: readonly string[];
  readonly finish: readonly string[];
}

export function seedWriter(d: Dialect, store: SeedStore): SeedWriter {
  const { customers, customerNumbers, addresses, accounts, legalEntities, customerLegalEntities } = d.tables;
  /** Entities of earlier committed batches, so that later members of one find it without a query. */
  const entityPks = new Map<string, number>();

  return {
    async write(tenant, batch) {
      const added = new Map<string, number>();
      await store.transaction(async (exec) => {
        // The legal entities that members of this batch need: the tenant's own, else inserted now.
        const needed = new Map<string, SeedLegalEntityRow>();
        for (const { membership } of batch) {
          if (!membership) continue;
          const key = entityKey(tenant, membership.entity);
          if (!entityPks.has(key)) needed.set(key, membership.entity);
        }
        const registrations = [...needed.values()].flatMap((entity) => entity.registrationId ?? []);
        for (const part of chunks(registrations, ROWS_PER_STATEMENT)) {
          const { bind, values } = new Params();
          const existing = await exec.all({
            sql: sql`SELECT ${legalEntities.pk}, ${legalEntities.registrationId} FROM ${legalEntities}
              WHERE ${legalEntities.tenant} = ${bind(tenant)} AND ${d.oneOf(legalEntities.registrationId, part, 'text', bind)}`,
            values,
          });
          for (const [pk, registrationId] of existing) {
            const key = `${tenant}\u0000${registrationId}`;
            added.set(key, Number(pk));
            needed.delete(key);
          }
        }
        const keyById = new Map([...needed].map(([key, entity]) => [entity.id, key]));
        const entities = [...needed.values()].map((entity) => ({ ...entity, tenant }));
        for (const [pk, id] of await insertMany(exec, legalEntities, entities, [legalEntities.pk, legalEntities.id])) {
          added.set(keyById.get(id as string)!, Number(pk));
        }
        const entityPk = (entity: SeedLegalEntityRow) => {
          const key = entityKey(tenant, entity);
          return (added.get(key) ?? entityPks.get(key))!;
        };

        // Plain inserts: a number, id or email that is taken fails the whole batch (takenKeys says which are).
        const rows = batch.map((seed) => ({ ...seed.customer, tenant }));
        await insertMany(
          exec,
          customerNumbers,
          rows.map(({ customerNumber }) => ({ tenant, customerNumber })),
        );
        const inserted = await insertMany(exec, customers, rows, [customers.pk, customers.customerNumber]);
        const pkByNumber = new Map(inserted.map(([pk, number]) => [number as string, Number(pk)]));
        const withPk = batch.map((seed) => ({ ...seed, pk: pkByNumber.get(seed.customer.customerNumber)! }));
        await insertMany(
          exec,
          addresses,
          withPk.flatMap(({ pk, addresses }) => addresses.map((address) => ({ ...address, tenant, customerPk: pk }))),
        );
        await insertMany(
          exec,
          accounts,
          withPk.flatMap(({ pk, accounts }) => accounts.map((account) => ({ ...account, tenant, customerPk: pk }))),
        );
        await insertMany(
          exec,
          customerLegalEntities,
          withPk.flatMap(({ pk, membership }) =>
            membership
              ? [
                  {
                    tenant,
                    id: membership.assignmentId,
                    customerPk: pk,
                    legalEntityPk: entityPk(membership.entity),
                    createdAt: membership.createdAt,
                  },
                ]
              : [],
          ),
        );
      });
      // Only entities that committed may be found without a query by later batches.
      for (const [key, pk] of added) entityPks.set(key, pk);
    },

    takenKeys: (tenant): Promise<TakenKeys> =>
      store.transaction(async (exec) => {
        const column = async (select: SQL | Column, table: Table & { tenant: Column }, where: SQL = sql`TRUE`) => {
          const { bind, values } = new Params();
          const rows = await exec.all({
            sql: sql`SELECT ${select} FROM ${table} WHERE ${table.tenant} = ${bind(tenant)} AND ${where}`,
            values,
          });
          return new Set(rows.map(([key]) => key as string));
        };
        return {
          // Claims hold the numbers in use and those of deleted customers alike.
          customerNumbers: await column(customerNumbers.customerNumber, customerNumbers),
          // As the unique index compares them.
          emails: await column(d.expressions.emailKey(accounts.email), accounts),
          addressIds: await column(addresses.id, addresses),
          accountIds: await column(accounts.id, accounts),
          legalEntityIds: await column(legalEntities.id, legalEntities),
          registrationIds: await column(
            legalEntities.registrationId,
            legalEntities,
            sql`${legalEntities.registrationId} IS NOT NULL`,
          ),
          assignmentIds: await column(customerLegalEntities.id, customerLegalEntities),
        };
      }),

    prepareForBulkLoad: () => store.outside(store.prepare),
    finishBulkLoad: () => store.outside(store.finish),
  };
}
