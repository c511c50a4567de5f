/**
 * The REST API's parameters (contract/REST.md "Paging and sorting", the endpoints' query parameters, the
 * X-Total-Count header, the path's {tenant}) and the decoding of a whole request against its route: every value
 * that is wrong is a 400 whose detail names the parameter.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RestError, TENANT_DETAIL, TENANT_MESSAGE, toErrorResponse } from '../src/rest/errors.js';
import {
  checkTenant,
  isTenant,
  NO_EXPAND,
  PAGE_SIZE,
  parseExpand,
  parsePageNumber,
  parsePageSize,
  parseSendPasswordResetNotifications,
  parseSort,
  parseTagList,
  singleValues,
  SORT_FIELDS,
  wantsTotalCountHeader,
} from '../src/rest/params.js';
import { decodeBody, decodeCall, decodeQuery, mediaTypeOf } from '../src/rest/request.js';
import { matchRoute, ROUTES, type Route } from '../src/rest/routes.js';
import { ROOT } from './support/built-service.js';

interface Detail {
  field: string;
  type: string;
  message: string;
}

/** The body of the error that `run` throws. */
function failure(run: () => unknown): { status: number; message: string; details?: Detail[] } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(RestError);
    const { status, body } = toErrorResponse(error);
    const { message, details } = body as { message: string; details?: Detail[] };
    return { status, message, ...(details ? { details } : {}) };
  }
  throw new Error('no error');
}

/** The one detail of a 400. */
function detail(run: () => unknown): Detail {
  const { status, details } = failure(run);
  expect(status).toBe(400);
  expect(details).toHaveLength(1);
  return details![0]!;
}

const route = (id: string): Route => ROUTES.find((r) => r.id === id)!;

describe('sort', () => {
  it('comma-separated fields, ascending unless :desc (any case); absent or empty is the default order', () => {
    expect(parseSort('lastName,metadata.createdAt:desc')).toEqual([
      { field: 'LAST_NAME', direction: 'ASC' },
      { field: 'CREATED_AT', direction: 'DESC' },
    ]);
    expect(parseSort('firstName:ASC, company:Desc ,contactEmail:asc')).toEqual([
      { field: 'FIRST_NAME', direction: 'ASC' },
      { field: 'COMPANY', direction: 'DESC' },
      { field: 'CONTACT_EMAIL', direction: 'ASC' },
    ]);
    expect(parseSort(undefined)).toBeUndefined();
    expect(parseSort('')).toBeUndefined();
  });

  it('maps every sortable REST field onto a store order field; id and customerNumber are one', () => {
    expect(parseSort('id:desc')).toEqual([{ field: 'CUSTOMER_NUMBER', direction: 'DESC' }]);
    expect(parseSort('customerNumber')).toEqual([{ field: 'CUSTOMER_NUMBER', direction: 'ASC' }]);
    expect(parseSort('metadata.modifiedAt')).toEqual([{ field: 'MODIFIED_AT', direction: 'ASC' }]);
    // Every order field of the contract's GraphQL enum is reachable from REST.
    const schema = readFileSync(join(ROOT, 'contract/schema.graphql'), 'utf8');
    const orderFields = /enum CustomerOrderField \{([^}]*)\}/.exec(schema)![1]!.trim().split(/\s+/);
    expect([...new Set(Object.values(SORT_FIELDS))].sort()).toEqual(orderFields.sort());
  });

  it('a field given twice counts once, the first time (as GraphQL orderBy)', () => {
    expect(parseSort('lastName:desc,lastName:asc,id,customerNumber:desc')).toEqual([
      { field: 'LAST_NAME', direction: 'DESC' },
      { field: 'CUSTOMER_NUMBER', direction: 'ASC' },
    ]);
  });

  it('names an object has by its prototype are no fields to sort by or parts to expand', () => {
    for (const name of ['constructor', 'toString', '__proto__']) {
      expect(detail(() => parseSort(name)).type, name).toBe('unknown_field');
      expect(detail(() => parseExpand(name)).type, name).toBe('invalid_value');
    }
  });

  it('an unknown field is a 400 naming the sortable ones', () => {
    expect(detail(() => parseSort('lastName,title'))).toEqual({
      field: 'sort',
      type: 'unknown_field',
      message:
        'cannot sort by title; sortable fields are id, customerNumber, firstName, lastName, contactEmail, company, metadata.createdAt, metadata.modifiedAt, metadataCreatedAt',
    });
    expect(detail(() => parseSort('createdAt')).type).toBe('unknown_field');
    expect(detail(() => parseSort('LastName')).type).toBe('unknown_field');
  });

  it('a direction other than asc or desc, or an empty item, is a 400', () => {
    expect(detail(() => parseSort('lastName:up'))).toEqual({
      field: 'sort',
      type: 'invalid_value',
      message: 'lastName:up: the direction is :asc or :desc',
    });
    expect(detail(() => parseSort('lastName,,firstName')).type).toBe('invalid_syntax');
    expect(detail(() => parseSort('lastName,')).type).toBe('invalid_syntax');
  });
});

describe('pageNumber and pageSize', () => {
  it('pageNumber: from 1, default 1', () => {
    expect(parsePageNumber(undefined)).toBe(1);
    expect(parsePageNumber('')).toBe(1);
    expect(parsePageNumber('7')).toBe(7);
    expect(parsePageNumber('2147483647')).toBe(2147483647);
    expect(detail(() => parsePageNumber('0'))).toEqual({
      field: 'pageNumber',
      type: 'out_of_range',
      message: 'must be at least 1',
    });
    expect(detail(() => parsePageNumber('2147483648')).type).toBe('out_of_range');
    expect(detail(() => parsePageNumber('-1'))).toEqual({
      field: 'pageNumber',
      type: 'invalid_value',
      message: 'must be a whole number, not "-1"',
    });
    expect(detail(() => parsePageNumber('1.5')).type).toBe('invalid_value');
    expect(detail(() => parsePageNumber('two')).type).toBe('invalid_value');
  });

  it('pageSize: 1..200, default 60, the same as GraphQL first', () => {
    const schema = readFileSync(join(ROOT, 'contract/schema.graphql'), 'utf8');
    expect(schema).toContain(`first: 1..${PAGE_SIZE.max}, default ${PAGE_SIZE.default}`);
    expect(parsePageSize(undefined)).toBe(60);
    expect(parsePageSize('1')).toBe(1);
    expect(parsePageSize('200')).toBe(200);
    expect(detail(() => parsePageSize('0')).type).toBe('out_of_range');
    expect(detail(() => parsePageSize(' 5')).type).toBe('invalid_value');
  });

  it('a pageSize over the cap says so', () => {
    const { status, message, details } = failure(() => parsePageSize('201'));
    expect(status).toBe(400);
    expect(message).toBe('Invalid pageSize: must be at most 200: the service returns at most 200 customers a page');
    expect(details).toEqual([
      {
        field: 'pageSize',
        type: 'out_of_range',
        message: 'must be at most 200: the service returns at most 200 customers a page',
      },
    ]);
  });
});

describe('expand', () => {
  it('addresses, accounts and mixin (the official spelling) or mixin:*, in any order', () => {
    expect(parseExpand('mixin')).toEqual(parseExpand('mixin:*'));
    expect(parseExpand(undefined)).toEqual(NO_EXPAND);
    expect(parseExpand('')).toEqual(NO_EXPAND);
    expect(parseExpand('addresses')).toEqual({ addresses: true, accounts: false, mixins: false });
    expect(parseExpand('accounts,addresses')).toEqual(parseExpand('addresses,accounts'));
    expect(parseExpand('mixin:*, accounts,addresses,accounts')).toEqual({
      addresses: true,
      accounts: true,
      mixins: true,
    });
  });

  it('anything else is a 400 naming the allowed values', () => {
    expect(detail(() => parseExpand('addresses,tags'))).toEqual({
      field: 'expand',
      type: 'invalid_value',
      message: '"tags" cannot be expanded; allowed: addresses, accounts, mixin, mixin:*',
    });
    expect(detail(() => parseExpand('mixin:loyalty')).type).toBe('invalid_value');
    expect(detail(() => parseExpand('Addresses')).type).toBe('invalid_value');
    expect(detail(() => parseExpand('addresses,')).type).toBe('invalid_syntax');
  });
});

describe('sendPasswordResetNotifications and tags', () => {
  it('sendPasswordResetNotifications: true or false in any case, default true', () => {
    expect(parseSendPasswordResetNotifications(undefined)).toBe(true);
    expect(parseSendPasswordResetNotifications('')).toBe(true);
    expect(parseSendPasswordResetNotifications('false')).toBe(false);
    expect(parseSendPasswordResetNotifications('FALSE')).toBe(false);
    expect(parseSendPasswordResetNotifications('True')).toBe(true);
    expect(detail(() => parseSendPasswordResetNotifications('0'))).toEqual({
      field: 'sendPasswordResetNotifications',
      type: 'invalid_value',
      message: 'must be true or false, not "0"',
    });
  });

  it('tags: required, comma-separated; what a tag may be is the domain rule', () => {
    expect(parseTagList('PRIMARY_CONTACT')).toEqual(['PRIMARY_CONTACT']);
    expect(parseTagList('BILLING, SHIPPING')).toEqual(['BILLING', 'SHIPPING']);
    expect(detail(() => parseTagList(undefined))).toEqual({
      field: 'tags',
      type: 'missing',
      message: 'is required: a comma-separated list of tags',
    });
    expect(detail(() => parseTagList('')).type).toBe('missing');
    expect(detail(() => parseTagList('A,,B')).type).toBe('invalid_syntax');
  });
});

describe('X-Total-Count', () => {
  it('the request header true, in any case, asks for the response header', () => {
    expect(wantsTotalCountHeader('true')).toBe(true);
    expect(wantsTotalCountHeader(' TRUE ')).toBe(true);
    expect(wantsTotalCountHeader(['true'])).toBe(true);
    expect(wantsTotalCountHeader('false')).toBe(false);
    expect(wantsTotalCountHeader('1')).toBe(false);
    expect(wantsTotalCountHeader(undefined)).toBe(false);
  });
});

describe('the path {tenant}', () => {
  it('3 to 16 characters: a lowercase letter, then lowercase letters or digits', () => {
    for (const tenant of ['abc', 'demo', 'a2c', 'abcdefghijklmnop']) expect(isTenant(tenant), tenant).toBe(true);
    for (const tenant of ['ab', 'abcdefghijklmnopq', '1abc', 'Abc', 'ab-c', 'ab_c', 'abc ', '']) {
      expect(isTenant(tenant), tenant).toBe(false);
    }
  });

  it("must be the token's tenant; either way the answer is REST.md's 400", () => {
    expect(() => checkTenant('demo', 'demo')).not.toThrow();
    for (const [path, token] of [
      ['other', 'demo'],
      ['Demo', 'demo'],
      ['de', 'de'],
    ]) {
      expect(failure(() => checkTenant(path!, token!))).toEqual({
        status: 400,
        message: TENANT_MESSAGE,
        details: [TENANT_DETAIL],
      });
    }
    expect(toErrorResponse(catchOf(() => checkTenant('x', 'demo'))).body).toEqual({
      status: 400,
      type: 'bad_request',
      message: 'The tenant information provided with the request is not valid.',
      details: [
        {
          field: 'tenant',
          type: 'invalid_value',
          message: "the path's {tenant} must be the tenant the token was issued for, in lowercase",
        },
      ],
    });
  });
});

function catchOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('query parameters of an endpoint', () => {
  it('each at most once, but a list parameter, whose repetitions mean its comma-separated form', () => {
    expect(singleValues(new URLSearchParams('pageSize=10'), ['pageSize'])).toEqual({ pageSize: '10' });
    expect(detail(() => singleValues(new URLSearchParams('pageSize=10&pageSize=20'), ['pageSize']))).toEqual({
      field: 'pageSize',
      type: 'invalid_value',
      message: 'is given more than once',
    });
    expect(
      detail(() => singleValues(new URLSearchParams('pageSize=10&pageSize=20'), ['pageSize', 'sort'], ['sort'])),
    ).toMatchObject({
      field: 'pageSize',
      message: "is given more than once (of this endpoint's, only sort may repeat)",
    });
    expect(
      decodeQuery(
        route('listCustomers'),
        new URLSearchParams('expand=accounts&expand=mixin&sort=lastName&sort=id:desc'),
      ),
    ).toMatchObject({
      expand: { addresses: false, accounts: true, mixins: true },
      sort: [
        { field: 'LAST_NAME', direction: 'ASC' },
        { field: 'CUSTOMER_NUMBER', direction: 'DESC' },
      ],
    });
  });

  it('only those the endpoint takes: others are a 400 naming the ones it does', () => {
    const { status, message, details } = failure(() =>
      decodeQuery(route('listCustomers'), new URLSearchParams('pagesize=10&x=1')),
    );
    expect(status).toBe(400);
    expect(message).toBe(
      'Unknown query parameters pagesize, x; this endpoint takes q, sort, pageNumber, pageSize, expand.',
    );
    expect(details).toEqual([
      {
        field: 'pagesize',
        type: 'unknown_field',
        message: 'is not a parameter of this endpoint; this endpoint takes q, sort, pageNumber, pageSize, expand',
      },
      {
        field: 'x',
        type: 'unknown_field',
        message: 'is not a parameter of this endpoint; this endpoint takes q, sort, pageNumber, pageSize, expand',
      },
    ]);
    expect(detail(() => decodeQuery(route('getAddress'), new URLSearchParams('expand=addresses')))).toMatchObject({
      field: 'expand',
      message: 'is not a parameter of this endpoint; this endpoint takes none',
    });
  });

  it('decoded into their typed values, defaults filled in', () => {
    expect(decodeQuery(route('listCustomers'), new URLSearchParams())).toEqual({
      q: [],
      sort: undefined,
      pageNumber: 1,
      pageSize: 60,
      expand: NO_EXPAND,
    });
    expect(
      decodeQuery(
        route('listCustomers'),
        new URLSearchParams('q=lastName:Doe+active:true&sort=lastName:desc&pageNumber=2&pageSize=10&expand=accounts'),
      ),
    ).toEqual({
      q: [
        { field: 'lastName', op: 'eq', value: 'Doe' },
        { field: 'active', op: 'eq', value: true },
      ],
      sort: [{ field: 'LAST_NAME', direction: 'DESC' }],
      pageNumber: 2,
      pageSize: 10,
      expand: { addresses: false, accounts: true, mixins: false },
    });
    expect(decodeQuery(route('createCustomer'), new URLSearchParams('sendPasswordResetNotifications=false'))).toEqual({
      sendPasswordResetNotifications: false,
    });
    expect(decodeQuery(route('addAddressTags'), new URLSearchParams('tags=A,B'))).toEqual({ tags: ['A', 'B'] });
    expect(detail(() => decodeQuery(route('removeAddressTags'), new URLSearchParams()))).toMatchObject({
      field: 'tags',
      type: 'missing',
    });
    expect(detail(() => decodeQuery(route('listCustomers'), new URLSearchParams('q=nick:x'))).field).toBe('q');
  });
});

describe('request bodies', () => {
  it('the media type of Content-Type', () => {
    expect(mediaTypeOf('application/json; charset=utf-8')).toBe('application/json');
    expect(mediaTypeOf(' Application/JSON ')).toBe('application/json');
    expect(mediaTypeOf('')).toBeUndefined();
    expect(mediaTypeOf(undefined)).toBeUndefined();
  });

  it('JSON for POST; PUT and PATCH take application/merge-patch+json too', () => {
    const create = route('createCustomer');
    expect(decodeBody(create, 'application/json', '{"lastName":"Doe"}')).toEqual({ lastName: 'Doe' });
    expect(decodeBody(create, 'application/json;charset=UTF-8', '{}')).toEqual({});
    for (const id of ['upsertCustomer', 'patchCustomer', 'upsertAddress', 'patchAddress']) {
      const body = id.includes('Address') ? '{"contactName":"J","country":"DE"}' : '{"active":true}';
      expect(decodeBody(route(id), 'application/merge-patch+json', body), id).toBeTypeOf('object');
      expect(decodeBody(route(id), 'application/json', body), id).toBeTypeOf('object');
    }
  });

  it('another media type or charset is a 415 naming the accepted ones', () => {
    const unsupported = (id: string, type: string | undefined) => failure(() => decodeBody(route(id), type, '{}'));
    expect(unsupported('createCustomer', 'application/merge-patch+json')).toEqual({
      status: 415,
      message: 'The request body must be application/json.',
    });
    expect(unsupported('createCustomer', 'text/plain')).toMatchObject({ status: 415 });
    expect(unsupported('createCustomer', undefined)).toMatchObject({ status: 415 });
    expect(unsupported('createCustomer', 'application/json; charset=latin1')).toMatchObject({ status: 415 });
    expect(unsupported('patchCustomer', 'application/xml')).toEqual({
      status: 415,
      message: 'The request body must be application/json or application/merge-patch+json.',
    });
  });

  it('a missing body, or one that is not JSON, is a 400', () => {
    expect(detail(() => decodeBody(route('createCustomer'), 'application/json', ''))).toEqual({
      field: 'body',
      type: 'missing',
      message: 'is required',
    });
    expect(detail(() => decodeBody(route('createCustomer'), 'application/json', '{"a":'))).toMatchObject({
      field: 'body',
      type: 'invalid_syntax',
      message: expect.stringMatching(/^is not valid JSON: /),
    });
    expect(detail(() => decodeBody(route('searchCustomers'), 'application/json', '[]'))).toEqual({
      field: 'body',
      type: 'invalid_value',
      message: 'must be a JSON object',
    });
  });

  it('endpoints without a body ignore one', () => {
    expect(decodeBody(route('addAddressTags'), 'text/plain', 'anything')).toBeUndefined();
  });

  it('a whole request: path parameters, query, body, X-Total-Count', () => {
    const match = matchRoute('POST', '/customer/demo/customers/search');
    if (!match.ok) throw match.error;
    const call = decodeCall(match, {
      search: new URLSearchParams('pageSize=5&expand=mixin:*'),
      headers: { 'content-type': 'application/json', 'x-total-count': 'true' },
      body: '{"q":"company:~mpor"}',
    });
    expect(call).toEqual({
      route: route('searchCustomers'),
      params: { tenant: 'demo' },
      query: {
        q: [],
        sort: undefined,
        pageNumber: 1,
        pageSize: 5,
        expand: { addresses: false, accounts: false, mixins: true },
      },
      body: { q: 'company:~mpor' },
      totalCountHeader: true,
    });

    const address = matchRoute('PATCH', '/customer/demo/customers/C%2F1/addresses/a1');
    if (!address.ok) throw address.error;
    expect(
      decodeCall(address, {
        search: new URLSearchParams(),
        headers: { 'content-type': 'application/merge-patch+json' },
        body: '{"city":null}',
      }),
    ).toMatchObject({
      params: { tenant: 'demo', customerNumber: 'C/1', addressId: 'a1' },
      body: { city: null },
      totalCountHeader: false,
    });
  });
});
