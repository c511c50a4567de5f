/**
 * Customers, addresses and accounts as the REST API's JSON (REST.md "Customers as JSON"), and the request bodies it
 * takes, as zod schemas that the OpenAPI document is generated from.
 *
 * The answer side maps the domain's rows the way src/graphql presents them (id = customerNumber, businessModel from
 * the legal entities, b2b only when there is any, DateTime as ISO strings), except that REST leaves out a field
 * that has no value, as the seed's examples do; only an account's `providerId` is always there (REST.md: "or null").
 *
 * The request side checks what GraphQL's input types check (the JSON types, required properties, no unknown ones)
 * and hands the domain exactly the input its GraphQL twin would: formats, lengths and every other rule stay in
 * src/domain/validation.ts, in one place.
 */
import { z } from 'zod';
import type { Account, Address, Customer, Membership } from '../domain/store.js';
import type { AddressInput, AddressPatch, CustomerChanges, CustomerCreate } from '../domain/validation.js';
import { RestBadRequest, type ErrorDetail } from './errors.js';
import type { Expand } from './params.js';

// ---- Answers ----

const optionalText = z.string().optional();
const isoDateTime = z.iso.datetime().meta({ description: 'ISO 8601 in UTC, e.g. 2026-11-22T10:00:00.000Z.' });

export const AddressJsonSchema = z.strictObject({
  id: z.string(),
  contactName: z.string(),
  companyName: optionalText,
  street: optionalText,
  streetNumber: optionalText,
  streetAppendix: optionalText,
  extraLine1: optionalText,
  extraLine2: optionalText,
  extraLine3: optionalText,
  extraLine4: optionalText,
  zipCode: optionalText,
  city: optionalText,
  country: z.string().meta({ description: 'ISO 3166-1 alpha-2, e.g. DE.' }),
  state: optionalText,
  contactPhone: optionalText,
  tags: z.array(z.string()),
  isDefault: z.boolean(),
});

export const AccountJsonSchema = z.strictObject({
  id: z.string().meta({ description: "The account's email address." }),
  providerId: z.string().nullable().meta({ description: 'The social-login provider, null for an own login.' }),
});

export const LegalEntityJsonSchema = z.strictObject({
  id: z.string(),
  name: optionalText,
  contactAssignmentId: z.string().meta({ description: "The id of this customer's assignment to the legal entity." }),
});

export const CustomerJsonSchema = z.strictObject({
  id: z.string().meta({ description: 'Equal to customerNumber.' }),
  customerNumber: z.string(),
  title: optionalText,
  firstName: optionalText,
  middleName: optionalText,
  lastName: optionalText,
  contactEmail: optionalText,
  contactPhone: optionalText,
  company: optionalText,
  preferredLanguage: z.string().meta({ description: 'A locale such as en_US or de_DE.' }),
  preferredCurrency: z.string().meta({ description: 'An ISO 4217 code such as EUR.' }),
  preferredSite: z.string(),
  active: z.boolean(),
  onHold: z.boolean(),
  businessModel: z.enum(['B2B', 'B2C']).meta({ description: 'B2B when the customer belongs to a legal entity.' }),
  b2b: z
    .strictObject({ companyRegistrationId: optionalText, legalEntities: z.array(LegalEntityJsonSchema) })
    .optional()
    .meta({ description: 'Present when the customer has a registration id or belongs to a legal entity.' }),
  metadata: z.strictObject({
    version: z.int().min(1).meta({ description: 'Grows by one with every change to the customer or its addresses.' }),
    createdAt: isoDateTime,
    modifiedAt: isoDateTime,
  }),
  defaultAddress: AddressJsonSchema.optional().meta({
    description: 'Present when the customer has a default address and the token may read addresses.',
  }),
  addresses: z.array(AddressJsonSchema).optional().meta({ description: 'With expand=addresses; default first.' }),
  accounts: z.array(AccountJsonSchema).optional().meta({ description: 'With expand=accounts.' }),
  mixins: z.record(z.string(), z.unknown()).optional().meta({ description: 'With expand=mixin:*.' }),
});

/** The answer of the endpoints that create something: REST.md's `{"id": ...}`. */
export const IdJsonSchema = z.strictObject({ id: z.string() });

export type AddressJson = z.infer<typeof AddressJsonSchema>;
export type AccountJson = z.infer<typeof AccountJsonSchema>;
export type CustomerJson = z.infer<typeof CustomerJsonSchema>;

/** The fields of a row with a value: REST leaves out the others. */
function withValues<T extends Record<string, unknown>>(fields: T): { [K in keyof T]?: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null && value !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], null>;
  };
}

const iso = (epochMs: number): string => new Date(epochMs).toISOString();

export function addressJson(address: Address): AddressJson {
  return {
    id: address.id,
    contactName: address.contactName,
    ...withValues({
      companyName: address.companyName,
      street: address.street,
      streetNumber: address.streetNumber,
      streetAppendix: address.streetAppendix,
      extraLine1: address.extraLine1,
      extraLine2: address.extraLine2,
      extraLine3: address.extraLine3,
      extraLine4: address.extraLine4,
      zipCode: address.zipCode,
      city: address.city,
    }),
    country: address.country,
    ...withValues({ state: address.state, contactPhone: address.contactPhone }),
    tags: [...address.tags],
    isDefault: address.isDefault,
  };
}

export const accountJson = (account: Account): AccountJson => ({ id: account.email, providerId: account.providerId });

/** The rows a customer's answer shows besides its own, each loaded only when the answer shows it. */
export interface CustomerAnswerRows {
  /** Its legal-entity memberships (b2b, businessModel): always needed. */
  readonly memberships: readonly Membership[];
  /** Its addresses, default first: for defaultAddress and expand=addresses. */
  readonly addresses?: readonly Address[] | undefined;
  /** Its accounts: needed only for expand=accounts. */
  readonly accounts?: readonly Account[] | undefined;
}

/** The fields of a customer's answer that the caller may or may not read (src/operations/fields.ts). */
export interface Readable {
  readonly b2b: boolean;
  readonly defaultAddress: boolean;
}

/**
 * The customer as JSON, without the fields the caller may not read, as GraphQL refuses them. A part that `expand`
 * asks for must be given: answering without it would hide it silently, so a missing one is a programming error
 * (expand needs the permissions of the fields it adds, see routes.ts).
 */
export function customerJson(
  customer: Customer,
  parts: CustomerAnswerRows,
  expand: Expand,
  readable: Readable,
): CustomerJson {
  if (expand.addresses && !parts.addresses) throw new Error('expand=addresses without the customer’s addresses');
  if (expand.accounts && !parts.accounts) throw new Error('expand=accounts without the customer’s accounts');
  const { memberships } = parts;
  const defaultAddress = readable.defaultAddress ? parts.addresses?.find((address) => address.isDefault) : undefined;
  const hasB2b = readable.b2b && (customer.companyRegistrationId !== null || memberships.length > 0);
  return {
    id: customer.customerNumber,
    customerNumber: customer.customerNumber,
    ...withValues({
      title: customer.title,
      firstName: customer.firstName,
      middleName: customer.middleName,
      lastName: customer.lastName,
      contactEmail: customer.contactEmail,
      contactPhone: customer.contactPhone,
      company: customer.company,
    }),
    preferredLanguage: customer.preferredLanguage,
    preferredCurrency: customer.preferredCurrency,
    preferredSite: customer.preferredSite,
    active: customer.active,
    onHold: customer.onHold,
    businessModel: memberships.length > 0 ? 'B2B' : 'B2C',
    ...(hasB2b
      ? {
          b2b: {
            ...withValues({ companyRegistrationId: customer.companyRegistrationId }),
            legalEntities: memberships.map((m) => ({
              id: m.legalEntity.id,
              ...withValues({ name: m.legalEntity.name }),
              contactAssignmentId: m.assignmentId,
            })),
          },
        }
      : {}),
    metadata: { version: customer.version, createdAt: iso(customer.createdAt), modifiedAt: iso(customer.modifiedAt) },
    ...(defaultAddress ? { defaultAddress: addressJson(defaultAddress) } : {}),
    ...(expand.addresses ? { addresses: (parts.addresses ?? []).map(addressJson) } : {}),
    ...(expand.accounts ? { accounts: (parts.accounts ?? []).map(accountJson) } : {}),
    ...(expand.mixins ? { mixins: customer.mixins ?? {} } : {}),
  };
}

// ---- Request bodies ----

/**
 * Optional properties may be null (which clears a field), as in GraphQL's input types; whether a field may be empty
 * is the domain's rule, which refuses null for those that may not.
 */
const text = z.string().nullish();
const flag = z.boolean().nullish();

const profileFields = {
  title: text,
  firstName: text,
  middleName: text,
  lastName: text,
  contactEmail: text.meta({ description: 'On create, also the first login account.' }),
  contactPhone: text,
  company: text,
  preferredLanguage: text.meta({ description: 'A locale such as en_US or de_DE; default en_US.' }),
  preferredCurrency: text.meta({ description: 'An ISO 4217 code such as EUR; default USD.' }),
  preferredSite: text.meta({ description: 'Default main.' }),
  active: flag.meta({ description: 'Default false.' }),
  onHold: flag.meta({ description: 'Default false.' }),
  b2b: z
    .strictObject({
      companyRegistrationId: text.meta({
        description:
          "Assigns the customer to the tenant's legal entity with this registration id, created (named after company) when missing.",
      }),
    })
    .nullish(),
  mixins: z
    .record(z.string(), z.unknown())
    .nullish()
    .meta({ description: 'A JSON object of at most 16 KiB, nested at most 32 levels deep.' }),
};

const customNumber = z.string().nullish();

export const CustomerCreateBodySchema = z.strictObject({
  id: customNumber.meta({
    description: 'A custom customer number (letters, digits, _ and -, 1..66); generated when absent.',
  }),
  customerNumber: customNumber.meta({ description: 'Another name of id: when both are given they must be equal.' }),
  ...profileFields,
});

/**
 * PUT and PATCH: the profile, the version it was read at (409 when it is not the current one), and, for a body that
 * was read from this API, its id and customerNumber, which must name the customer of the path.
 */
export const CustomerUpdateBodySchema = z.strictObject({
  id: customNumber.meta({ description: 'When given, the customer number of the path.' }),
  customerNumber: customNumber.meta({ description: 'When given, the customer number of the path.' }),
  ...profileFields,
  metadata: z
    .strictObject({ version: z.int().optional().meta({ description: 'The version the change was made to.' }) })
    .optional(),
});

const addressFields = {
  companyName: text,
  street: text,
  streetNumber: text,
  streetAppendix: text,
  extraLine1: text,
  extraLine2: text,
  extraLine3: text,
  extraLine4: text,
  zipCode: text,
  city: text,
  state: text,
  contactPhone: text,
  tags: z.array(z.string()).nullish(),
  isDefault: flag.meta({ description: 'Makes this the default address (and the others not).' }),
};

export const AddressCreateBodySchema = z.strictObject({
  id: customNumber.meta({ description: 'A custom address id; generated when absent.' }),
  contactName: z.string(),
  country: z.string().meta({ description: 'ISO 3166-1 alpha-2, e.g. DE.' }),
  ...addressFields,
});

/** PUT replaces every field of the address (or creates it under the path's id). */
export const AddressReplaceBodySchema = z.strictObject({
  id: customNumber.meta({ description: 'When given, the address id of the path.' }),
  contactName: z.string(),
  country: z.string().meta({ description: 'ISO 3166-1 alpha-2, e.g. DE.' }),
  ...addressFields,
});

export const AddressPatchBodySchema = z.strictObject({
  id: customNumber.meta({ description: 'When given, the address id of the path.' }),
  contactName: text,
  country: text,
  ...addressFields,
});

export const AccountBodySchema = z.strictObject({ email: z.string() });

export const SearchBodySchema = z.strictObject({
  q: z.string().optional().meta({ description: 'A q expression, as the q parameter of GET /customers.' }),
});

export type CustomerCreateBody = z.infer<typeof CustomerCreateBodySchema>;
export type CustomerUpdateBody = z.infer<typeof CustomerUpdateBodySchema>;
export type AddressCreateBody = z.infer<typeof AddressCreateBodySchema>;
export type AddressReplaceBody = z.infer<typeof AddressReplaceBodySchema>;
export type AddressPatchBody = z.infer<typeof AddressPatchBodySchema>;
export type AccountBody = z.infer<typeof AccountBodySchema>;
export type SearchBody = z.infer<typeof SearchBodySchema>;

/** Properties of the answers that a request cannot set: named as such rather than as unknown. */
const READ_ONLY = new Set([
  'businessModel',
  'defaultAddress',
  'addresses',
  'accounts',
  'metadata',
  'metadata.createdAt',
  'metadata.modifiedAt',
  'b2b.legalEntities',
]);

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  boolean: 'true or false',
  number: 'a number',
  int: 'a whole number',
  array: 'an array',
  object: 'a JSON object',
  record: 'a JSON object',
};

const joinPath = (path: readonly PropertyKey[]): string =>
  path.reduce<string>(
    (joined, key) =>
      typeof key === 'number' ? `${joined}[${key}]` : joined ? `${joined}.${String(key)}` : String(key),
    '',
  );

/** zod's issues as REST details: one per property, the first problem found with it. */
function detailsOf(error: z.ZodError): ErrorDetail[] {
  const details = new Map<string, ErrorDetail>();
  const add = (detail: ErrorDetail) => {
    if (!details.has(detail.field)) details.set(detail.field, detail);
  };
  for (const issue of error.issues) {
    const field = joinPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const name = field ? `${field}.${key}` : key;
        add(
          READ_ONLY.has(name)
            ? { field: name, type: 'read_only', message: 'is read-only' }
            : { field: name, type: 'unknown_field', message: 'is not a property of this body' },
        );
      }
    } else if (issue.code === 'invalid_type') {
      const missing = issue.input === undefined;
      add({
        field: field || 'body',
        type: missing ? 'missing' : 'invalid_value',
        message: missing ? 'is required' : `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`,
      });
    } else {
      add({ field: field || 'body', type: 'invalid_value', message: issue.message });
    }
  }
  return [...details.values()];
}

/** The body checked against its schema, or a 400 listing every property at fault. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RestBadRequest('The request body must be a JSON object.', [
      { field: 'body', type: 'invalid_value', message: 'must be a JSON object' },
    ]);
  }
  // reportInput: zod 4 leaves the input out of its issues otherwise, and a missing property is told by it.
  const result = schema.safeParse(body, { reportInput: true });
  if (result.success) return result.data;
  const details = detailsOf(result.error);
  throw new RestBadRequest(`Invalid body: ${details.map((d) => `${d.field} ${d.message}`).join('; ')}`, details);
}

/** An `id` (or `customerNumber`) in a PUT or PATCH body that names another resource than the path. */
function samePathId(field: string, value: string | null | undefined, pathId: string): void {
  if (value !== undefined && value !== null && value !== pathId) {
    throw new RestBadRequest(`Invalid body: ${field} is not the one of the path.`, [
      { field, type: 'invalid_value', message: `must equal the path's ${JSON.stringify(pathId)} when given` },
    ]);
  }
}

/**
 * What the domain's parse functions take: its input shape, where any property may also be null (the domain refuses
 * null where a field may not be empty, as it does for GraphQL).
 */
export type DomainInput<T> = { [K in keyof T]?: T[K] | null };

type Assert<T extends true> = T;
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : false;
type Profile = z.infer<z.ZodObject<typeof profileFields>>;
type AddressFields = z.infer<z.ZodObject<typeof addressFields>>;
/**
 * The bodies carry exactly the domain's fields (besides REST's id, customerNumber and metadata): the domain's zod
 * objects drop what they do not know, so a field added on one side only would vanish silently. These fail to compile.
 */
export type ProfileMatchesDomain = Assert<SameKeys<Profile, CustomerChanges>>;
export type AddressMatchesDomain = Assert<
  SameKeys<AddressFields & { contactName: unknown; country: unknown }, AddressPatch>
>;
export type NewAddressMatchesDomain = Assert<SameKeys<AddressCreateBody, AddressInput>>;
export type NewCustomerMatchesDomain = Assert<SameKeys<Profile & { id: unknown }, CustomerCreate>>;

/** POST /customers → the domain's create input (parseCustomerCreate); `customerNumber` is another name of `id`. */
export function toCustomerCreate(body: CustomerCreateBody): DomainInput<CustomerCreate> {
  const { id, customerNumber, ...profile } = body;
  if (id != null && customerNumber != null && id !== customerNumber) {
    throw new RestBadRequest('Invalid body: id and customerNumber differ.', [
      { field: 'customerNumber', type: 'invalid_value', message: 'must equal id when both are given' },
    ]);
  }
  const number = id ?? customerNumber;
  return number != null ? { id: number, ...profile } : profile;
}

/** PUT and PATCH /customers/{customerNumber} → the domain's changes (parseCustomerChanges) and expected version. */
export function toCustomerChanges(
  body: CustomerUpdateBody,
  pathNumber: string,
): { changes: DomainInput<CustomerChanges>; expectedVersion: number | undefined } {
  const { id, customerNumber, metadata, ...changes } = body;
  samePathId('id', id, pathNumber);
  samePathId('customerNumber', customerNumber, pathNumber);
  return { changes, expectedVersion: metadata?.version };
}

/** POST .../addresses → the domain's address input (parseAddressInput), with the custom id when given. */
export function toAddressInput(body: AddressCreateBody): DomainInput<AddressInput> {
  return body;
}

/**
 * PUT .../addresses/{addressId} → the domain's address input (addresses.upsert, which takes the path's id): every
 * field of an address, and the body's id as given, which the domain's rule holds to the path's (400 on `id`).
 */
export function toAddressReplacement(body: AddressReplaceBody): DomainInput<AddressInput> {
  return body;
}

/** PATCH .../addresses/{addressId} → the domain's address patch (parseAddressPatch). */
export function toAddressPatch(body: AddressPatchBody, addressId: string): DomainInput<AddressPatch> {
  const { id, ...patch } = body;
  samePathId('id', id, addressId);
  return patch;
}
