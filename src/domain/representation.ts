/**
 * Customers, addresses and accounts as JSON: what the REST API answers (REST.md "Customers as JSON") and what change
 * events carry (EVENTS.md: the customer as `GET …?expand=addresses,accounts` shows it), as zod schemas that the
 * OpenAPI document is generated from.
 *
 * It maps the domain's rows the way GraphQL presents them (id = customerNumber, businessModel from the legal entities,
 * b2b only when there is any, DateTime as ISO strings), except that a field without a value is left out, as the
 * seed's examples do; an account's `providerId` too (the publisher's description types it as a string, not null).
 */
import { z } from 'zod';
import type { Account, Address, Customer, Membership } from './store.js';
import { ADDRESS, METADATA_FIELDS, PLAIN_PROFILE_FIELDS, PROFILE } from './validation.js';

/** The parts and fields an answer shows beyond the customer's own (REST's `expand`). */
export interface Expand {
  readonly addresses: boolean;
  readonly accounts: boolean;
  readonly mixins: boolean;
}

// ---- The domain's fields in JSON ----

/** A domain field's JSON type alone (a string, a boolean, an object, a list), its rules left to the domain. */
export function jsonTypeOf(schema: z.ZodType): z.ZodType {
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
    case 'enum':
      // A string: which ones are allowed is the domain's rule, told with its message (and in the description).
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
export function fieldsOf<S extends Readonly<Record<string, z.ZodType>>>(
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

/** A field shown under `metadata` rather than beside the others (METADATA_FIELDS). */
const inMetadata = (field: string) => (METADATA_FIELDS as readonly string[]).includes(field);

/** `metadata.mixins`: each mixin's JSON schema, by mixin name. */
const metadataMixins = fieldsOf({ mixins: PROFILE.mixinSchemas }, 'answer');

/** The address fields shown beside its id (the others are under metadata). */
const ADDRESS_FIELDS = (Object.keys(ADDRESS) as (keyof typeof ADDRESS)[]).filter((field) => !inMetadata(field));

export const AddressJsonSchema = z.strictObject({
  id: z.string(),
  ...fieldsOf(Object.fromEntries(ADDRESS_FIELDS.map((field) => [field, ADDRESS[field]])), 'answer'),
  metadata: z.strictObject({
    version: z.int().min(1).meta({ description: 'Grows by one with every change to the address.' }),
    ...metadataMixins,
  }),
});

export const AccountJsonSchema = z.strictObject({
  id: z.string().meta({ description: "The account's email address." }),
  providerId: z
    .string()
    .optional()
    .meta({ description: "The external identity provider's id of a social login; absent for an own login." }),
});

export const LegalEntityJsonSchema = z.strictObject({
  id: z.string(),
  name: optionalText,
  contactAssignmentId: z.string().meta({ description: "The id of this customer's assignment to the legal entity." }),
});

/** The plain profile fields a customer's answer always has (mixins only with expand=mixin:*; some in metadata). */
const SHOWN_PROFILE = PLAIN_PROFILE_FIELDS.filter((field) => field !== 'mixins' && !inMetadata(field));

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
    ...metadataMixins,
  }),
  metadataCreatedAt: isoDateTime.meta({ description: "metadata.createdAt, under the official description's name." }),
  email: z.string().optional().meta({
    description:
      "The email of the customer's first login account (as accounts[].id shows it), when it has one and the token may read accounts.",
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
    ...withValues(Object.fromEntries(ADDRESS_FIELDS.map((field) => [field, address[field]]))),
    metadata: { version: address.version, ...withValues({ mixins: address.mixinSchemas }) },
  } as AddressJson;
}

export const accountJson = (account: Account): AccountJson => ({
  id: account.email,
  ...withValues({ providerId: account.providerId }),
});

/** The rows a customer's answer shows besides its own, each loaded only when the answer shows it. */
export interface CustomerAnswerRows {
  /** Its legal-entity memberships (b2b, businessModel): always needed. */
  readonly memberships: readonly Membership[];
  /** Its addresses, default first: for defaultAddress and expand=addresses. */
  readonly addresses?: readonly Address[] | undefined;
  /** Its accounts, oldest first: for email and expand=accounts. */
  readonly accounts?: readonly Account[] | undefined;
}

/** The fields of a customer's answer that the caller may or may not read (src/operations/fields.ts). */
export interface Readable {
  readonly b2b: boolean;
  readonly defaultAddress: boolean;
  /** Its accounts, and with them `email`. */
  readonly accounts: boolean;
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
    metadata: {
      version: customer.version,
      createdAt: iso(customer.createdAt),
      modifiedAt: iso(customer.modifiedAt),
      ...withValues({ mixins: customer.mixinSchemas }),
    },
    metadataCreatedAt: iso(customer.createdAt),
    ...(readable.accounts && parts.accounts?.[0] ? { email: parts.accounts[0].email } : {}),
    ...(defaultAddress ? { defaultAddress: addressJson(defaultAddress) } : {}),
    ...(expand.addresses ? { addresses: (parts.addresses ?? []).map(addressJson) } : {}),
    ...(expand.accounts ? { accounts: (parts.accounts ?? []).map(accountJson) } : {}),
    ...(expand.mixins ? { mixins: customer.mixins ?? {} } : {}),
  };
}
