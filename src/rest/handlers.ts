/**
 * The 16 endpoints: each performs its operation of the operation table (src/operations), as its GraphQL twin does,
 * and answers in REST's terms. Customers are read on the same batched read path as GraphQL's (one statement per kind
 * of row for a whole page, the parts brought along where the store does), and show only the fields the caller may
 * read (src/operations/fields.ts).
 */
import { notFound } from '../domain/errors.js';
import type { Customer, CustomerParts } from '../domain/store.js';
import { CUSTOMER_FIELDS } from '../operations/fields.js';
import { addressJson, type CustomerJson, customerJson } from '../domain/representation.js';
import { perform, type Session } from '../operations/index.js';
import type { RestResponse } from './errors.js';
import { filterOfQ } from './list.js';
import { type Expand, NO_EXPAND } from './params.js';
import { type Condition, parseQ } from './q.js';
import {
  toAddressInput,
  toAddressPatch,
  toAddressReplacement,
  toCustomerChanges,
  toCustomerCreate,
} from './representation.js';
import type { RestCall, RestHandlers, RouteById } from './routes.js';

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };
const json = (status: number, body: unknown, headers: Record<string, string> = {}): RestResponse => ({
  status,
  headers: { ...JSON_TYPE, ...headers },
  body,
});
const empty = (status: number): RestResponse => ({ status, headers: {} });

/**
 * The parts of a customer that its answer shows: its memberships always (businessModel), the others as allowed
 * (its addresses for defaultAddress, its accounts for email).
 */
const partsShown = (session: Session, expand: Expand): CustomerParts => ({
  memberships: true,
  addresses: expand.addresses || session.may(CUSTOMER_FIELDS.defaultAddress),
  accounts: expand.accounts || session.may(CUSTOMER_FIELDS.accounts),
});

/** A customer as JSON, with only what the caller may read, its parts from the request's loaders. */
async function customerAnswer(session: Session, row: Customer, expand: Expand): Promise<CustomerJson> {
  const shown = partsShown(session, expand);
  const { loaders } = session;
  const [memberships, addresses, accounts] = await Promise.all([
    loaders.membershipsOf(row),
    shown.addresses ? loaders.addressesOf(row) : undefined,
    shown.accounts ? loaders.accountsOf(row) : undefined,
  ]);
  const may = {
    b2b: session.may(CUSTOMER_FIELDS.b2b),
    defaultAddress: session.may(CUSTOMER_FIELDS.defaultAddress),
    accounts: session.may(CUSTOMER_FIELDS.accounts),
  };
  return customerJson(row, { memberships, addresses, accounts }, expand, may);
}

type ListCall = RestCall<RouteById<'listCustomers'>> | RestCall<RouteById<'searchCustomers'>>;

async function list(session: Session, call: ListCall, conditions: readonly Condition[]): Promise<RestResponse> {
  const { expand } = call.query;
  const page = await perform(session, 'customerPage', {
    filter: filterOfQ(conditions),
    order: call.query.sort,
    pageNumber: call.query.pageNumber,
    pageSize: call.query.pageSize,
    parts: partsShown(session, expand),
  });
  const [body, count] = await Promise.all([
    Promise.all(page.rows.map((row) => customerAnswer(session, row, expand))),
    page.count(),
  ]);
  const headers: Record<string, string> = { count: String(count) };
  if (call.totalCountHeader) headers['x-total-count'] = String(count);
  return json(200, body, headers);
}

export function createRestHandlers(): RestHandlers<Session> {
  return {
    listCustomers: (session, call) => list(session, call, call.query.q),

    searchCustomers: (session, call) => list(session, call, [...call.query.q, ...parseQ(call.body.q ?? '')]),

    async createCustomer(session, call) {
      const row = await perform(session, 'createCustomer', {
        input: toCustomerCreate(call.body),
        sendPasswordResetNotifications: call.query.sendPasswordResetNotifications,
      });
      return json(201, { id: row.customerNumber });
    },

    async upsertCustomer(session, call) {
      const { customerNumber } = call.params;
      const { changes, expectedVersion } = toCustomerChanges(call.body, customerNumber);
      const { customer, created } = await perform(session, 'upsertCustomer', {
        customerNumber,
        input: changes,
        expectedVersion,
      });
      return created ? json(201, { id: customer.customerNumber }) : empty(204);
    },

    async patchCustomer(session, call) {
      const { customerNumber } = call.params;
      const { changes, expectedVersion } = toCustomerChanges(call.body, customerNumber);
      const row = await perform(session, 'patchCustomer', { customerNumber, input: changes, expectedVersion });
      return json(200, await customerAnswer(session, row, NO_EXPAND));
    },

    async getCustomer(session, call) {
      const { customerNumber } = call.params;
      const { expand } = call.query;
      const row = await perform(session, 'customer', { customerNumber, parts: partsShown(session, expand) });
      if (!row) throw notFound(`Customer ${customerNumber}`);
      return json(200, await customerAnswer(session, row, expand));
    },

    async deleteCustomer(session, call) {
      await perform(session, 'deleteCustomer', call.params);
      return empty(202);
    },

    async assignAccount(session, call) {
      const { customerNumber } = call.params;
      await perform(session, 'assignCustomerAccount', {
        customerNumber,
        email: call.body.email,
        sendPasswordResetNotifications: call.query.sendPasswordResetNotifications,
      });
      return json(201, { id: customerNumber });
    },

    async listAddresses(session, call) {
      const rows = await perform(session, 'customerAddresses', call.params);
      if (!rows) throw notFound(`Customer ${call.params.customerNumber}`);
      return json(200, rows.map(addressJson));
    },

    async addAddress(session, call) {
      const { customerNumber } = call.params;
      const row = await perform(session, 'addCustomerAddress', { customerNumber, input: toAddressInput(call.body) });
      return json(201, { id: row.id });
    },

    async upsertAddress(session, call) {
      const { input, expectedVersion } = toAddressReplacement(call.body);
      const { address, created } = await perform(session, 'upsertCustomerAddress', {
        ...call.params,
        input,
        expectedVersion,
      });
      return created ? json(201, { id: address.id }) : empty(204);
    },

    async patchAddress(session, call) {
      const { addressId } = call.params;
      const { input, expectedVersion } = toAddressPatch(call.body, addressId);
      const row = await perform(session, 'patchCustomerAddress', { ...call.params, input, expectedVersion });
      return json(200, addressJson(row));
    },

    async getAddress(session, call) {
      const row = await perform(session, 'customerAddress', call.params);
      // The domain's words for an address that is not this customer's.
      if (!row) throw notFound(`Address ${call.params.addressId} of customer ${call.params.customerNumber}`);
      return json(200, addressJson(row));
    },

    async deleteAddress(session, call) {
      await perform(session, 'deleteCustomerAddress', call.params);
      return empty(204);
    },

    async addAddressTags(session, call) {
      await perform(session, 'addCustomerAddressTags', { ...call.params, tags: call.query.tags });
      return empty(204);
    },

    async removeAddressTags(session, call) {
      await perform(session, 'removeCustomerAddressTags', { ...call.params, tags: call.query.tags });
      return empty(204);
    },
  };
}
