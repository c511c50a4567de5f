/**
 * Listing customers by page number, as the REST API pages (REST.md "Paging and sorting"): the same page sizes, order
 * and store query as the GraphQL list (customer-list.ts), with an offset instead of a cursor. An offset page is an
 * index walk that reads the rows it skips and drops them, so how far a client may page is capped: past the cap it
 * narrows the list with conditions instead (e.g. `metadata.createdAt:>...`), which seek.
 */
import { badInput } from './errors.js';
import { PAGE_SIZE } from './customer-list.js';
import type {
  Customer,
  CustomerCondition,
  CustomerListFilter,
  CustomerTextColumn,
  OrderTerm,
  Reach,
  StoreReads,
} from './store.js';

/** The most rows a page may skip: 10 000 index entries are a few milliseconds on either store. */
export const MAX_OFFSET = 10_000;

const DEFAULT_ORDER: readonly OrderTerm[] = [{ field: 'CREATED_AT', direction: 'ASC' }];

/** The columns the search filter looks in (CustomerListFilter.search): a substring of one is a substring of them. */
const SEARCHED: ReadonlySet<CustomerTextColumn> = new Set([
  'customerNumber',
  'firstName',
  'lastName',
  'company',
  'contactEmail',
]);

export interface NumberedPageRequest {
  readonly filter: CustomerListFilter;
  /** Undefined or empty: metadata.createdAt ascending, as GraphQL's default. */
  readonly order?: readonly OrderTerm[] | undefined;
  readonly pageNumber: number;
  readonly pageSize: number;
}

export interface NumberedPage {
  readonly rows: Customer[];
  /** How many customers match over all pages: one count(*), never loading the rows. */
  count(): Promise<number>;
}

/**
 * A `contains` on a searched column is also a search, which the stores answer from their substring index (FTS5
 * trigrams, pg_trgm) from three characters on: given as the search, the index finds the candidates and the
 * column's own condition keeps the right ones.
 */
function withSearchIndex(filter: CustomerListFilter): CustomerListFilter {
  if (filter.search !== undefined) return filter;
  const contains = filter.conditions?.find(
    (c) =>
      c.kind === 'text' &&
      c.op === 'contains' &&
      SEARCHED.has(c.column) &&
      c.value.trim() === c.value &&
      [...c.value].length >= 3,
  ) as Extract<CustomerCondition, { op: 'contains' }> | undefined;
  return contains ? { ...filter, search: contains.value } : filter;
}

export async function numberedPage(
  reads: StoreReads,
  reach: Reach,
  request: NumberedPageRequest,
): Promise<NumberedPage> {
  const { pageNumber, pageSize } = request;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > PAGE_SIZE.max) {
    throw badInput([{ field: 'pageSize', message: `must be between 1 and ${PAGE_SIZE.max}` }]);
  }
  if (!Number.isInteger(pageNumber) || pageNumber < 1) {
    throw badInput([{ field: 'pageNumber', message: 'must be at least 1' }]);
  }
  const offset = (pageNumber - 1) * pageSize;
  if (offset > MAX_OFFSET) {
    throw badInput([
      {
        field: 'pageNumber',
        message: `pages may start at most ${MAX_OFFSET} customers in (pageNumber ${Math.floor(MAX_OFFSET / pageSize) + 1} at pageSize ${pageSize}); narrow the list with q instead, e.g. metadata.createdAt:>"..." from the last one seen`,
      },
    ]);
  }
  const filter = withSearchIndex(request.filter);
  const order = request.order?.length ? request.order : DEFAULT_ORDER;
  const rows = await reads.customers.list(reach, { filter, order, offset, limit: pageSize });
  return { rows, count: () => reads.customers.count(reach, filter) };
}
