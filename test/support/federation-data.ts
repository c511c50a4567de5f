/**
 * The data of the federation tests, created through the public API: two tenants that share a customer number,
 * and two companies (legal entities) in one of them, so that tenant and own-company isolation can be checked.
 *
 * acme:   F01..F10, address A-F01..A-F10 (city "Acme City F01" ...);
 *         F01..F05 in company "Initech", F06..F07 in "Umbrella", F08..F10 without a company (B2C).
 * globex: F01 (unrelated to acme's F01) with address G-F01, in company "Globex"; G99 (only in globex) with G-G99.
 */
import type { TestServer } from '../helpers.js';

export const ACME_NUMBERS = Array.from({ length: 10 }, (_, i) => `F${String(i + 1).padStart(2, '0')}`);
export const INITECH_MEMBERS = ACME_NUMBERS.slice(0, 5);

export interface FederationData {
  globexToken: string;
  legalEntities: { initech: string; umbrella: string; globex: string };
}

const companyOf = (number: string) =>
  INITECH_MEMBERS.includes(number) ? 'INITECH' : ['F06', 'F07'].includes(number) ? 'UMBRELLA' : undefined;

async function mutate(server: TestServer, token: string | undefined, document: string): Promise<void> {
  const response = await server.gql(document, {}, token ? { token } : {});
  if (response.errors) throw new Error(`seeding failed: ${JSON.stringify(response.errors)}`);
}

function customerMutation(number: string, firstName: string, city: string, addressId: string, registration?: string) {
  const company = registration
    ? `company: "${registration[0]}${registration.slice(1).toLowerCase()}", b2b: { companyRegistrationId: "${registration}" }`
    : '';
  return `c${number}: createCustomer(input: { id: "${number}", firstName: "${firstName}", lastName: "Customer", ${company} }) { id }
    a${number}: addCustomerAddress(customerNumber: "${number}", input: { id: "${addressId}", contactName: "${firstName}", city: "${city}", country: "DE" }) { id }`;
}

async function legalEntityOf(server: TestServer, token: string | undefined, number: string): Promise<string> {
  const response = await server.gql(
    `query($n: String!) { customer(customerNumber: $n) { b2b { legalEntities { id } } } }`,
    { n: number },
    token ? { token } : {},
  );
  const id = response.data?.customer?.b2b?.legalEntities?.[0]?.id as string | undefined;
  if (!id) throw new Error(`customer ${number} has no legal entity`);
  return id;
}

export async function seedFederationData(server: TestServer): Promise<FederationData> {
  // Mutations run in order, so each customer exists before its address is added.
  await mutate(
    server,
    undefined,
    `mutation { ${ACME_NUMBERS.map((n) => customerMutation(n, `Acme${n}`, `Acme City ${n}`, `A-${n}`, companyOf(n))).join('\n')} }`,
  );
  const globexToken = await server.token({ tenant: 'globex' });
  await mutate(
    server,
    globexToken,
    `mutation { ${customerMutation('F01', 'GlobexF01', 'Globex City F01', 'G-F01', 'GLOBEX')}
      ${customerMutation('G99', 'GlobexG99', 'Globex City G99', 'G-G99')} }`,
  );
  return {
    globexToken,
    legalEntities: {
      initech: await legalEntityOf(server, undefined, 'F01'),
      umbrella: await legalEntityOf(server, undefined, 'F06'),
      globex: await legalEntityOf(server, globexToken, 'F01'),
    },
  };
}
