/** The Customer Service's rules, independent of GraphQL and HTTP: what the GraphQL layer (or any other) calls. */
import type { Repositories } from '../store/index.js';
import { createAddressService } from './addresses.js';
import { createCustomerList } from './customer-list.js';
import { createCustomerService } from './customers.js';

export function createDomain(repos: Repositories, now: () => number = Date.now) {
  const customers = createCustomerService(repos, now);
  return { customers, customerList: createCustomerList(repos), addresses: createAddressService(repos, customers, now) };
}

export type Domain = ReturnType<typeof createDomain>;
export { DomainError } from './errors.js';
