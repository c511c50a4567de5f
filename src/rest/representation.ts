/**
 * The request bodies the REST API takes, as zod schemas that the OpenAPI document is generated from (its answers are
 * src/domain/representation.ts, which change events share).
 *
 * They check what GraphQL's input types check (the JSON types, required properties, no unknown ones) and
 * hand the domain exactly the input its GraphQL twin would: formats, lengths and every other rule stay in
 * src/domain/validation.ts, in one place.
 */
import { z } from 'zod';
import { fieldsOf } from '../domain/representation.js';
import { ADDRESS, METADATA_FIELDS, PROFILE } from '../domain/validation.js';
import { RestBadRequest, type ErrorDetail } from './errors.js';

// ---- Request bodies ----

/** The domain's fields that a body has beside the others: those of METADATA_FIELDS are under `metadata`. */
const besideMetadata = <S extends Record<string, z.ZodType>>(shape: S) =>
  Object.fromEntries(
    Object.entries(shape).filter(([field]) => !(METADATA_FIELDS as readonly string[]).includes(field)),
  ) as Omit<S, (typeof METADATA_FIELDS)[number]>;

const profileFields = fieldsOf(besideMetadata(PROFILE), 'input');
const addressFields = (required: readonly string[] = []) => fieldsOf(besideMetadata(ADDRESS), 'input', required);

const customNumber = z.string().nullish();

/** `metadata.mixins` in a body: the domain's mixinSchemas. */
const mixinsOfMetadata = fieldsOf({ mixins: PROFILE.mixinSchemas }, 'input');
/** A new resource's metadata: its mixins' schemas. */
const newMetadata = z.strictObject(mixinsOfMetadata).optional();
/** A PUT's or PATCH's: also the version it was made to (409 when it is not the current one). */
const changeMetadata = z
  .strictObject({
    version: z.int().optional().meta({ description: 'The version the change was made to.' }),
    ...mixinsOfMetadata,
  })
  .optional();

export const CustomerCreateBodySchema = z.strictObject({
  id: customNumber.meta({
    description: 'A custom customer number (letters, digits, _ and -, 1..66); generated when absent.',
  }),
  customerNumber: customNumber.meta({ description: 'Another name of id: when both are given they must be equal.' }),
  ...profileFields,
  metadata: newMetadata,
});

/**
 * PUT and PATCH: the profile, the version it was read at (409 when it is not the current one), and, for a body that
 * was read from this API, its id and customerNumber, which must name the customer of the path.
 */
export const CustomerUpdateBodySchema = z.strictObject({
  id: customNumber.meta({ description: 'When given, the customer number of the path.' }),
  customerNumber: customNumber.meta({ description: 'When given, the customer number of the path.' }),
  ...profileFields,
  metadata: changeMetadata,
});

/** A new address needs the domain's required fields; PATCH none. */
const NEW_ADDRESS_FIELDS = Object.keys(ADDRESS).filter((field) => !ADDRESS[field as keyof typeof ADDRESS].isOptional());

export const AddressCreateBodySchema = z.strictObject({
  id: customNumber.meta({ description: 'A custom address id; generated when absent.' }),
  ...addressFields(NEW_ADDRESS_FIELDS),
  metadata: newMetadata,
});

/** PUT replaces every field of the address (or creates it under the path's id). */
export const AddressReplaceBodySchema = z.strictObject({
  id: customNumber.meta({ description: 'When given, the address id of the path.' }),
  ...addressFields(NEW_ADDRESS_FIELDS),
  metadata: changeMetadata,
});

export const AddressPatchBodySchema = z.strictObject({
  id: customNumber.meta({ description: 'When given, the address id of the path.' }),
  ...addressFields(),
  metadata: changeMetadata,
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
  'metadata.version',
  'metadata.createdAt',
  'metadata.modifiedAt',
  'b2b.legalEntities',
]);

/**
 * Properties of the official description that this service deliberately does not take, and why (docs/rest.md).
 * `password`: the identity service owns passwords; none is stored or passed on here.
 */
const NOT_TAKEN: Readonly<Record<string, string>> = {
  password:
    'is not taken: this service keeps no passwords; the customer sets one through the password reset (sendPasswordResetNotifications=true)',
};

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
            : Object.hasOwn(NOT_TAKEN, name)
              ? { field: name, type: 'not_allowed', message: NOT_TAKEN[name]! }
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

/** `metadata.mixins`, when the body gives it, as the domain's field; nothing when it does not. */
const mixinSchemasOf = (metadata: { mixins?: unknown } | undefined): DomainInput =>
  metadata && 'mixins' in metadata ? { mixinSchemas: metadata.mixins } : {};

/** POST /customers → the domain's create input (parseCustomerCreate); `customerNumber` is another name of `id`. */
export function toCustomerCreate(body: CustomerCreateBody): DomainInput {
  const { id, customerNumber, metadata, ...profile } = body;
  if (id != null && customerNumber != null && id !== customerNumber) {
    throw new RestBadRequest('Invalid body: id and customerNumber differ.', [
      { field: 'customerNumber', type: 'invalid_value', message: 'must equal id when both are given' },
    ]);
  }
  const number = id ?? customerNumber;
  return { ...(number != null ? { id: number } : {}), ...profile, ...mixinSchemasOf(metadata) };
}

/** PUT and PATCH /customers/{customerNumber} → the domain's changes (parseCustomerChanges) and expected version. */
export function toCustomerChanges(
  body: CustomerUpdateBody,
  pathNumber: string,
): { changes: DomainInput; expectedVersion: number | undefined } {
  const { id, customerNumber, metadata, ...changes } = body;
  samePathId('id', id, pathNumber);
  samePathId('customerNumber', customerNumber, pathNumber);
  return { changes: { ...changes, ...mixinSchemasOf(metadata) }, expectedVersion: metadata?.version };
}

/** POST .../addresses → the domain's address input (parseAddressInput), with the custom id when given. */
export function toAddressInput(body: AddressCreateBody): DomainInput {
  const { metadata, ...input } = body;
  return { ...input, ...mixinSchemasOf(metadata) };
}

/**
 * PUT .../addresses/{addressId} → the domain's address input (addresses.upsert, which takes the path's id): every
 * field of an address, and the body's id as given, which the domain's rule holds to the path's (400 on `id`).
 */
export function toAddressReplacement(body: AddressReplaceBody): {
  input: DomainInput;
  expectedVersion: number | undefined;
} {
  const { metadata, ...input } = body;
  return { input: { ...input, ...mixinSchemasOf(metadata) }, expectedVersion: metadata?.version };
}

/** PATCH .../addresses/{addressId} → the domain's address patch (parseAddressPatch). */
export function toAddressPatch(
  body: AddressPatchBody,
  addressId: string,
): { input: DomainInput; expectedVersion: number | undefined } {
  const { id, metadata, ...patch } = body;
  samePathId('id', id, addressId);
  return { input: { ...patch, ...mixinSchemasOf(metadata) }, expectedVersion: metadata?.version };
}
