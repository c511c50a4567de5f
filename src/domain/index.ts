/**
 * The Customer Service's rules, independent of GraphQL and HTTP: what the GraphQL layer (or any other) calls, handing
 * each call the store reads or the transaction it works on (src/domain/store.ts).
 */
import { createAddressService } from './addresses.js';
import { createCustomerList } from './customer-list.js';
import { createCustomerService } from './customers.js';
import { createEventLog } from './events.js';
import { createWebhookService, type WebhookPolicy } from './webhooks.js';

/** Without the sending side's policy no endpoint can be registered: every URL is refused. */
const NO_WEBHOOKS: WebhookPolicy = {
  checkUrl: async () => 'this service sends no webhooks',
  newSecret: () => {
    throw new Error('No webhook policy');
  },
};

export function createDomain(options: { now?: () => number; webhooks?: WebhookPolicy } = {}) {
  const now = options.now ?? Date.now;
  const customers = createCustomerService(now, createEventLog(now));
  return {
    customers,
    customerList: createCustomerList(),
    addresses: createAddressService(customers, now),
    webhooks: createWebhookService(options.webhooks ?? NO_WEBHOOKS, now),
  };
}

export type Domain = ReturnType<typeof createDomain>;
export { DomainError } from './errors.js';
