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
import { ADDRESS, PLAIN_PROFILE_FIELDS, PROFILE } from '../domain/validation.js';
import { RestBadRequest, type ErrorDetail } from './errors.js';
import type { Expand } from './params.js';

// ---- The domain's fields in JSON ----

/** A domain field's JSON type alone (a string, a boolean, an object, a list), its rules left to the domain. */
function jsonTypeOf(schema: z.ZodType): z.ZodType {
  const def = schema._zod.def as { type: string; innerType?: z.ZodType; in?: z.ZodType; element?: z.ZodType };
  const described = (json: z.ZodType) => {
    const meta = z.globalRegistry.get(schema);
    return meta ? json.meta(meta) : json;
  };
  switch (def.type) {
    case 'optional':
    case 'nullable':
      return described(jsonTypeOf(def.innerType!));
    case 'pipe':
      return described(jsonTypeOf(def.in!));
    case 'array':
      return described(z.array(jsonTypeOf(def.element!)));
    case 'record':
      return described(z.record(z.string(), z.unknown()));
    case 'object':
      return described(z.strictObject(fieldsOf((schema as z.ZodObject).shape, 'input')));
    case 'string':
      return described(z.string());
    case 'boolean':
      return described(z.boolean());
    default:
      throw new Error(`No JSON type for a ${def.type}`);
  }
}

/** Whether a domain field may be empty (it takes null, and its column may be NULL). */
const mayBeEmpty = (schema: z.ZodType) => schema.safeParse(null).success;

/**
 * The domain's fields as JSON: for a body (`input`) each may be absent and null, as in GraphQL's input types (which
 * of them may be empty, and every other rule, is the domain's to say), but for those `required`; for an answer each
 * is there but for those that may be empty (REST leaves out a field without a value).
 */
function fieldsOf<S extends Readonly<Record<string, z.ZodType>>>(
  shape: S,
  side: 'input' | 'answer',
  required: readonly string[] = [],
): { [K in keyof S]: z.ZodOptional<z.ZodType<unknown>> } {
  return Object.fromEntries(
    Object.entries(shape).map(([field, schema]) => {
      const json = jsonTypeOf(schema);
      if (side === 'answer') return [field, mayBeEmpty(schema) ? json.optional() : json];
      return [field, required.includes(field) ? json : json.nullish()];
    }),
  ) as { [K in keyof S]: z.ZodOptional<z.ZodType<unknown>> };
}

// ---- Answers ----

const optionalText = z.string().optional();
const isoDateTime = z.iso.datetime().meta({ description: 'ISO 8601 in UTC, e.g. 2026-11-22T10:00:00.000Z.' });

export const AddressJsonSchema = z.strictObject({ id: z.string(), ...fieldsOf(ADDRESS, 'answer') });

export const AccountJsonSchema = z.strictObject({
  id: z.string().meta({ description: "The account's email address." }),
  providerId: z.string().nullable().meta({ description: 'The social-login provider, null for an own login.' }),
});

export const LegalEntityJsonSchema = z.strictObject({
  id: z.string(),
  name: optionalText,
  contactAssignmentId: z.string().meta({ description: "The id of this customer's assignment to the legal entity." }),
});

/** The plain profile fields a customer's answer always has (mixins only with expand=mixin:*). */
const SHOWN_PROFILE = PLAIN_PROFILE_FIELDS.filter((field) => field !== 'mixins');

export const CustomerJsonSchema = z.strictObject({
  id: z.string().meta({ description: 'Equal to customerNumber.' }),
  customerNumber: z.string(),
  ...fieldsOf(Object.fromEntries(SHOWN_PROFILE.map((field) => [field, PROFILE[field]])), 'answer'),
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
  const fields = Object.keys(ADDRESS) as (keyof typeof ADDRESS)[];
  return {
    id: address.id,
    ...withValues(Object.fromEntries(fields.map((field) => [field, address[field]]))),
  } as AddressJson;
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
    ...withValues(Object.fromEntries(SHOWN_PROFILE.map((field) => [field, customer[field]]))),
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

const profileFields = fieldsOf(PROFILE, 'input');

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

/** A new address needs the domain's required fields; PATCH none. */
const NEW_ADDRESS_FIELDS = Object.keys(ADDRESS).filter((field) => !ADDRESS[field as keyof typeof ADDRESS].isOptional());

export const AddressCreateBodySchema = z.strictObject({
  id: customNumber.meta({ description: 'A custom address id; generated when absent.' }),
  ...fieldsOf(ADDRESS, 'input', NEW_ADDRESS_FIELDS),
});

/** PUT replaces every field of the address (or creates it under the path's id). */
export const AddressReplaceBodySchema = z.strictObject({
  id: customNumber.meta({ description: 'When given, the address id of the path.' }),
  ...fieldsOf(ADDRESS, 'input', NEW_ADDRESS_FIELDS),
});

export const AddressPatchBodySchema = z.strictObject({
  id: customNumber.meta({ description: 'When given, the address id of the path.' }),
  ...fieldsOf(ADDRESS, 'input'),
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

/** What the domain's parse functions take: the input of its GraphQL twin, which the domain checks field by field. */
export type DomainInput = Record<string, unknown>;

/** POST /customers → the domain's create input (parseCustomerCreate); `customerNumber` is another name of `id`. */
export function toCustomerCreate(body: CustomerCreateBody): DomainInput {
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
): { changes: DomainInput; expectedVersion: number | undefined } {
  const { id, customerNumber, metadata, ...changes } = body;
  samePathId('id', id, pathNumber);
  samePathId('customerNumber', customerNumber, pathNumber);
  return { changes, expectedVersion: metadata?.version };
}

/** POST .../addresses → the domain's address input (parseAddressInput), with the custom id when given. */
export function toAddressInput(body: AddressCreateBody): DomainInput {
  return body;
}

/**
 * PUT .../addresses/{addressId} → the domain's address input (addresses.upsert, which takes the path's id): every
 * field of an address, and the body's id as given, which the domain's rule holds to the path's (400 on `id`).
 */
export function toAddressReplacement(body: AddressReplaceBody): DomainInput {
  return body;
}

/** PATCH .../addresses/{addressId} → the domain's address patch (parseAddressPatch). */
export function toAddressPatch(body: AddressPatchBody, addressId: string): DomainInput {
  const { id, ...patch } = body;
  samePathId('id', id, addressId);
  return patch;
}
