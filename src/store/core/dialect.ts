/**
 * What the store core asks of a database: the few expressions that SQLite and PostgreSQL write differently. The
 * meaning of each is fixed here, and test/store-contract.test.ts holds both stores to it; everything else (what a
 * filter, a search, an order, a cursor, the reach or a part means) is written once, in the core.
 */
import type { Column, SQL } from 'drizzle-orm';
import type { Bind } from './query.js';
import type { IndexExpressions, Tables } from './tables.js';

/** A test of the JSON value at a mixin path. */
export type MixinTest =
  | { readonly op: 'exists' | 'missing' }
  | { readonly op: 'eq'; readonly value: string | number | boolean };

export interface Dialect {
  readonly tables: Tables;
  /** The sort key and email key expressions, as the indexes hold them. */
  readonly expressions: IndexExpressions;
  /**
   * `expr` as the planner may use it: `leads` false hides it from index matching (keeping its value), so that the
   * index meant to lead does. Only SQLite, which plans without statistics, needs telling; elsewhere `expr` as is.
   */
  lead(expr: SQL, leads: boolean): SQL;
  /**
   * `expr` equal to one of `values`, however many there are: `one` and `many` are the only shapes (one statement
   * serves every list length).
   */
  oneOf(expr: SQL | Column, values: readonly (string | number)[], type: 'text' | 'bigint', bind: Bind): SQL;
  /** A bound value, typed for comparison with a column of this type. */
  typed(value: SQL, type: 'text' | 'bigint'): SQL;
  /** `expr` (text, possibly NULL) has `value` as a substring, ignoring letter case in every script. */
  contains(expr: SQL, value: string, bind: Bind): SQL;
  /**
   * The customers row (of `tenant`) matches a search of `term` (trimmed, not empty): a case-insensitive substring of
   * its number, first or last name, company or contact email, from the store's substring index where the term is
   * long enough (isIndexedSearch).
   */
  search(tenant: string, term: string, bind: Bind): SQL;
  /**
   * `test` of the value at `path` in a JSON column. A path names object keys only, never array elements; `exists` is
   * true for a key present with any value, null included; `eq` compares a string, number or boolean with the JSON
   * value of that type only.
   */
  mixin(column: Column, path: readonly string[], test: MixinTest, bind: Bind): SQL;
  /**
   * The objects of a JSON array (`json`, bound as text) as a table named `alias`, with these columns taken from
   * their keys: for a statement that writes many rows at once. A `json` column keeps its value as JSON.
   */
  jsonTable(json: SQL, alias: string, columns: readonly (readonly [string, 'bigint' | 'text' | 'json'])[]): SQL;
  /** An aggregate: a JSON array of one JSON array per row (`values`, in the order `orderBy`); no rows is empty or NULL. */
  jsonRows(values: SQL, orderBy: SQL): SQL;
  /** What locks the rows a select reads until the transaction ends; empty where transactions run one at a time. */
  readonly forUpdate: SQL;
  /** The id of the writing transaction, as a 64-bit integer (0 where transactions commit one at a time). */
  readonly transactionId: SQL;
  /**
   * Where transactions commit out of id order: the id below which every transaction has ended, so that rows of
   * `transactionId` under it can no longer be joined by a row of a lower id.
   */
  readonly settledTransactions?: SQL | undefined;
  /** After a subquery's FROM: lock the rows of `alias` it picks, skipping those another transaction holds. */
  skipLocked(alias: SQL): SQL;
  /**
   * A statement in the appending transaction that wakes other processes' listeners at commit, where there are any;
   * `deliveries`: it also made webhook deliveries (which wake the relays).
   */
  readonly signalEvents?: ((tenant: SQL, deliveries: boolean) => SQL) | undefined;
  /** Whether the index seeks to `(a, b) > (x, y)` itself; if not, keysets are written as an OR-chain behind a bound. */
  readonly rowValueSeek: boolean;
  /** Whether a page of the list brings its customers' parts in its own statement (else the part reads bring them). */
  readonly partsOnPages: boolean;
}
