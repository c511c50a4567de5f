/**
 * Input rules of the Customer Service, as zod schemas. Countries and currencies are checked against the ISO lists
 * (i18n-iso-countries, currency-codes), not a pattern. Parsing either returns clean values or throws one
 * BAD_USER_INPUT DomainError that lists every problem with its field path.
 */
import currencyCodes from 'currency-codes';
import countries from 'i18n-iso-countries';
import { z } from 'zod';
import { badInput, type FieldProblem } from './errors.js';

const ISO_CURRENCIES = new Set(currencyCodes.codes());
const ISO_COUNTRIES = new Set(Object.keys(countries.getAlpha2Codes()));

/** The kinds of customer the publisher's description names (`type`). */
export const CUSTOMER_TYPES = ['CUSTOMER', 'CONTACT'] as const;

export const LIMITS = {
  text: 255,
  url: 2048,
  mixinSchemas: 50,
  title: 64,
  phone: 64,
  zipCode: 32,
  email: 254,
  site: 64,
  tag: 64,
  tagsPerAddress: 20,
  mixinsBytes: 16 * 1024,
  mixinsDepth: 32,
} as const;

const CUSTOM_ID = /^[A-Za-z0-9_-]{1,66}$/;
const LOCALE = /^([a-z]{2,3})(?:_([A-Z]{2}))?$/;
const SITE = /^[A-Za-z0-9_.-]+$/;
const TAG = /^[A-Za-z0-9_.:-]+$/;
const PHONE = /^[+0-9 ()./-]*$/;

const text = (max: number = LIMITS.text) => z.string().max(max, `must be at most ${max} characters`);
const requiredText = (max: number = LIMITS.text) =>
  z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

export const customNumber = z.string().regex(CUSTOM_ID, 'must be 1 to 66 letters, digits, _ or -');
const email = z.email('must be an email address').max(LIMITS.email, `must be at most ${LIMITS.email} characters`);
const phone = text(LIMITS.phone).regex(PHONE, 'may contain only digits, spaces and + ( ) . / -');
const locale = z
  .string()
  .regex(LOCALE, 'must be a locale such as en_US or de_DE')
  .refine((value) => {
    const region = LOCALE.exec(value)?.[2];
    return region === undefined || ISO_COUNTRIES.has(region);
  }, 'names an unknown country');
const currency = z
  .string()
  .transform((value) => value.toUpperCase())
  .refine((value) => ISO_CURRENCIES.has(value), 'must be an ISO 4217 currency code such as EUR');
const country = z
  .string()
  .transform((value) => value.toUpperCase())
  .refine((value) => ISO_COUNTRIES.has(value), 'must be an ISO 3166-1 alpha-2 country code such as DE');
const url = z
  .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
  .max(LIMITS.url, `must be at most ${LIMITS.url} characters`);
const site = z.string().min(1).max(LIMITS.site).regex(SITE, 'may contain only letters, digits, _ . and -');
/** How deeply a JSON value nests, counted without recursion (so any depth is measured, up to `limit` + 1). */
function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [item, depth] = pending.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > limit) return deepest;
    for (const child of Object.values(item)) pending.push([child, depth + 1]);
  }
  return deepest;
}

// Depth first: serializing a value nested thousands deep overflows the stack before its size could be known.
const mixins = z
  .record(z.string(), z.unknown(), 'must be a JSON object')
  .refine((value) => nestingDepth(value, LIMITS.mixinsDepth) <= LIMITS.mixinsDepth, {
    message: `must nest at most ${LIMITS.mixinsDepth} levels deep`,
    abort: true,
  })
  .refine(
    (value) => Buffer.byteLength(JSON.stringify(value)) <= LIMITS.mixinsBytes,
    `must be at most ${LIMITS.mixinsBytes / 1024} KiB as JSON`,
  );
/** Links to the JSON schemas of the mixins (the description's `metadata.mixins`): mixin name → schema URL. */
const mixinSchemas = z
  .record(
    z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a mixin name is 1 to 64 letters, digits, _ or -'),
    url,
    'must be a JSON object of mixin names and schema URLs',
  )
  .refine(
    (value) => Object.keys(value).length <= LIMITS.mixinSchemas,
    `must name at most ${LIMITS.mixinSchemas} mixins`,
  )
  .meta({ description: "Each mixin's JSON schema, by mixin name: an http or https URL (REST: metadata.mixins)." });
const tag = z
  .string()
  .min(1, 'must not be empty')
  .max(LIMITS.tag, `must be at most ${LIMITS.tag} characters`)
  .regex(TAG, 'may contain only letters, digits, _ . : and -');
const tagList = z.array(tag).max(LIMITS.tagsPerAddress, `at most ${LIMITS.tagsPerAddress} tags`);

/**
 * The fields of a customer's profile, shared by create, upsert and patch, in the order the API shows them: one list
 * that the domain copies to the row by (src/domain/customers.ts) and REST takes and shows by (src/rest/
 * representation.ts). `null` clears a field that may be empty (`nullish`: its column may be NULL); an absent field is
 * left as it is; a field that may not be empty (`optional`) refuses `null`.
 */
export const PROFILE = {
  title: text(LIMITS.title).nullish(),
  firstName: text().nullish(),
  middleName: text().nullish(),
  lastName: text().nullish(),
  contactEmail: email.nullish().meta({ description: "On create, also the customer's first login account." }),
  contactPhone: phone.nullish(),
  company: text().nullish(),
  preferredLanguage: locale.optional().meta({ description: 'A locale such as en_US or de_DE; default en_US.' }),
  preferredCurrency: currency.optional().meta({ description: 'An ISO 4217 code such as EUR; default USD.' }),
  preferredSite: site.optional().meta({ description: 'Default main.' }),
  active: z.boolean().optional().meta({ description: 'Default false.' }),
  onHold: z.boolean().optional().meta({ description: 'Default false.' }),
  type: z
    .enum(CUSTOMER_TYPES, `must be ${CUSTOMER_TYPES.join(' or ')}`)
    .nullish()
    .meta({ description: `${CUSTOMER_TYPES.join(' or ')}; a customer without one is a CUSTOMER.` }),
  photoUrl: url.nullish().meta({ description: 'The URL of a picture of the customer (http or https).' }),
  b2b: z
    .object({
      companyRegistrationId: requiredText().nullish().meta({
        description:
          "Assigns the customer to the tenant's legal entity with this registration id, created (named after company) when missing.",
      }),
    })
    .nullish(),
  mixins: mixins.nullish().meta({ description: 'A JSON object of at most 16 KiB, nested at most 32 levels deep.' }),
  mixinSchemas: mixinSchemas.nullish(),
};

/** What a field means to a caller, where the domain says it (its schema's description). */
export const descriptionOf = (schema: z.ZodType): string | undefined => z.globalRegistry.get(schema)?.description;

/** The profile fields that are columns of the customer's row as they are (b2b is a legal entity's assignment). */
export const PLAIN_PROFILE_FIELDS = Object.keys(PROFILE).filter((field) => field !== 'b2b') as Exclude<
  keyof typeof PROFILE,
  'b2b'
>[];

const customerChanges = z.object(PROFILE);
const customerCreate = z.object({ ...PROFILE, id: customNumber.nullish() });

/** The fields of an address, in the order the API shows them; a new address needs those that are not optional. */
export const ADDRESS = {
  contactName: requiredText(),
  companyName: text().nullish(),
  street: text().nullish(),
  streetNumber: text(LIMITS.zipCode).nullish(),
  streetAppendix: text().nullish(),
  extraLine1: text().nullish(),
  extraLine2: text().nullish(),
  extraLine3: text().nullish(),
  extraLine4: text().nullish(),
  zipCode: text(LIMITS.zipCode).nullish(),
  city: text().nullish(),
  country: country.nullish().meta({ description: 'ISO 3166-1 alpha-2, e.g. DE.' }),
  state: text().nullish(),
  contactPhone: phone.nullish(),
  tags: tagList.nullish(),
  isDefault: z.boolean().nullish().meta({ description: 'Makes this the default address (and the others not).' }),
  mixins: mixins.nullish().meta({ description: 'A JSON object of at most 16 KiB, nested at most 32 levels deep.' }),
  mixinSchemas: mixinSchemas.nullish(),
};

/** The fields REST shows and takes under `metadata` (as `metadata.mixins`), not beside the others. */
export const METADATA_FIELDS = ['mixinSchemas'] as const;
const addressInput = z.object({ id: customNumber.nullish(), ...ADDRESS });
const addressPatch = z.object({ ...ADDRESS, contactName: ADDRESS.contactName.optional() });

export type CustomerChanges = z.infer<typeof customerChanges>;
export type CustomerCreate = z.infer<typeof customerCreate>;
export type AddressInput = z.infer<typeof addressInput>;
export type AddressPatch = z.infer<typeof addressPatch>;

/**
 * Characters that no store can hold as text: U+0000, which PostgreSQL's text and jsonb refuse, and UTF-16 surrogates
 * without their pair, which are no Unicode text (encoded to UTF-8 they would become U+FFFD, changing the value).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is what this finds
const UNSTORABLE = /[\u0000\p{Cs}]/u;

/** The first character of `value` that no store can hold as text, or undefined when it can be stored. */
export function unstorableCharacter(value: string): { index: number; message: string } | undefined {
  const found = UNSTORABLE.exec(value);
  if (!found) return undefined;
  const message =
    found[0] === '\u0000'
      ? 'must not contain U+0000 (NUL)'
      : 'must not contain an unpaired UTF-16 surrogate (it is not Unicode text)';
  return { index: found.index, message };
}

export const isStorableText = (value: string): boolean => !UNSTORABLE.test(value);

/**
 * Every string of an input, at any depth (values, array items and object keys, mixins included), that no store can
 * hold: one problem per string, a key's at the object that has it. Walked without recursion and without copying
 * paths (each item points to its parent), so any depth costs what the input's size does.
 */
function unstorableTexts(value: unknown, argument: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const items: { value: unknown; parent: number; key: PropertyKey }[] = [{ value, parent: -1, key: '' }];
  const pathOf = (index: number): PropertyKey[] => {
    const path: PropertyKey[] = [];
    for (let i = index; i > 0; i = items[i]!.parent) path.push(items[i]!.key);
    return path.reverse();
  };
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!.value;
    if (typeof item === 'string') {
      const found = unstorableCharacter(item);
      if (found) problems.push({ field: fieldPath(argument, pathOf(i)), message: found.message });
    } else if (Array.isArray(item)) {
      for (const [key, child] of item.entries()) items.push({ value: child, parent: i, key });
    } else if (typeof item === 'object' && item !== null) {
      for (const [key, child] of Object.entries(item)) {
        const found = unstorableCharacter(key);
        if (found) problems.push({ field: fieldPath(argument, pathOf(i)), message: `keys ${found.message}` });
        else items.push({ value: child, parent: i, key });
      }
    }
  }
  return problems;
}

/** `value` of the argument `argument` by `schema`, or BAD_USER_INPUT with a detail for each field at fault. */
export function parseArgument<T extends z.ZodType>(schema: T, value: unknown, argument: string): z.infer<T> {
  // Checked on the whole input, whatever its schema says of a field: no text field can take these characters.
  const unstorable = unstorableTexts(value, argument);
  const result = schema.safeParse(value);
  if (result.success && unstorable.length === 0) return result.data;
  // One detail per field: the first problem found with it (an empty tag, say, is also not of the tag syntax).
  const details = new Map<string, string>();
  for (const { field, message } of unstorable) if (!details.has(field)) details.set(field, message);
  for (const issue of result.error?.issues ?? []) {
    const field = fieldPath(argument, issue.path);
    if (!details.has(field)) {
      details.set(field, issue.code === 'invalid_type' && issue.input === null ? 'must not be null' : issue.message);
    }
  }
  throw badInput([...details].map(([field, message]) => ({ field, message })));
}

function fieldPath(argument: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (joined, key) => (typeof key === 'number' ? `${joined}[${key}]` : `${joined}.${String(key)}`),
    argument,
  );
}

export const parseCustomerCreate = (input: unknown) => parseArgument(customerCreate, input, 'input');
export const parseCustomerChanges = (input: unknown) => parseArgument(customerChanges, input, 'input');
export const parseAddressInput = (input: unknown) => parseArgument(addressInput, input, 'input');
export const parseAddressPatch = (input: unknown) => parseArgument(addressPatch, input, 'input');
export const parseTags = (tags: unknown) => parseArgument(tagList, tags, 'tags');
export const parseEmail = (value: unknown, argument = 'email') => parseArgument(email, value, argument);
export const parseCustomerNumber = (value: unknown, argument = 'customerNumber') =>
  parseArgument(customNumber, value, argument);
/** The id of an address to be created under it, which has the syntax of a custom customer number. */
export const parseAddressId = (value: unknown, argument = 'addressId') => parseArgument(customNumber, value, argument);

/** Tags in the order first given, each once. */
export function mergeTags(existing: readonly string[], added: readonly string[]): string[] {
  return [...new Set([...existing, ...added])];
}

export const isCustomerNumber = (value: string): boolean => CUSTOM_ID.test(value);

/** Address ids have the syntax of customer numbers: custom ones are checked with it, generated ones are hex digits. */
export const isAddressId = isCustomerNumber;
