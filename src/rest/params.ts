/**
 * The REST API's query parameters, request headers and path `{tenant}`, checked and turned into what the domain
 * takes: REST.md's paging and sorting, `expand`, `sendPasswordResetNotifications`, `tags`, `X-Total-Count`.
 * An empty value counts as absent (as an empty environment variable does in src/config.ts), except where a value
 * is required.
 */
import type { Expand } from '../domain/representation.js';
import type { CustomerOrderField, OrderTerm } from '../domain/store.js';
import { badRequest, invalidTenant, RestBadRequest } from './errors.js';

/** The same page sizes as GraphQL's `customers(first:)` (contract/schema.graphql: 1..200, default 60). */
export const PAGE_SIZE = { default: 60, max: 200 } as const;
/** A page number that the database can still multiply into an offset: the public API's int32. */
export const PAGE_NUMBER_MAX = 2_147_483_647;

/**
 * The REST fields a list can be sorted by, and the store's order field of each: those that have an index. Other
 * queryable fields (title, middleName, ...) are refused with the list of these.
 */
export const SORT_FIELDS = {
  id: 'CUSTOMER_NUMBER',
  customerNumber: 'CUSTOMER_NUMBER',
  firstName: 'FIRST_NAME',
  lastName: 'LAST_NAME',
  contactEmail: 'CONTACT_EMAIL',
  company: 'COMPANY',
  'metadata.createdAt': 'CREATED_AT',
  'metadata.modifiedAt': 'MODIFIED_AT',
  metadataCreatedAt: 'CREATED_AT',
} as const satisfies Record<string, CustomerOrderField>;

export type SortField = keyof typeof SORT_FIELDS;

/** What `expand` asks for: each part of the answer that is not always there. */
export type { Expand };

export const NO_EXPAND: Expand = { addresses: false, accounts: false, mixins: false };

/** `mixin` is the official description's spelling of the value, `mixin:*` its mixins field's. */
const EXPAND_VALUES = { addresses: 'addresses', accounts: 'accounts', mixin: 'mixins', 'mixin:*': 'mixins' } as const;
export const EXPAND_NAMES = Object.keys(EXPAND_VALUES);

const present = (value: string | null | undefined): value is string =>
  value !== undefined && value !== null && value !== '';

/** The items of a comma-separated value, each trimmed; an empty item is a mistake worth telling. */
function items(name: string, value: string): string[] {
  const parts = value.split(',').map((part) => part.trim());
  if (parts.some((part) => part === '')) {
    throw badRequest(name, 'invalid_syntax', `has an empty item: write values separated by single commas`);
  }
  return parts;
}

/**
 * `sort`: the order asked for, each field once (the first mention wins, as in GraphQL's orderBy); undefined when
 * absent, for the domain's default order (metadata.createdAt ascending).
 */
export function parseSort(value: string | null | undefined): OrderTerm[] | undefined {
  if (!present(value)) return undefined;
  const terms: OrderTerm[] = [];
  const seen = new Set<CustomerOrderField>();
  for (const item of items('sort', value)) {
    const colon = item.lastIndexOf(':');
    const name = colon < 0 ? item : item.slice(0, colon);
    const suffix = colon < 0 ? undefined : item.slice(colon + 1).toLowerCase();
    // Own names only: `constructor` is no field.
    const field = Object.hasOwn(SORT_FIELDS, name) ? SORT_FIELDS[name as SortField] : undefined;
    if (!field) {
      throw badRequest(
        'sort',
        'unknown_field',
        `cannot sort by ${name}; sortable fields are ${Object.keys(SORT_FIELDS).join(', ')}`,
      );
    }
    if (suffix !== undefined && suffix !== 'asc' && suffix !== 'desc') {
      throw badRequest('sort', 'invalid_value', `${item}: the direction is :asc or :desc`);
    }
    if (seen.has(field)) continue;
    seen.add(field);
    terms.push({ field, direction: suffix === 'desc' ? 'DESC' : 'ASC' });
  }
  return terms;
}

function positiveInteger(name: string, value: string, max: number, tooLarge: string): number {
  if (!/^\d+$/.test(value))
    throw badRequest(name, 'invalid_value', `must be a whole number, not ${JSON.stringify(value)}`);
  const number = Number(value);
  if (number < 1) throw badRequest(name, 'out_of_range', 'must be at least 1');
  if (number > max) throw badRequest(name, 'out_of_range', tooLarge);
  return number;
}

/** `pageNumber`: ≥ 1, default 1. */
export function parsePageNumber(value: string | null | undefined): number {
  if (!present(value)) return 1;
  return positiveInteger('pageNumber', value, PAGE_NUMBER_MAX, `must be at most ${PAGE_NUMBER_MAX}`);
}

/** `pageSize`: 1..200, default 60; the error says where the cap is, as REST.md asks. */
export function parsePageSize(value: string | null | undefined): number {
  if (!present(value)) return PAGE_SIZE.default;
  return positiveInteger(
    'pageSize',
    value,
    PAGE_SIZE.max,
    `must be at most ${PAGE_SIZE.max}: the service returns at most ${PAGE_SIZE.max} customers a page`,
  );
}

/** `expand`: addresses, accounts and mixin (or mixin:*), in any order; anything else is refused with the allowed values. */
export function parseExpand(value: string | null | undefined): Expand {
  if (!present(value)) return NO_EXPAND;
  const expand = { ...NO_EXPAND };
  for (const item of items('expand', value)) {
    const part: keyof Expand | undefined = Object.hasOwn(EXPAND_VALUES, item)
      ? EXPAND_VALUES[item as keyof typeof EXPAND_VALUES]
      : undefined;
    if (!part) {
      throw badRequest(
        'expand',
        'invalid_value',
        `${JSON.stringify(item)} cannot be expanded; allowed: ${Object.keys(EXPAND_VALUES).join(', ')}`,
      );
    }
    expand[part] = true;
  }
  return expand;
}

/** A boolean parameter: true or false in any letter case. */
export function parseBoolean(name: string, value: string | null | undefined, fallback: boolean): boolean {
  if (!present(value)) return fallback;
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw badRequest(name, 'invalid_value', `must be true or false, not ${JSON.stringify(value)}`);
}

/** `sendPasswordResetNotifications`: default true, as GraphQL's createCustomer argument. */
export const parseSendPasswordResetNotifications = (value: string | null | undefined): boolean =>
  parseBoolean('sendPasswordResetNotifications', value, true);

/**
 * `tags`: required, comma-separated. Only split here: what a tag may be (and how many) is the domain's rule
 * (parseTags of src/domain/validation.ts), so its errors come back as `tags[i]`.
 */
export function parseTagList(value: string | null | undefined): string[] {
  if (!present(value)) throw badRequest('tags', 'missing', 'is required: a comma-separated list of tags');
  return items('tags', value);
}

/** The request header `X-Total-Count: true` (any letter case) also asks for the count in a response header. */
export function wantsTotalCountHeader(value: string | string[] | undefined): boolean {
  const first = Array.isArray(value) ? value[0] : value;
  return first?.trim().toLowerCase() === 'true';
}

/** REST.md's `{tenant}`: 3 to 16 characters, a lowercase letter and then lowercase letters or digits. */
export const TENANT_PATH_PATTERN = /^[a-z][a-z0-9]+$/;

export const isTenant = (value: string): boolean =>
  value.length >= 3 && value.length <= 16 && TENANT_PATH_PATTERN.test(value);

/**
 * The path's `{tenant}` must be the token's: the tenant comes from the token and from nowhere else (AUTH.md), and the
 * path only has to agree. A malformed one gets the same answer, which reveals nothing about other tenants.
 */
export function checkTenant(pathTenant: string, callerTenant: string): void {
  if (!isTenant(pathTenant) || pathTenant !== callerTenant) throw invalidTenant();
}

/**
 * Each parameter once: `?pageSize=10&pageSize=20` is ambiguous, so it is refused rather than guessed. A list
 * parameter (`lists`) given more than once (`expand=a&expand=b`, as openapi-fetch and other clients send arrays by
 * default) means what its comma-separated form means (`expand=a,b`).
 */
export function singleValues(
  params: URLSearchParams,
  allowed: readonly string[],
  lists: readonly string[] = [],
): Record<string, string | undefined> {
  const values: Record<string, string | undefined> = {};
  const unknown: string[] = [];
  for (const name of new Set(params.keys())) {
    if (!allowed.includes(name)) {
      unknown.push(name);
      continue;
    }
    const all = params.getAll(name);
    if (all.length > 1 && !lists.includes(name)) {
      const repeatable = lists.length > 0 ? ` (of this endpoint's, only ${lists.join(', ')} may repeat)` : '';
      throw badRequest(name, 'invalid_value', `is given more than once${repeatable}`);
    }
    values[name] = all.join(',');
  }
  if (unknown.length > 0) {
    const accepted = allowed.length > 0 ? `; this endpoint takes ${allowed.join(', ')}` : '; this endpoint takes none';
    throw new RestBadRequest(
      `Unknown query parameter${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}${accepted}.`,
      unknown.map((field) => ({
        field,
        type: 'unknown_field' as const,
        message: `is not a parameter of this endpoint${accepted}`,
      })),
    );
  }
  return values;
}
