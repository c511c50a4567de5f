/**
 * The Customer Service's rules, independent of GraphQL and HTTP: what the GraphQL layer (or any other) calls, handing
 * each call the store reads or the transaction it works on (src/domain/store.ts).
 */
import { createAddressService } from './addresses.js';
import { createCustomerList } from './customer-list.js';
import { createCustomerService } from './customers.js';

export function createDomain(now: () => number = Date.now) {
  const customers = createCustomerService(now);
  return { customers, customerList: createCustomerList(), addresses: createAddressService(customers, now) };
}

export type Domain = ReturnType<typeof createDomain>;
export { DomainError } from './errors.js';
