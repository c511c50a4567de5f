/**
 * The `q` language of REST.md ("The `q` language"), parsed into typed conditions: one per field, each with one
 * operator and values of the field's type (text, boolean, whole numbers, dates as epoch milliseconds), so that a
 * store can turn them into SQL without looking at text again.
 *
 * The parser is written by hand: the grammar is a dozen rules, and every error has to name the character and the
 * condition it is about, in REST.md's terms, which a generated parser would not say.
 */
import { z } from 'zod';
import { LIMITS, unstorableCharacter } from '../domain/validation.js';
import { RestBadRequest, type DetailType } from './errors.js';

export const Q_LIMITS = {
  /** Characters of the whole expression: enough for every field with a long list, short of a URL's limits. */
  length: 2000,
  /** Values of one list, e.g. `id:(1,2,3)`. */
  listValues: 100,
  /** Conditions: every field once, and room for mixins. */
  conditions: 32,
  /** Characters of one value, the longest a text field holds. */
  value: LIMITS.text,
} as const;

type Kind = 'text' | 'enum' | 'boolean' | 'number' | 'date';
interface FieldSpec {
  readonly kind: Kind;
  /** Whether the field can be empty, so that `field:null` can match. */
  readonly nullable?: true;
}

/** REST.md's queryable fields (besides `mixins.<name>`), in its order. `id` is another name of `customerNumber`. */
const FIELDS = {
  id: { kind: 'text' },
  customerNumber: { kind: 'text' },
  firstName: { kind: 'text', nullable: true },
  lastName: { kind: 'text', nullable: true },
  middleName: { kind: 'text', nullable: true },
  title: { kind: 'text', nullable: true },
  contactEmail: { kind: 'text', nullable: true },
  contactPhone: { kind: 'text', nullable: true },
  company: { kind: 'text', nullable: true },
  preferredLanguage: { kind: 'text' },
  preferredCurrency: { kind: 'text' },
  preferredSite: { kind: 'text' },
  active: { kind: 'boolean' },
  onHold: { kind: 'boolean' },
  type: { kind: 'text', nullable: true },
  businessModel: { kind: 'enum' },
  'b2b.companyRegistrationId': { kind: 'text', nullable: true },
  // Empty when the customer belongs to no legal entity.
  'b2b.legalEntities.id': { kind: 'text', nullable: true },
  'metadata.version': { kind: 'number' },
  'metadata.createdAt': { kind: 'date' },
  'metadata.modifiedAt': { kind: 'date' },
  metadataCreatedAt: { kind: 'date' },
} as const satisfies Record<string, FieldSpec>;

type Fields = typeof FIELDS;
type FieldsOfKind<K extends Kind> = { [F in keyof Fields]: Fields[F]['kind'] extends K ? F : never }[keyof Fields];

/**
 * Other names of fields: `id` of `customerNumber`, and the official description's name of the creation date (its q
 * document's date example). A condition on one is one on the other; both at once are the same field twice.
 */
const ALIASES: Readonly<Record<string, keyof Fields>> = {
  id: 'customerNumber',
  metadataCreatedAt: 'metadata.createdAt',
};

/** The operators of a regular expression (besides `.`), which an unquoted `~` value may not hold. */
const REGEX_OPERATOR = /[\^$*+?()[\]{}|\\]/;

/** The queryable fields as REST.md lists them, `mixins.<name>` last. */
export const QUERYABLE_FIELDS: readonly string[] = [...Object.keys(FIELDS), 'mixins.<name>'];

/** Text fields, `id` folded into `customerNumber`. */
export type TextField = Exclude<FieldsOfKind<'text'>, 'id'>;
export type NullableField = { [F in keyof Fields]: Fields[F] extends { nullable: true } ? F : never }[keyof Fields];
export type BooleanField = FieldsOfKind<'boolean'>;
export type NumberField = FieldsOfKind<'number'>;
/** Dates, `metadataCreatedAt` folded into `metadata.createdAt`. */
export type DateField = Exclude<FieldsOfKind<'date'>, 'metadataCreatedAt'>;
export type MixinField = `mixins.${string}`;
export type BusinessModel = 'B2B' | 'B2C';

export type Comparison = 'gt' | 'gte' | 'lt' | 'lte';
export interface LowerBound {
  readonly op: 'gt' | 'gte';
  readonly value: number;
}
export interface UpperBound {
  readonly op: 'lt' | 'lte';
  readonly value: number;
}

export type TextCondition =
  | { readonly field: TextField; readonly op: 'eq'; readonly value: string }
  | { readonly field: TextField; readonly op: 'in'; readonly values: readonly string[] }
  /** Case-insensitive. */
  | { readonly field: TextField; readonly op: 'contains'; readonly value: string }
  | { readonly field: NullableField; readonly op: 'isNull' };

export type BusinessModelCondition =
  | { readonly field: 'businessModel'; readonly op: 'eq'; readonly value: BusinessModel }
  | { readonly field: 'businessModel'; readonly op: 'in'; readonly values: readonly BusinessModel[] };

export interface BooleanCondition {
  readonly field: BooleanField;
  readonly op: 'eq';
  readonly value: boolean;
}

/** `metadata.version` in whole numbers; the dates in epoch milliseconds, as every time in the domain. */
export type OrderedCondition =
  | { readonly field: NumberField | DateField; readonly op: 'eq'; readonly value: number }
  | { readonly field: NumberField | DateField; readonly op: 'in'; readonly values: readonly number[] }
  | { readonly field: NumberField | DateField; readonly op: Comparison; readonly value: number }
  | {
      readonly field: NumberField | DateField;
      readonly op: 'range';
      readonly lower: LowerBound;
      readonly upper: UpperBound;
    };

/** `path` is the field's place in the customer's mixins: `mixins.loyalty.level` → `['loyalty', 'level']`. */
export type MixinCondition =
  | { readonly field: MixinField; readonly path: readonly string[]; readonly op: 'exists' | 'missing' }
  | {
      readonly field: MixinField;
      readonly path: readonly string[];
      readonly op: 'eq';
      readonly value: string | number | boolean;
    };

export type Condition = TextCondition | BusinessModelCondition | BooleanCondition | OrderedCondition | MixinCondition;

// ---- Scanning ----

interface Token {
  readonly quoted: boolean;
  readonly text: string;
  /** Offset of its first character in q. */
  readonly at: number;
}

type Keyword = 'null' | 'exists' | 'missing';
const KEYWORDS: ReadonlySet<string> = new Set<Keyword>(['null', 'exists', 'missing']);

type Expression =
  | { readonly kind: 'value'; readonly value: Token }
  | { readonly kind: 'keyword'; readonly word: Keyword; readonly at: number }
  | { readonly kind: 'contains'; readonly value: Token }
  | { readonly kind: 'compare'; readonly op: Comparison; readonly value: Token }
  | { readonly kind: 'range'; readonly bounds: readonly [Bound, Bound]; readonly at: number }
  | { readonly kind: 'list'; readonly values: readonly Token[] };

interface Bound {
  readonly op: Comparison;
  readonly value: Token;
}

const FIELD_CHAR = /[A-Za-z0-9_.-]/;
/** Characters that end a value written without quotes. */
const BARE_END = new Set([' ', '"', '(', ')', ',', '\\']);
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what q refuses
const CONTROL = /[\u0000-\u001f\u007f]/;
const MIXIN_FIELD = /^mixins(?:\.[A-Za-z0-9_-]+)+$/;

const describe = (char: string | undefined): string => (char === undefined ? 'the end' : JSON.stringify(char));

class Parser {
  private pos = 0;
  private conditionStart = 0;
  private conditionNumber = 0;

  constructor(private readonly src: string) {}

  parse(): Condition[] {
    const conditions: Condition[] = [];
    const seen = new Map<string, string>();
    this.skipSpaces();
    while (this.pos < this.src.length) {
      this.conditionStart = this.pos;
      this.conditionNumber++;
      if (this.conditionNumber > Q_LIMITS.conditions) {
        this.fail(this.pos, 'too_long', `q may have at most ${Q_LIMITS.conditions} conditions`);
      }
      const { name, key, condition } = this.condition();
      const earlier = seen.get(key);
      if (earlier !== undefined) {
        const same = earlier === name ? '' : ` (${earlier} and ${name} are the same field)`;
        this.fail(
          this.conditionStart,
          'not_allowed',
          `${key} is given twice${same}: put several values in one list, e.g. ${key}:(a,b), or two bounds in one range`,
        );
      }
      seen.set(key, name);
      conditions.push(condition);
      const next = this.src[this.pos];
      if (next !== undefined && next !== ' ') {
        this.fail(this.pos, 'invalid_syntax', `unexpected ${describe(next)}: conditions are separated by spaces`);
      }
      this.skipSpaces();
    }
    return conditions;
  }

  private condition(): { name: string; key: string; condition: Condition } {
    const start = this.pos;
    while (this.pos < this.src.length && FIELD_CHAR.test(this.src[this.pos]!)) this.pos++;
    const name = this.src.slice(start, this.pos);
    const next = this.src[this.pos];
    if (name === 'OR' || name === 'or') {
      this.fail(start, 'not_allowed', 'OR is not supported: every condition must hold');
    }
    if (name === 'AND' && next !== ':') {
      this.fail(start, 'invalid_syntax', 'conditions are joined by spaces alone: every condition must hold');
    }
    if (name === '') {
      this.fail(start, 'invalid_syntax', `expected a field name, found ${describe(next)}`);
    }
    if (next !== ':') {
      this.fail(
        this.pos,
        'invalid_syntax',
        next === undefined || next === ' '
          ? `expected : after ${name}: a condition is field:value, e.g. lastName:Doe`
          : `unexpected ${describe(next)} in a field name`,
      );
    }
    this.pos++;
    if (name.startsWith('mixins.') || name === 'mixins') return this.mixinCondition(name, start);
    // Own names only: `constructor` and `__proto__` are no fields.
    const spec: FieldSpec | undefined = Object.hasOwn(FIELDS, name) ? FIELDS[name as keyof Fields] : undefined;
    if (!spec) this.unknownField(name, start);
    const field = Object.hasOwn(ALIASES, name) ? ALIASES[name]! : (name as keyof Fields);
    const expression = this.expression();
    return { name, key: field, condition: this.typed(field, spec, expression) };
  }

  private unknownField(name: string, at: number): never {
    const known = Object.keys(FIELDS).find((field) => field.toLowerCase() === name.toLowerCase());
    const hint = known ? ` (did you mean ${known}?)` : '';
    this.fail(
      at,
      'unknown_field',
      `${name} is not a queryable field${hint}; these are: ${QUERYABLE_FIELDS.join(', ')}`,
    );
  }

  private mixinCondition(name: string, at: number): { name: string; key: string; condition: MixinCondition } {
    if (!MIXIN_FIELD.test(name)) {
      this.fail(at, 'unknown_field', `${name} names no mixin field: write mixins.<name>, e.g. mixins.loyalty`);
    }
    const field = name as MixinField;
    const path = name.split('.').slice(1);
    const expression = this.expression();
    const condition = ((): MixinCondition => {
      switch (expression.kind) {
        case 'keyword':
          if (expression.word === 'null') {
            this.fail(expression.at, 'not_allowed', `${name}:null is not a condition: write ${name}:missing`);
          }
          return { field, path, op: expression.word };
        case 'value':
          return { field, path, op: 'eq', value: this.mixinValue(expression.value) };
        default:
          return this.fail(
            at,
            'not_allowed',
            `${name} takes exists, missing or a value to equal, e.g. ${name}:exists or ${name}:"gold"`,
          );
      }
    })();
    return { name, key: name, condition };
  }

  /** A mixin value is JSON: unquoted true, false and numbers are those, anything else is text. */
  private mixinValue(token: Token): string | number | boolean {
    if (!token.quoted) {
      if (token.text === 'true') return true;
      if (token.text === 'false') return false;
      if (/^-?\d+(?:\.\d+)?$/.test(token.text) && Number.isFinite(Number(token.text))) return Number(token.text);
    }
    return this.text(token);
  }

  // ---- Expressions ----

  private expression(): Expression {
    const at = this.pos;
    const c = this.src[at];
    if (c === undefined || c === ' ') {
      this.fail(at, 'invalid_syntax', 'expected a value after the field name and :');
    }
    if (c === '~') {
      this.pos++;
      return { kind: 'contains', value: this.value(' after ~') };
    }
    if (c === '>' || c === '<') {
      const op = this.comparison();
      return { kind: 'compare', op, value: this.value(` after ${this.src.slice(at, this.pos)}`) };
    }
    if (c === '(') {
      this.pos++;
      this.skipSpaces();
      const first = this.src[this.pos];
      return first === '>' || first === '<' ? this.range(at) : this.list(at);
    }
    const value = this.value('');
    if (!value.quoted && KEYWORDS.has(value.text)) return { kind: 'keyword', word: value.text as Keyword, at };
    return { kind: 'value', value };
  }

  private comparison(): Comparison {
    const c = this.src[this.pos++];
    const orEqual = this.src[this.pos] === '=';
    if (orEqual) this.pos++;
    if (c === '>') return orEqual ? 'gte' : 'gt';
    return orEqual ? 'lte' : 'lt';
  }

  private range(open: number): Expression {
    const first = this.bound();
    if (this.src[this.pos] !== ' ') {
      this.skipSpaces();
      if (this.src[this.pos] === ')') {
        this.fail(open, 'invalid_syntax', 'a range has two bounds joined by AND; for one bound leave out ( and )');
      }
      this.fail(
        this.pos,
        'invalid_syntax',
        `expected AND after the first bound, found ${describe(this.src[this.pos])}`,
      );
    }
    this.skipSpaces();
    if (this.src.startsWith('AND ', this.pos)) {
      this.pos += 3;
    } else if (this.src[this.pos] === ')') {
      this.fail(open, 'invalid_syntax', 'a range has two bounds joined by AND; for one bound leave out ( and )');
    } else {
      this.fail(this.pos, 'invalid_syntax', 'expected AND between the two bounds of a range');
    }
    this.skipSpaces();
    const second = this.bound();
    this.skipSpaces();
    if (this.src[this.pos] !== ')') {
      this.fail(this.pos, 'invalid_syntax', `expected ) to close the range, found ${describe(this.src[this.pos])}`);
    }
    this.pos++;
    return { kind: 'range', bounds: [first, second], at: open };
  }

  private bound(): Bound {
    const at = this.pos;
    const c = this.src[at];
    if (c !== '>' && c !== '<') {
      this.fail(at, 'invalid_syntax', `expected a bound such as >="2026-01-01T00:00:00Z", found ${describe(c)}`);
    }
    const op = this.comparison();
    return { op, value: this.value(` after ${this.src.slice(at, this.pos)}`) };
  }

  private list(open: number): Expression {
    const values: Token[] = [];
    for (;;) {
      this.skipSpaces();
      const value = this.value(' in the list');
      if (!value.quoted && KEYWORDS.has(value.text)) {
        this.fail(value.at, 'not_allowed', `${value.text} cannot be one of a list`);
      }
      values.push(value);
      if (values.length > Q_LIMITS.listValues) {
        this.fail(value.at, 'too_long', `a list may have at most ${Q_LIMITS.listValues} values`);
      }
      this.skipSpaces();
      const c = this.src[this.pos];
      if (c === ',') {
        this.pos++;
      } else if (c === ')') {
        this.pos++;
        return { kind: 'list', values };
      } else if (c === undefined) {
        this.fail(open, 'invalid_syntax', 'the list is not closed with )');
      } else {
        this.fail(this.pos, 'invalid_syntax', `expected , or ) in the list, found ${describe(c)}`);
      }
    }
  }

  /** A value in double quotes (with \" and \\ as the only escapes), or a run of characters that need none. */
  private value(where: string): Token {
    const at = this.pos;
    if (this.src[at] === '"') {
      let text = '';
      this.pos++;
      for (;;) {
        const c = this.src[this.pos];
        if (c === undefined) this.fail(at, 'invalid_syntax', 'the quoted value is not closed with "');
        if (c === '"') break;
        if (c === '\\') {
          const escaped = this.src[this.pos + 1];
          if (escaped !== '"' && escaped !== '\\') {
            this.fail(this.pos, 'invalid_syntax', 'inside quotes only \\" and \\\\ are escapes');
          }
          text += escaped;
          this.pos += 2;
        } else {
          text += c;
          this.pos++;
        }
      }
      this.pos++;
      return this.limited({ quoted: true, text, at });
    }
    while (this.pos < this.src.length && !BARE_END.has(this.src[this.pos]!)) this.pos++;
    const text = this.src.slice(at, this.pos);
    if (text === '') {
      const found = this.src[at];
      const hint = found === '\\' ? ' (escapes work only inside double quotes)' : '';
      this.fail(at, 'invalid_syntax', `expected a value${where}, found ${describe(found)}${hint}`);
    }
    return this.limited({ quoted: false, text, at });
  }

  private limited(token: Token): Token {
    if (token.text.length > Q_LIMITS.value) {
      this.fail(token.at, 'too_long', `a value may have at most ${Q_LIMITS.value} characters`);
    }
    return token;
  }

  // ---- Types ----

  private typed(field: keyof Fields, spec: FieldSpec, expression: Expression): Condition {
    switch (spec.kind) {
      case 'text':
        return this.textCondition(field as TextField, spec, expression);
      case 'enum':
        return this.businessModelCondition(expression);
      case 'boolean':
        return this.booleanCondition(field as BooleanField, expression);
      case 'number':
      case 'date':
        return this.orderedCondition(field as NumberField | DateField, spec.kind, expression);
    }
  }

  private textCondition(field: TextField, spec: FieldSpec, e: Expression): TextCondition {
    switch (e.kind) {
      case 'value':
        return { field, op: 'eq', value: this.text(e.value) };
      case 'list':
        return { field, op: 'in', values: unique(e.values.map((v) => this.text(v))) };
      case 'contains':
        return { field, op: 'contains', value: this.literal(e.value) };
      case 'keyword':
        if (e.word !== 'null') this.notForMixinsOnly(e.word, e.at);
        if (!spec.nullable) this.fail(e.at, 'not_allowed', `${field} is never empty, so null matches nothing`);
        return { field: field as NullableField, op: 'isNull' };
      case 'compare':
      case 'range':
        return this.noComparison(field, e);
    }
  }

  private businessModelCondition(e: Expression): BusinessModelCondition {
    const model = (token: Token): BusinessModel => {
      const value = token.text.toUpperCase();
      if (value !== 'B2B' && value !== 'B2C') this.fail(token.at, 'invalid_value', 'businessModel is B2B or B2C');
      return value;
    };
    switch (e.kind) {
      case 'value':
        return { field: 'businessModel', op: 'eq', value: model(e.value) };
      case 'list':
        return { field: 'businessModel', op: 'in', values: unique(e.values.map(model)) };
      case 'keyword':
        if (e.word !== 'null') this.notForMixinsOnly(e.word, e.at);
        return this.fail(e.at, 'not_allowed', 'businessModel is never empty, so null matches nothing');
      default:
        return this.fail(this.conditionStart, 'not_allowed', 'businessModel takes B2B, B2C or a list of them');
    }
  }

  private booleanCondition(field: BooleanField, e: Expression): BooleanCondition {
    if (e.kind === 'value' && !e.value.quoted && (e.value.text === 'true' || e.value.text === 'false')) {
      return { field, op: 'eq', value: e.value.text === 'true' };
    }
    if (e.kind === 'keyword' && e.word !== 'null') this.notForMixinsOnly(e.word, e.at);
    const at = e.kind === 'value' ? e.value.at : this.conditionStart;
    return this.fail(at, e.kind === 'value' ? 'invalid_value' : 'not_allowed', `${field} takes only true or false`);
  }

  private orderedCondition(field: NumberField | DateField, kind: 'number' | 'date', e: Expression): OrderedCondition {
    const value = (token: Token) => (kind === 'number' ? this.wholeNumber(field, token) : this.date(field, token));
    switch (e.kind) {
      case 'value':
        return { field, op: 'eq', value: value(e.value) };
      case 'list':
        return { field, op: 'in', values: unique(e.values.map(value)) };
      case 'compare':
        return { field, op: e.op, value: value(e.value) };
      case 'range': {
        const [a, b] = e.bounds;
        const isLower = (bound: Bound) => bound.op === 'gt' || bound.op === 'gte';
        if (isLower(a) === isLower(b)) {
          this.fail(e.at, 'invalid_syntax', 'a range has a lower bound (> or >=) and an upper bound (< or <=)');
        }
        const [low, high] = isLower(a) ? [a, b] : [b, a];
        const lower = { op: low.op as LowerBound['op'], value: value(low.value) };
        const upper = { op: high.op as UpperBound['op'], value: value(high.value) };
        const strict = lower.op === 'gt' || upper.op === 'lt';
        if (lower.value > upper.value || (lower.value === upper.value && strict)) {
          this.fail(e.at, 'invalid_value', 'the range is empty: its lower bound is not below its upper bound');
        }
        return { field, op: 'range', lower, upper };
      }
      case 'keyword':
        if (e.word !== 'null') this.notForMixinsOnly(e.word, e.at);
        return this.fail(e.at, 'not_allowed', `${field} is never empty, so null matches nothing`);
      case 'contains':
        return this.fail(e.value.at - 1, 'not_allowed', `~ (contains) applies to text fields, not to ${field}`);
    }
  }

  /**
   * What `~` looks for. The publisher's q document calls `~` a regular-expression match; here it finds the text as
   * written, in any letter case (docs/rest.md says why: an index serves it, a regular expression needs every row).
   * Unquoted operators of regular expressions are refused rather than taken literally, so that a pattern never
   * silently matches less than it would there; quoted, they are text. A `.` is text (emails, domains).
   */
  private literal(token: Token): string {
    const operator = token.quoted ? undefined : REGEX_OPERATOR.exec(token.text);
    if (operator) {
      this.fail(
        token.at + operator.index,
        'not_allowed',
        `~ finds the text as written (contains, any letter case), not a regular expression: ${operator[0]} is no operator here; quote the value (~"${token.text}") to search for it as text`,
      );
    }
    return this.text(token);
  }

  private text(token: Token): string {
    if (token.text === '') {
      this.fail(token.at, 'invalid_value', 'an empty value matches nothing: write field:null to find empty fields');
    }
    return token.text;
  }

  private wholeNumber(field: string, token: Token): number {
    const value = Number(token.text);
    if (token.quoted || !/^-?\d+$/.test(token.text) || !Number.isSafeInteger(value)) {
      const quotes = token.quoted ? ', without quotes' : '';
      this.fail(token.at, 'invalid_value', `${field} takes a whole number${quotes}, e.g. ${field}:>3`);
    }
    return value;
  }

  private date(field: string, token: Token): number {
    if (!token.quoted) {
      this.fail(token.at, 'invalid_value', `dates go in double quotes, e.g. ${field}:>="2026-01-01T00:00:00Z"`);
    }
    if (!ISO_DATE.safeParse(token.text).success) {
      this.fail(
        token.at,
        'invalid_value',
        `${JSON.stringify(token.text)} is not an ISO 8601 date-time with a zone, such as "2026-01-01T00:00:00Z", nor a date such as "2026-01-01"`,
      );
    }
    return Date.parse(token.text);
  }

  private noComparison(field: string, e: Expression): never {
    return this.fail(
      e.kind === 'compare' ? e.value.at - 1 : this.conditionStart,
      'not_allowed',
      `${field} is text: comparisons apply to metadata.version, metadata.createdAt and metadata.modifiedAt`,
    );
  }

  private notForMixinsOnly(word: string, at: number): never {
    return this.fail(
      at,
      'not_allowed',
      `${word} applies to mixins.<name> fields only; write field:null for an empty field, or "${word}" for the word`,
    );
  }

  private skipSpaces(): void {
    while (this.src[this.pos] === ' ') this.pos++;
  }

  /** The condition as written, up to the first space outside quotes and parentheses. */
  private conditionText(): string {
    let depth = 0;
    let quoted = false;
    let end = this.conditionStart;
    for (; end < this.src.length; end++) {
      const c = this.src[end];
      if (quoted) {
        if (c === '\\') end++;
        else if (c === '"') quoted = false;
      } else if (c === '"') quoted = true;
      else if (c === '(') depth++;
      else if (c === ')') depth--;
      else if (c === ' ' && depth <= 0) break;
    }
    const text = this.src.slice(this.conditionStart, end);
    return text.length > 60 ? `${text.slice(0, 60)}…` : text;
  }

  private fail(at: number, type: DetailType, problem: string): never {
    const where = `at character ${at + 1}, in condition ${this.conditionNumber} ${JSON.stringify(this.conditionText())}`;
    throw qError(type, `${problem} (${where})`);
  }
}

const ISO_DATE = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

const qError = (type: DetailType, message: string) =>
  new RestBadRequest(`Invalid q: ${message}`, [{ field: 'q', type, message }]);

/**
 * The conditions of a `q` expression, all of which must hold; none for an empty one. Throws a RestBadRequest whose
 * detail (field `q`) names the problem, the character and the condition.
 */
export function parseQ(q: string): Condition[] {
  if (q.length > Q_LIMITS.length) {
    throw qError('too_long', `q may have at most ${Q_LIMITS.length} characters; it has ${q.length}`);
  }
  const control = CONTROL.exec(q);
  if (control) {
    const code = control[0].charCodeAt(0).toString(16).padStart(4, '0');
    throw qError(
      'invalid_value',
      `q may not contain control characters: U+${code.toUpperCase()} at character ${control.index + 1} (conditions are separated by spaces)`,
    );
  }
  // A value compared in a store must be text the store can hold (the domain's rule for every text it takes).
  const unstorable = unstorableCharacter(q);
  if (unstorable) throw qError('invalid_value', `q ${unstorable.message} at character ${unstorable.index + 1}`);
  return new Parser(q).parse();
}
