/**
 * The operations both doors serve, each once: the permission it asks of the caller's token, and what it does with
 * the reach that permission gives (a read on the request's batched read path, or a write in the request's
 * transaction). A GraphQL field and a REST route name an operation here; neither writes a permission or a domain
 * call of its own, so the two cannot disagree.
 */
import type { Permission } from '../auth/scopes.js';
import type { CustomerListRequest, NumberedPageRequest } from '../domain/customer-list.js';
import { type EventPageArgs, eventPage, type FollowArgs, followEvents } from '../domain/events.js';
import type { Address, CustomerParts, DeliveryStatus, Reach, Transaction, WebhookEndpoint } from '../domain/store.js';
import { isAddressId, isCustomerNumber } from '../domain/validation.js';
import type { Session } from './session.js';

export type { Session } from './session.js';
export { createSession } from './session.js';

interface Read<A, R> {
  readonly permission: Permission;
  readonly write?: false;
  run(session: Session, reach: Reach, args: A): Promise<R> | R;
}
interface Write<A, R> {
  readonly permission: Permission;
  readonly write: true;
  run(session: Session, tx: Transaction, reach: Reach, args: A): Promise<R>;
}

const read = <A, R>(permission: Permission, run: Read<A, R>['run']): Read<A, R> => ({ permission, run });
const write = <A, R>(permission: Permission, run: Write<A, R>['run']): Write<A, R> => ({
  permission,
  write: true,
  run,
});

interface CustomerArgs {
  customerNumber: string;
}
interface AddressArgs extends CustomerArgs {
  addressId: string;
}
interface ChangeArgs extends CustomerArgs {
  input: unknown;
  expectedVersion?: number | null | undefined;
}

/** The customer within reach (with the parts asked for, brought along where the store does), else null. */
function customer(session: Session, reach: Reach, customerNumber: string, parts?: CustomerParts) {
  // A number that no customer can have is looked up nowhere.
  return isCustomerNumber(customerNumber) ? session.loaders.customerByNumber(reach, parts).load(customerNumber) : null;
}

/** The address of a customer within reach, else null: another customer's address is as missing as none. */
async function address(session: Session, reach: Reach, { customerNumber, addressId }: AddressArgs) {
  if (!isAddressId(addressId)) return null;
  const [owner, found] = await Promise.all([
    customer(session, reach, customerNumber),
    session.loaders.addressById.load(addressId),
  ]);
  return owner && found?.customerPk === owner.pk ? found : null;
}

/** The longest a timer can wait (setTimeout fires at once beyond it). */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

/** `stopped`, or the moment `expiresAt` passes, whichever comes first. */
function untilExpiry(stopped: Promise<unknown>, expiresAt: number | undefined): Promise<unknown> {
  if (expiresAt === undefined) return stopped;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise((resolve) => {
    timer = setTimeout(resolve, Math.min(Math.max(0, expiresAt - Date.now()), LONGEST_TIMER_MS));
  });
  void stopped.then(() => clearTimeout(timer));
  return Promise.race([stopped, expired]);
}

export const OPERATIONS = {
  customer: read('read', (s, reach, a: CustomerArgs & { parts?: CustomerParts }) =>
    customer(s, reach, a.customerNumber, a.parts),
  ),
  /** The caller itself (a customer token): a customer always sees itself, whatever company it is in. */
  me: read('read', (s, _reach, a: { parts?: CustomerParts }) => {
    const self = s.caller?.customerId;
    return self ? customer(s, s.tenantReach(), self, a.parts) : null;
  }),
  /** A page of the customers within reach, keyset-paginated (GraphQL's connection). */
  customers: read('read', (s, reach, a: CustomerListRequest & { parts?: CustomerParts }) =>
    s.domain.customerList.page(s.reads(), reach, a, a.parts),
  ),
  /** A page of the customers within reach by page number (REST's lists). */
  customerPage: read('read', (s, reach, a: NumberedPageRequest & { parts?: CustomerParts }) =>
    s.domain.customerList.numberedPage(s.reads(), reach, a, a.parts),
  ),
  customerAddress: read('readAddresses', (s, reach, a: AddressArgs) => address(s, reach, a)),
  /** An address by its id alone (a federation entity): only when its customer is within reach. */
  address: read('readAddresses', async (s, reach, a: { addressId: string }) => {
    const found = isAddressId(a.addressId) ? await s.loaders.addressById.load(a.addressId) : null;
    return found && (await s.loaders.customerByPk(reach).load(found.customerPk)) ? found : null;
  }),
  /**
   * A legal entity by id (a federation entity), seen on its own: tenant-wide readers reach every legal entity of the
   * tenant, an own-scope customer token only its own company (the entities its reach is built from).
   */
  legalEntity: read('read', async (s, reach, a: { legalEntityId: string }) => {
    const entity = await s.loaders.legalEntityById.load(a.legalEntityId);
    if (!entity || !reach.company) return entity;
    const { customerNumber, legalEntityId: named } = reach.company;
    if (named && named !== entity.id) return null;
    const self = await customer(s, s.tenantReach(), customerNumber);
    const memberships = self ? await s.loaders.membershipsOf(self) : [];
    return memberships.some((membership) => membership.legalEntity.id === entity.id) ? entity : null;
  }),
  /** A customer's addresses, default first; null when the customer is not within reach. */
  customerAddresses: read('readAddresses', async (s, reach, a: CustomerArgs): Promise<Address[] | null> => {
    const owner = await customer(s, reach, a.customerNumber);
    return owner && s.loaders.addressesOf(owner);
  }),

  /** A page of the tenant's event log (own-scope callers: their company's customers' events). */
  customerEvents: read('read', (s, reach, a: EventPageArgs) => eventPage(s.reads(), reach, a)),
  /**
   * The events as they commit, after the cursor first: what the subscription streams until `stopped` settles, or
   * the caller's token expires (a client goes on from its last cursor with a fresh one).
   */
  followCustomerEvents: read('read', (s, reach, a: FollowArgs & { stopped: Promise<unknown> }) =>
    followEvents({ reads: s.reads(), onEvents: s.onEvents }, reach, a, untilExpiry(a.stopped, s.caller?.expiresAt)),
  ),
  webhookEndpoints: read('readWebhooks', (s, reach) => s.domain.webhooks.endpoints(s.reads(), reach)),
  webhookEndpoint: read('readWebhooks', (s, reach, a: { id: string }) =>
    s.domain.webhooks.endpoint(s.reads(), reach, a.id),
  ),
  /** A page of an endpoint's deliveries, each with its event. */
  webhookDeliveries: read(
    'readWebhooks',
    async (
      s,
      reach,
      a: { endpoint: WebhookEndpoint; first: number; after?: string | null; status?: DeliveryStatus | null },
    ) => {
      const page = await s.domain.webhooks.deliveries(s.reads(), reach, a.endpoint, a);
      const events = await s.reads().events.byPks(reach, [...new Set(page.deliveries.map((d) => d.eventPk))]);
      const eventOf = new Map(events.map((event) => [event.position.pk, event]));
      return {
        hasNextPage: page.hasNextPage,
        deliveries: page.deliveries.flatMap((delivery) => {
          const event = eventOf.get(delivery.eventPk);
          return event ? [{ delivery, event, endpoint: a.endpoint }] : [];
        }),
      };
    },
  ),

  createWebhookEndpoint: write('manageWebhooks', (s, tx, reach, a: { input: unknown }) =>
    s.domain.webhooks.create(tx, reach, a.input),
  ),
  updateWebhookEndpoint: write('manageWebhooks', (s, tx, reach, a: { id: string; input: unknown }) =>
    s.domain.webhooks.update(tx, reach, a.id, a.input),
  ),
  deleteWebhookEndpoint: write('manageWebhooks', (s, tx, reach, a: { id: string }) =>
    s.domain.webhooks.delete(tx, reach, a.id),
  ),
  rotateWebhookSecret: write('manageWebhooks', (s, tx, reach, a: { id: string }) =>
    s.domain.webhooks.rotateSecret(tx, reach, a.id),
  ),
  redeliverWebhookEvent: write('manageWebhooks', async (s, tx, reach, a: { endpointId: string; eventId: string }) => {
    const delivery = await s.domain.webhooks.redeliver(tx, reach, a.endpointId, a.eventId);
    const [event] = await tx.events.byPks(reach, [delivery.eventPk]);
    const [endpoint] = await tx.webhooks.endpointsByIds(reach, [a.endpointId]);
    return { delivery, event: event!, endpoint: endpoint! };
  }),

  createCustomer: write('create', (s, tx, reach, a: { input: unknown; sendPasswordResetNotifications: boolean }) =>
    s.domain.customers.create(tx, reach, a.input, { sendPasswordResetNotifications: a.sendPasswordResetNotifications }),
  ),
  upsertCustomer: write('update', (s, tx, reach, a: ChangeArgs) =>
    s.domain.customers.upsert(tx, reach, a.customerNumber, a.input, a.expectedVersion),
  ),
  patchCustomer: write('update', (s, tx, reach, a: ChangeArgs) =>
    s.domain.customers.patch(tx, reach, a.customerNumber, a.input, a.expectedVersion),
  ),
  deleteCustomer: write('delete', (s, tx, reach, a: CustomerArgs) =>
    s.domain.customers.delete(tx, reach, a.customerNumber),
  ),
  assignCustomerAccount: write(
    'manageParts',
    (s, tx, reach, a: CustomerArgs & { email: unknown; sendPasswordResetNotifications: boolean }) =>
      s.domain.customers.assignAccount(tx, reach, a.customerNumber, a.email, {
        sendPasswordResetNotifications: a.sendPasswordResetNotifications,
      }),
  ),
  addCustomerAddress: write('manageParts', (s, tx, reach, a: CustomerArgs & { input: unknown }) =>
    s.domain.addresses.add(tx, reach, a.customerNumber, a.input),
  ),
  updateCustomerAddress: write('manageParts', (s, tx, reach, a: AddressArgs & ChangeArgs) =>
    s.domain.addresses.update(tx, reach, a.customerNumber, a.addressId, a.input, a.expectedVersion),
  ),
  /** Replaces the address, or adds it under this id when the customer has none such (REST's PUT). */
  upsertCustomerAddress: write('manageParts', (s, tx, reach, a: AddressArgs & ChangeArgs) =>
    s.domain.addresses.upsert(tx, reach, a.customerNumber, a.addressId, a.input, a.expectedVersion),
  ),
  patchCustomerAddress: write('manageParts', (s, tx, reach, a: AddressArgs & ChangeArgs) =>
    s.domain.addresses.patch(tx, reach, a.customerNumber, a.addressId, a.input, a.expectedVersion),
  ),
  deleteCustomerAddress: write('manageParts', (s, tx, reach, a: AddressArgs) =>
    s.domain.addresses.delete(tx, reach, a.customerNumber, a.addressId),
  ),
  addCustomerAddressTags: write('manageParts', (s, tx, reach, a: AddressArgs & { tags: unknown }) =>
    s.domain.addresses.addTags(tx, reach, a.customerNumber, a.addressId, a.tags),
  ),
  removeCustomerAddressTags: write('manageParts', (s, tx, reach, a: AddressArgs & { tags: unknown }) =>
    s.domain.addresses.removeTags(tx, reach, a.customerNumber, a.addressId, a.tags),
  ),
} as const;

export type OperationName = keyof typeof OPERATIONS;
type Operation = (typeof OPERATIONS)[OperationName];
export type ArgsOf<N extends OperationName> = (typeof OPERATIONS)[N] extends
  | Read<infer A, unknown>
  | Write<infer A, unknown>
  ? A
  : never;
type ResultOf<N extends OperationName> = (typeof OPERATIONS)[N] extends Read<unknown, infer R> | Write<unknown, infer R>
  ? R
  : never;

/** The permission an operation asks of the caller's token: what a GraphQL field's scope and a route's check say. */
export const permissionOf = (name: OperationName): Permission => OPERATIONS[name].permission;

/** Runs the operation for the session's caller: within the reach of its permission, a write in the transaction. */
export async function perform<N extends OperationName>(
  session: Session,
  name: N,
  args: ArgsOf<N>,
): Promise<Awaited<ResultOf<N>>> {
  const operation: Operation = OPERATIONS[name];
  const reach = session.reach(operation.permission);
  if (operation.write) {
    const run = operation.run as Write<ArgsOf<N>, ResultOf<N>>['run'];
    return session.write((tx) => run(session, tx, reach, args)) as Promise<Awaited<ResultOf<N>>>;
  }
  const run = operation.run as Read<ArgsOf<N>, ResultOf<N>>['run'];
  return (await run(session, reach, args)) as Awaited<ResultOf<N>>;
}
