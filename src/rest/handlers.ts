/**
 * The 16 endpoints on the domain and the store contract, with GraphQL's rules: the same domain functions, the reach
 * of the same scope table (src/auth/scopes.ts), the same read path for nested rows (one batched statement per kind
 * of row for a whole page). A write is one transaction, whose reads the answer comes from; a read runs on the
 * store's reads, as a GraphQL query does.
 */
import { reachFor, type Caller, type Permission } from '../auth/scopes.js';
import { notFound } from '../domain/errors.js';
import type { Domain } from '../domain/index.js';
import { numberedPage } from '../domain/rest-list.js';
import { isAddressId } from '../domain/validation.js';
import type { Account, Address, Customer, Membership, Reach, Store, StoreReads } from '../domain/store.js';
import { forbidden, type RestResponse } from './errors.js';
import { filterOfQ } from './list.js';
import { NO_EXPAND, type Expand } from './params.js';
import { parseQ, type Condition } from './q.js';
import {
  addressJson,
  customerJson,
  toAddressInput,
  toAddressPatch,
  toAddressReplacement,
  toCustomerChanges,
  toCustomerCreate,
  type CustomerJson,
} from './representation.js';
import type { RestCall, RestHandlers, RouteById } from './routes.js';

export interface RestContext {
  readonly caller: Caller;
  readonly store: Store;
  readonly domain: Domain;
}

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };
const json = (status: number, body: unknown, headers: Record<string, string> = {}): RestResponse => ({
  status,
  headers: { ...JSON_TYPE, ...headers },
  body,
});
const empty = (status: number): RestResponse => ({ status, headers: {} });

/** The reach of the permission; the server has checked the route's permissions before dispatching. */
function reach(ctx: RestContext, permission: Permission): Reach {
  const found = reachFor(ctx.caller, permission);
  if (!found) throw forbidden(permission);
  return found;
}

const mayReadAddresses = (ctx: RestContext) => reachFor(ctx.caller, 'readAddresses') !== undefined;

function groupByCustomer<R extends { customerPk: number }>(rows: readonly R[]): Map<number, R[]> {
  const groups = new Map<number, R[]>();
  for (const row of rows) {
    const group = groups.get(row.customerPk);
    if (group) group.push(row);
    else groups.set(row.customerPk, [row]);
  }
  return groups;
}

/**
 * The customers as JSON with what their answer shows: memberships always, addresses when the token may read them
 * (for defaultAddress, and expand=addresses), accounts for expand=accounts. One statement per kind of row, whatever
 * the number of customers; rows a customer reached are followed in its whole tenant, as GraphQL's loaders do.
 */
async function customersJson(
  ctx: RestContext,
  reads: StoreReads,
  rows: readonly Customer[],
  expand: Expand,
): Promise<CustomerJson[]> {
  if (rows.length === 0) return [];
  const tenant: Reach = { tenant: ctx.caller.tenant };
  const pks = rows.map((row) => row.pk);
  const withAddresses = mayReadAddresses(ctx);
  const [memberships, addresses, accounts] = await Promise.all([
    reads.legalEntities.membershipsByCustomerPks(tenant, pks),
    withAddresses ? reads.addresses.byCustomerPks(tenant, pks) : undefined,
    expand.accounts ? reads.accounts.byCustomerPks(tenant, pks) : undefined,
  ]);
  const membershipsOf = groupByCustomer<Membership>(memberships);
  const addressesOf = addresses && groupByCustomer<Address>(addresses);
  const accountsOf = accounts && groupByCustomer<Account>(accounts);
  return rows.map((row) =>
    customerJson(
      row,
      {
        memberships: membershipsOf.get(row.pk) ?? [],
        addresses: addressesOf && (addressesOf.get(row.pk) ?? []),
        accounts: accountsOf && (accountsOf.get(row.pk) ?? []),
      },
      expand,
    ),
  );
}

type ListCall = RestCall<RouteById<'listCustomers'>> | RestCall<RouteById<'searchCustomers'>>;

async function list(ctx: RestContext, call: ListCall, conditions: readonly Condition[]): Promise<RestResponse> {
  const reads = ctx.store.reads;
  const page = await numberedPage(reads, reach(ctx, 'read'), {
    filter: filterOfQ(conditions),
    order: call.query.sort,
    pageNumber: call.query.pageNumber,
    pageSize: call.query.pageSize,
  });
  const [body, count] = await Promise.all([customersJson(ctx, reads, page.rows, call.query.expand), page.count()]);
  const headers: Record<string, string> = { count: String(count) };
  if (call.totalCountHeader) headers['x-total-count'] = String(count);
  return json(200, body, headers);
}

export function createRestHandlers(): RestHandlers<RestContext> {
  return {
    listCustomers: (ctx, call) => list(ctx, call, call.query.q),

    searchCustomers: (ctx, call) => list(ctx, call, parseQ(call.body.q ?? '')),

    async createCustomer(ctx, call) {
      const row = await ctx.store.transaction((tx) =>
        ctx.domain.customers.create(tx, reach(ctx, 'create'), toCustomerCreate(call.body), {
          sendPasswordResetNotifications: call.query.sendPasswordResetNotifications,
        }),
      );
      return json(201, { id: row.customerNumber });
    },

    async upsertCustomer(ctx, call) {
      const { changes, expectedVersion } = toCustomerChanges(call.body, call.params.customerNumber);
      const { customer, created } = await ctx.store.transaction((tx) =>
        ctx.domain.customers.upsert(tx, reach(ctx, 'update'), call.params.customerNumber, changes, expectedVersion),
      );
      return created ? json(201, { id: customer.customerNumber }) : empty(204);
    },

    async patchCustomer(ctx, call) {
      const { changes, expectedVersion } = toCustomerChanges(call.body, call.params.customerNumber);
      const body = await ctx.store.transaction(async (tx) => {
        const row = await ctx.domain.customers.patch(
          tx,
          reach(ctx, 'update'),
          call.params.customerNumber,
          changes,
          expectedVersion,
        );
        return (await customersJson(ctx, tx, [row], NO_EXPAND))[0];
      });
      return json(200, body);
    },

    async getCustomer(ctx, call) {
      const reads = ctx.store.reads;
      const row = await ctx.domain.customers.get(reads, reach(ctx, 'read'), call.params.customerNumber);
      return json(200, (await customersJson(ctx, reads, [row], call.query.expand))[0]);
    },

    async deleteCustomer(ctx, call) {
      await ctx.store.transaction((tx) =>
        ctx.domain.customers.delete(tx, reach(ctx, 'delete'), call.params.customerNumber),
      );
      return empty(202);
    },

    async assignAccount(ctx, call) {
      await ctx.store.transaction((tx) =>
        ctx.domain.customers.assignAccount(tx, reach(ctx, 'manageParts'), call.params.customerNumber, call.body.email),
      );
      return json(201, { id: call.params.customerNumber });
    },

    async listAddresses(ctx, call) {
      const reads = ctx.store.reads;
      const customer = await ctx.domain.customers.get(reads, reach(ctx, 'readAddresses'), call.params.customerNumber);
      const rows = await reads.addresses.byCustomerPks({ tenant: ctx.caller.tenant }, [customer.pk]);
      return json(200, rows.map(addressJson));
    },

    async addAddress(ctx, call) {
      const row = await ctx.store.transaction((tx) =>
        ctx.domain.addresses.add(tx, reach(ctx, 'manageParts'), call.params.customerNumber, toAddressInput(call.body)),
      );
      return json(201, { id: row.id });
    },

    async upsertAddress(ctx, call) {
      const { customerNumber, addressId } = call.params;
      const { address, created } = await ctx.store.transaction((tx) =>
        ctx.domain.addresses.upsert(
          tx,
          reach(ctx, 'manageParts'),
          customerNumber,
          addressId,
          toAddressReplacement(call.body),
        ),
      );
      return created ? json(201, { id: address.id }) : empty(204);
    },

    async patchAddress(ctx, call) {
      const { customerNumber, addressId } = call.params;
      const row = await ctx.store.transaction((tx) =>
        ctx.domain.addresses.patch(
          tx,
          reach(ctx, 'manageParts'),
          customerNumber,
          addressId,
          toAddressPatch(call.body, addressId),
        ),
      );
      return json(200, addressJson(row));
    },

    async getAddress(ctx, call) {
      const { customerNumber, addressId } = call.params;
      const reads = ctx.store.reads;
      const customer = await ctx.domain.customers.get(reads, reach(ctx, 'readAddresses'), customerNumber);
      // An id that no address can have is looked up nowhere, as the domain does.
      const row = isAddressId(addressId)
        ? (await reads.addresses.byIds({ tenant: ctx.caller.tenant }, [addressId]))[0]
        : undefined;
      if (!row || row.customerPk !== customer.pk) {
        // The domain's words for an address that is not this customer's.
        throw notFound(`Address ${addressId} of customer ${customerNumber}`);
      }
      return json(200, addressJson(row));
    },

    async deleteAddress(ctx, call) {
      const { customerNumber, addressId } = call.params;
      await ctx.store.transaction((tx) =>
        ctx.domain.addresses.delete(tx, reach(ctx, 'manageParts'), customerNumber, addressId),
      );
      return empty(204);
    },

    async addAddressTags(ctx, call) {
      const { customerNumber, addressId } = call.params;
      await ctx.store.transaction((tx) =>
        ctx.domain.addresses.addTags(tx, reach(ctx, 'manageParts'), customerNumber, addressId, call.query.tags),
      );
      return empty(204);
    },

    async removeAddressTags(ctx, call) {
      const { customerNumber, addressId } = call.params;
      await ctx.store.transaction((tx) =>
        ctx.domain.addresses.removeTags(tx, reach(ctx, 'manageParts'), customerNumber, addressId, call.query.tags),
      );
      return empty(204);
    },
  };
}
