/**
 * Listing customers: page size, order, filters, and where a page starts, checked and turned into one store query.
 * GraphQL pages by keyset cursor: a cursor records the order it was made for and the row's values under that order
 * (ending with its id), so the next page starts with an index seek, never an offset scan. The REST API pages by page
 * number, an offset that reads the rows it skips, so how far it may page is capped. Totals are counted only when asked.
 */
import { z } from 'zod';
import { badInput } from './errors.js';
import {
  isPositionIn,
  positionReader,
  type Customer,
  type CustomerCondition,
  type CustomerListFilter,
  type CustomerParts,
  type CustomerRead,
  type CustomerOrderField,
  type Direction,
  type KeysetPosition,
  type OrderTerm,
  type Reach,
  type StoreReads,
  type CustomerTextColumn,
} from './store.js';
import { isStorableText, LIMITS } from './validation.js';

export type { CustomerOrderField, Direction };

export const PAGE_SIZE = { default: 60, max: 200 } as const;

/** The most rows a numbered page may skip: past it a client narrows the list with conditions instead, which seek. */
export const MAX_OFFSET = 10_000;

export interface CustomerListRequest {
  first?: number | null | undefined;
  after?: string | null | undefined;
  filter?: CustomerFilterInput | null | undefined;
  orderBy?: readonly { field: CustomerOrderField; direction?: Direction | null | undefined }[] | null | undefined;
}

export interface CustomerFilterInput {
  search?: string | null | undefined;
  contactEmail?: string | null | undefined;
  active?: boolean | null | undefined;
  onHold?: boolean | null | undefined;
  businessModel?: 'B2B' | 'B2C' | null | undefined;
  legalEntityId?: string | number | null | undefined;
  modifiedSince?: Date | null | undefined;
}

export interface CustomerPage {
  rows: CustomerRead[];
  /** The cursor of each row, in the same order. */
  cursors: string[];
  hasNextPage: boolean;
  /** Relay lets forward pagination answer this cheaply: there is a previous page when the list started after one. */
  hasPreviousPage: boolean;
  /** How many customers match, over all pages: one count(*), run only when called. */
  count(): Promise<number>;
}

const DEFAULT_ORDER: readonly OrderTerm[] = [{ field: 'CREATED_AT', direction: 'ASC' }];

/** The order asked for, each field once (the first mention wins). */
function orderOf(orderBy: CustomerListRequest['orderBy']): readonly OrderTerm[] {
  const seen = new Set<string>();
  const terms: OrderTerm[] = [];
  for (const { field, direction } of orderBy ?? []) {
    if (seen.has(field)) continue;
    seen.add(field);
    terms.push({ field, direction: direction ?? 'ASC' });
  }
  return terms.length > 0 ? terms : DEFAULT_ORDER;
}

const signature = (order: readonly OrderTerm[]) => order.map((t) => `${t.field}:${t.direction}`).join(',');

/** The cursors of one order's rows: the order's signature, and the row's position under it. */
function cursorEncoder(order: readonly OrderTerm[]): (row: Customer) => string {
  const o = signature(order);
  const position = positionReader(order);
  return (row) => Buffer.from(JSON.stringify({ o, k: position(row) })).toString('base64url');
}

/** The position a cursor records; BAD_USER_INPUT when it is malformed or was made for another order. */
export function decodeCursor(order: readonly OrderTerm[], cursor: string): KeysetPosition {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const { o, k } = (typeof decoded === 'object' && decoded !== null ? decoded : {}) as { o?: unknown; k?: unknown };
  if (typeof o === 'string' && o !== signature(order)) {
    throw badInput([{ field: 'after', message: 'was made for another orderBy' }]);
  }
  if (typeof o !== 'string' || !isPositionIn(order, k)) {
    throw badInput([{ field: 'after', message: 'is not a cursor of this list' }]);
  }
  return k;
}

/**
 * Text a filter compares: printable (a NUL or other control character matches nothing and breaks FTS5 phrases), and
 * Unicode text that the stores can hold (an unpaired surrogate would be compared as U+FFFD).
 */
const filterText = z
  .string()
  .max(LIMITS.text, `must be at most ${LIMITS.text} characters`)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what this refuses
  .refine((value) => !/[\u0000-\u001f\u007f]/.test(value), {
    message: 'must not contain control characters',
    abort: true,
  })
  .refine(isStorableText, 'must not contain an unpaired UTF-16 surrogate (it is not Unicode text)');

function filterOf(filter: CustomerFilterInput | null | undefined): CustomerListFilter {
  if (!filter) return {};
  const problems: { field: string; message: string }[] = [];
  const text = (field: 'search' | 'contactEmail' | 'legalEntityId'): string | undefined => {
    const given = filter[field];
    if (given === null || given === undefined) return undefined;
    const value = String(given);
    const checked = filterText.safeParse(value);
    if (!checked.success) problems.push({ field: `filter.${field}`, message: checked.error.issues[0]!.message });
    return value;
  };
  const search = text('search')?.trim();
  const contactEmail = text('contactEmail')?.trim();
  const legalEntityId = text('legalEntityId');
  if (problems.length > 0) throw badInput(problems);
  return {
    search: search || undefined,
    contactEmail,
    active: filter.active ?? undefined,
    onHold: filter.onHold ?? undefined,
    businessModel: filter.businessModel ?? undefined,
    legalEntityId,
    modifiedSince: filter.modifiedSince?.getTime(),
  };
}

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

/** A page size in 1..max, else BAD_USER_INPUT naming the argument. */
function pageSize(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 1 || value > PAGE_SIZE.max) {
    throw badInput([{ field, message: `must be between 1 and ${PAGE_SIZE.max}` }]);
  }
  return value;
}

export function createCustomerList() {
  return {
    /**
     * One page of the customers within reach that match the filter, in the order asked for; with `parts`, the rows
     * bring those parts along where the store does (CustomerRead).
     */
    async page(
      reads: StoreReads,
      reach: Reach,
      request: CustomerListRequest,
      parts?: CustomerParts,
    ): Promise<CustomerPage> {
      const first = pageSize(request.first ?? PAGE_SIZE.default, 'first');
      const order = orderOf(request.orderBy);
      const after =
        request.after === null || request.after === undefined ? undefined : decodeCursor(order, request.after);
      const filter = filterOf(request.filter);
      // One row more than the page says whether there is a next page.
      const rows = await reads.customers.list(reach, { filter, order, after, limit: first + 1 }, parts);
      const page = rows.slice(0, first);
      const cursorOf = cursorEncoder(order);
      return {
        rows: page,
        cursors: page.map(cursorOf),
        hasNextPage: rows.length > first,
        hasPreviousPage: after !== undefined,
        count: () => reads.customers.count(reach, filter),
      };
    },

    /** The page of the customers within reach at this page number (from 1), in the order asked for. */
    async numberedPage(
      reads: StoreReads,
      reach: Reach,
      request: NumberedPageRequest,
      parts?: CustomerParts,
    ): Promise<NumberedPage> {
      const { pageNumber } = request;
      const size = pageSize(request.pageSize, 'pageSize');
      if (!Number.isInteger(pageNumber) || pageNumber < 1) {
        throw badInput([{ field: 'pageNumber', message: 'must be at least 1' }]);
      }
      const offset = (pageNumber - 1) * size;
      if (offset > MAX_OFFSET) {
        throw badInput([
          {
            field: 'pageNumber',
            message: `pages may start at most ${MAX_OFFSET} customers in (pageNumber ${Math.floor(MAX_OFFSET / size) + 1} at pageSize ${size}); narrow the list with q instead, e.g. metadata.createdAt:>"..." from the last one seen`,
          },
        ]);
      }
      const filter = withSearchIndex(request.filter);
      const order = request.order?.length ? request.order : DEFAULT_ORDER;
      const rows = await reads.customers.list(reach, { filter, order, offset, limit: size }, parts);
      return { rows, count: () => reads.customers.count(reach, filter) };
    },
  };
}

export type CustomerList = ReturnType<typeof createCustomerList>;
