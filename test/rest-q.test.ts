/**
 * The `q` language of contract/REST.md: every form of its table parses into the typed condition it means, every
 * queryable field takes only values of its type, and every malformed expression is a 400 whose detail names the
 * problem, the character and the condition.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RestBadRequest, toErrorResponse } from '../src/rest/errors.js';
import { parseQ, Q_LIMITS, QUERYABLE_FIELDS } from '../src/rest/q.js';
import { ROOT } from './support/built-service.js';

const REST_MD = readFileSync(join(ROOT, 'contract/REST.md'), 'utf8');

/** The 400 that parsing `q` throws, as the body a client gets. */
function failure(q: string): { message: string; type: string } {
  try {
    parseQ(q);
  } catch (error) {
    expect(error).toBeInstanceOf(RestBadRequest);
    const response = toErrorResponse(error);
    expect(response.status).toBe(400);
    const body = response.body as {
      type: string;
      message: string;
      details: { field: string; type: string; message: string }[];
    };
    expect(body.type).toBe('bad_request');
    expect(body.details).toHaveLength(1);
    expect(body.details[0]!.field).toBe('q');
    expect(body.message).toBe(`Invalid q: ${body.details[0]!.message}`);
    return { message: body.details[0]!.message, type: body.details[0]!.type };
  }
  throw new Error(`q ${JSON.stringify(q)} parsed`);
}

const ms = (iso: string) => Date.parse(iso);

describe('q: the forms of REST.md', () => {
  it('equals, bare or in quotes (for spaces and special characters)', () => {
    expect(parseQ('lastName:Doe')).toEqual([{ field: 'lastName', op: 'eq', value: 'Doe' }]);
    expect(parseQ('lastName:"Doe Smith"')).toEqual([{ field: 'lastName', op: 'eq', value: 'Doe Smith' }]);
    expect(parseQ('company:"a (b), c: ~d"')).toEqual([{ field: 'company', op: 'eq', value: 'a (b), c: ~d' }]);
    expect(parseQ('contactEmail:john.doe@example.com')).toEqual([
      { field: 'contactEmail', op: 'eq', value: 'john.doe@example.com' },
    ]);
  });

  it('quoted values with the escapes \\" and \\\\', () => {
    expect(parseQ('company:"say \\"hi\\" \\\\ bye"')).toEqual([
      { field: 'company', op: 'eq', value: 'say "hi" \\ bye' },
    ]);
  });

  it('quoted keywords are values: "null", "exists", "true"', () => {
    expect(parseQ('lastName:"null"')).toEqual([{ field: 'lastName', op: 'eq', value: 'null' }]);
    expect(parseQ('lastName:"exists"')).toEqual([{ field: 'lastName', op: 'eq', value: 'exists' }]);
    // A text field takes the word true as text.
    expect(parseQ('firstName:true')).toEqual([{ field: 'firstName', op: 'eq', value: 'true' }]);
  });

  it('booleans', () => {
    expect(parseQ('active:true onHold:false')).toEqual([
      { field: 'active', op: 'eq', value: true },
      { field: 'onHold', op: 'eq', value: false },
    ]);
  });

  it('comparisons on numbers: > < >= <=', () => {
    expect(parseQ('metadata.version:>3')).toEqual([{ field: 'metadata.version', op: 'gt', value: 3 }]);
    expect(parseQ('metadata.version:<3')).toEqual([{ field: 'metadata.version', op: 'lt', value: 3 }]);
    expect(parseQ('metadata.version:>=3')).toEqual([{ field: 'metadata.version', op: 'gte', value: 3 }]);
    expect(parseQ('metadata.version:<=3')).toEqual([{ field: 'metadata.version', op: 'lte', value: 3 }]);
    expect(parseQ('metadata.version:7')).toEqual([{ field: 'metadata.version', op: 'eq', value: 7 }]);
  });

  it('comparisons on dates, in double quotes, as epoch milliseconds', () => {
    expect(parseQ('metadata.createdAt:>="2026-01-01T00:00:00Z"')).toEqual([
      { field: 'metadata.createdAt', op: 'gte', value: ms('2026-01-01T00:00:00Z') },
    ]);
    expect(parseQ('metadata.modifiedAt:<"2026-01-01T10:30:00.250+02:00"')).toEqual([
      { field: 'metadata.modifiedAt', op: 'lt', value: ms('2026-01-01T08:30:00.250Z') },
    ]);
    // A date alone is that day's midnight in UTC.
    expect(parseQ('metadata.createdAt:>"2026-03-01"')).toEqual([
      { field: 'metadata.createdAt', op: 'gt', value: ms('2026-03-01T00:00:00Z') },
    ]);
  });

  it('a range: two bounds joined by AND, in either order', () => {
    const expected = [
      {
        field: 'metadata.createdAt',
        op: 'range',
        lower: { op: 'gte', value: ms('2026-01-01T00:00:00Z') },
        upper: { op: 'lt', value: ms('2026-02-01T00:00:00Z') },
      },
    ];
    expect(parseQ('metadata.createdAt:(>="2026-01-01T00:00:00Z" AND <"2026-02-01T00:00:00Z")')).toEqual(expected);
    expect(parseQ('metadata.createdAt:( <"2026-02-01T00:00:00Z"  AND  >="2026-01-01T00:00:00Z" )')).toEqual(expected);
    expect(parseQ('metadata.version:(>2 AND <=5)')).toEqual([
      { field: 'metadata.version', op: 'range', lower: { op: 'gt', value: 2 }, upper: { op: 'lte', value: 5 } },
    ]);
    expect(parseQ('metadata.version:(>=5 AND <=5)')).toEqual([
      { field: 'metadata.version', op: 'range', lower: { op: 'gte', value: 5 }, upper: { op: 'lte', value: 5 } },
    ]);
  });

  it('one of a list, bare or quoted, duplicates once', () => {
    expect(parseQ('id:(13869000,13869001)')).toEqual([
      { field: 'customerNumber', op: 'in', values: ['13869000', '13869001'] },
    ]);
    expect(parseQ('lastName:("Doe","Roe")')).toEqual([{ field: 'lastName', op: 'in', values: ['Doe', 'Roe'] }]);
    expect(parseQ('lastName:( "Doe Smith" , Roe,Doe )')).toEqual([
      { field: 'lastName', op: 'in', values: ['Doe Smith', 'Roe', 'Doe'] },
    ]);
    expect(parseQ('metadata.version:(1,2,2)')).toEqual([{ field: 'metadata.version', op: 'in', values: [1, 2] }]);
    expect(parseQ('metadata.createdAt:("2026-01-01","2026-01-02T00:00:00Z")')).toEqual([
      { field: 'metadata.createdAt', op: 'in', values: [ms('2026-01-01T00:00:00Z'), ms('2026-01-02T00:00:00Z')] },
    ]);
  });

  it('contains (case-insensitive: the store compares so)', () => {
    expect(parseQ('company:~mpor')).toEqual([{ field: 'company', op: 'contains', value: 'mpor' }]);
    expect(parseQ('company:~"mp or"')).toEqual([{ field: 'company', op: 'contains', value: 'mp or' }]);
  });

  it('null: the field is empty', () => {
    expect(parseQ('contactPhone:null')).toEqual([{ field: 'contactPhone', op: 'isNull' }]);
    expect(parseQ('b2b.legalEntities.id:null')).toEqual([{ field: 'b2b.legalEntities.id', op: 'isNull' }]);
  });

  it('mixins: exists, missing, and equality with JSON values', () => {
    expect(parseQ('mixins.loyalty:exists')).toEqual([{ field: 'mixins.loyalty', path: ['loyalty'], op: 'exists' }]);
    expect(parseQ('mixins.loyalty:missing')).toEqual([{ field: 'mixins.loyalty', path: ['loyalty'], op: 'missing' }]);
    expect(parseQ('mixins.loyalty.level:gold')).toEqual([
      { field: 'mixins.loyalty.level', path: ['loyalty', 'level'], op: 'eq', value: 'gold' },
    ]);
    expect(parseQ('mixins.loyalty.points:120 mixins.loyalty.vip:true mixins.loyalty.code:"120"')).toEqual([
      { field: 'mixins.loyalty.points', path: ['loyalty', 'points'], op: 'eq', value: 120 },
      { field: 'mixins.loyalty.vip', path: ['loyalty', 'vip'], op: 'eq', value: true },
      { field: 'mixins.loyalty.code', path: ['loyalty', 'code'], op: 'eq', value: '120' },
    ]);
  });

  it('space-separated conditions, all of which must hold, in the order given', () => {
    expect(parseQ('  lastName:Doe   active:true company:~mpor ')).toEqual([
      { field: 'lastName', op: 'eq', value: 'Doe' },
      { field: 'active', op: 'eq', value: true },
      { field: 'company', op: 'contains', value: 'mpor' },
    ]);
    expect(parseQ('')).toEqual([]);
    expect(parseQ('   ')).toEqual([]);
  });

  it('businessModel: B2B or B2C, in any letter case', () => {
    expect(parseQ('businessModel:b2b')).toEqual([{ field: 'businessModel', op: 'eq', value: 'B2B' }]);
    expect(parseQ('businessModel:(B2B,B2C)')).toEqual([{ field: 'businessModel', op: 'in', values: ['B2B', 'B2C'] }]);
  });
});

describe('q: the queryable fields', () => {
  it("are exactly REST.md's list, and the official description's type and metadataCreatedAt", () => {
    const paragraph = /Queryable fields:([\s\S]*?)Anything else/.exec(REST_MD)?.[1];
    expect(paragraph).toBeDefined();
    const listed = [...paragraph!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    const fromTheDescription = ['type', 'metadataCreatedAt'];
    expect(QUERYABLE_FIELDS.filter((field) => !fromTheDescription.includes(field))).toEqual(listed);
    expect(QUERYABLE_FIELDS).toEqual(expect.arrayContaining(fromTheDescription));
  });

  it('~ finds text as written: unquoted regular-expression operators are refused, quoted ones are text', () => {
    expect(parseQ('company:~mpor contactEmail:~john.doe')).toEqual([
      { field: 'company', op: 'contains', value: 'mpor' },
      { field: 'contactEmail', op: 'contains', value: 'john.doe' },
    ]);
    for (const q of ['lastName:~^Do', 'lastName:~Do.*e', 'lastName:~Doe$', 'lastName:~D[oa]e', 'lastName:~a|b']) {
      const refused = failure(q);
      expect(refused.type, q).toBe('not_allowed');
      expect(refused.message, q).toMatch(/not a regular expression/);
    }
    expect(parseQ('lastName:~"a*b"')).toEqual([{ field: 'lastName', op: 'contains', value: 'a*b' }]);
  });

  it("names of the object's own prototype are no fields: constructor, toString and __proto__ are unknown", () => {
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect(failure(`${name}:x`).type, name).toBe('unknown_field');
    }
  });

  it("metadataCreatedAt is the official description's name of metadata.createdAt", () => {
    expect(parseQ('metadataCreatedAt:>"2021-05-18T07:27:27.455Z"')).toEqual([
      { field: 'metadata.createdAt', op: 'gt', value: Date.parse('2021-05-18T07:27:27.455Z') },
    ]);
    const twice = failure('metadataCreatedAt:>"2021-05-18T07:27:27Z" metadata.createdAt:<"2022-01-01T00:00:00Z"');
    expect(twice.type).toBe('not_allowed');
    expect(twice.message).toMatch(
      /^metadata\.createdAt is given twice \(metadataCreatedAt and metadata\.createdAt are the same field\)/,
    );
  });

  it('each text field takes equality, lists and contains; id is customerNumber', () => {
    const text = [
      'customerNumber',
      'firstName',
      'lastName',
      'middleName',
      'title',
      'contactEmail',
      'contactPhone',
      'company',
      'preferredLanguage',
      'preferredCurrency',
      'preferredSite',
      'b2b.companyRegistrationId',
      'b2b.legalEntities.id',
    ];
    for (const field of text) {
      expect(parseQ(`${field}:x`)).toEqual([{ field, op: 'eq', value: 'x' }]);
      expect(parseQ(`${field}:(x,y)`)).toEqual([{ field, op: 'in', values: ['x', 'y'] }]);
      expect(parseQ(`${field}:~x`)).toEqual([{ field, op: 'contains', value: 'x' }]);
    }
    expect(parseQ('id:13869000')).toEqual([{ field: 'customerNumber', op: 'eq', value: '13869000' }]);
  });

  it('null only on fields that can be empty', () => {
    for (const field of ['firstName', 'lastName', 'middleName', 'title', 'contactEmail', 'contactPhone', 'company']) {
      expect(parseQ(`${field}:null`)).toEqual([{ field, op: 'isNull' }]);
    }
    for (const field of ['id', 'customerNumber', 'preferredLanguage', 'preferredCurrency', 'preferredSite']) {
      expect(failure(`${field}:null`)).toMatchObject({ type: 'not_allowed' });
    }
    for (const field of ['active', 'onHold', 'businessModel', 'metadata.version', 'metadata.createdAt']) {
      expect(failure(`${field}:null`).message).toMatch(/never empty|only true or false/);
    }
    expect(failure('customerNumber:null').message).toMatch(/^customerNumber is never empty, so null matches nothing/);
  });
});

describe('q: types checked per field', () => {
  it('a boolean field takes only true or false', () => {
    expect(failure('active:yes')).toEqual({
      type: 'invalid_value',
      message: 'active takes only true or false (at character 8, in condition 1 "active:yes")',
    });
    expect(failure('active:"true"').type).toBe('invalid_value');
    expect(failure('active:TRUE').type).toBe('invalid_value');
    expect(failure('onHold:(true,false)').type).toBe('not_allowed');
    expect(failure('active:~tr').type).toBe('not_allowed');
    expect(failure('active:>1').type).toBe('not_allowed');
  });

  it('metadata.version takes whole numbers, without quotes', () => {
    expect(failure('metadata.version:>abc')).toEqual({
      type: 'invalid_value',
      message:
        'metadata.version takes a whole number, e.g. metadata.version:>3 (at character 19, in condition 1 "metadata.version:>abc")',
    });
    expect(failure('metadata.version:"3"').message).toMatch(/^metadata.version takes a whole number, without quotes/);
    expect(failure('metadata.version:3.5').type).toBe('invalid_value');
    expect(failure('metadata.version:99999999999999999999').type).toBe('invalid_value');
    expect(failure('metadata.version:~3').message).toMatch(
      /^~ \(contains\) applies to text fields, not to metadata.version/,
    );
  });

  it('dates are ISO 8601 in double quotes, with a zone', () => {
    expect(failure('metadata.createdAt:>2026-01-01').message).toMatch(
      /^dates go in double quotes, e.g. metadata.createdAt:>="2026-01-01T00:00:00Z" \(at character 21,/,
    );
    expect(failure('metadata.createdAt:>"2026-01-01T00:00:00"').message).toMatch(
      /is not an ISO 8601 date-time with a zone/,
    );
    expect(failure('metadata.createdAt:>"2026-02-30"').type).toBe('invalid_value');
    expect(failure('metadata.modifiedAt:"yesterday"').type).toBe('invalid_value');
  });

  it('comparisons apply to numbers and dates only', () => {
    expect(failure('lastName:>Doe')).toEqual({
      type: 'not_allowed',
      message:
        'lastName is text: comparisons apply to metadata.version, metadata.createdAt and metadata.modifiedAt (at character 10, in condition 1 "lastName:>Doe")',
    });
    expect(failure('lastName:(>a AND <b)').type).toBe('not_allowed');
  });

  it('businessModel is B2B or B2C', () => {
    expect(failure('businessModel:B2X').message).toMatch(/^businessModel is B2B or B2C/);
    expect(failure('businessModel:~B2').type).toBe('not_allowed');
  });

  it('exists and missing are for mixins; mixins take exists, missing or a value', () => {
    expect(failure('lastName:exists').message).toMatch(/^exists applies to mixins.<name> fields only/);
    expect(failure('active:missing').message).toMatch(/^missing applies to mixins.<name> fields only/);
    expect(failure('mixins.loyalty:null').message).toMatch(/write mixins.loyalty:missing/);
    expect(failure('mixins.loyalty:~gold').type).toBe('not_allowed');
    expect(failure('mixins.loyalty:(a,b)').type).toBe('not_allowed');
    expect(failure('mixins.loyalty:>3').type).toBe('not_allowed');
  });
});

describe('q: errors name the problem, the character and the condition', () => {
  it('an unknown field, with the queryable ones (and the likely one)', () => {
    const { type, message } = failure('lastName:Doe nickname:Jo');
    expect(type).toBe('unknown_field');
    expect(message).toBe(
      `nickname is not a queryable field; these are: ${QUERYABLE_FIELDS.join(', ')} (at character 14, in condition 2 "nickname:Jo")`,
    );
    expect(failure('lastname:Doe').message).toMatch(/^lastname is not a queryable field \(did you mean lastName\?\)/);
    expect(failure('metadata.mixins:x').type).toBe('unknown_field');
    expect(failure('b2b.legalEntities.name:x').type).toBe('unknown_field');
  });

  it('mixins without a name', () => {
    expect(failure('mixins:exists').message).toMatch(/^mixins names no mixin field: write mixins.<name>/);
    expect(failure('mixins.:exists').type).toBe('unknown_field');
    expect(failure('mixins..a:exists').type).toBe('unknown_field');
  });

  it('malformed expressions', () => {
    const cases: [string, string][] = [
      [
        'Doe',
        'expected : after Doe: a condition is field:value, e.g. lastName:Doe (at character 4, in condition 1 "Doe")',
      ],
      ['lastName:', 'expected a value after the field name and : (at character 10, in condition 1 "lastName:")'],
      ['lastName: Doe', 'expected a value after the field name and : (at character 10, in condition 1 "lastName:")'],
      [':Doe', 'expected a field name, found ":" (at character 1, in condition 1 ":Doe")'],
      ['last$Name:Doe', 'unexpected "$" in a field name (at character 5, in condition 1 "last$Name:Doe")'],
      ['lastName:"Doe', 'the quoted value is not closed with " (at character 10, in condition 1 "lastName:\\"Doe")'],
      [
        'lastName:"a\\nb"',
        'inside quotes only \\" and \\\\ are escapes (at character 12, in condition 1 "lastName:\\"a\\\\nb\\"")',
      ],
      [
        'lastName:Do\\e',
        'unexpected "\\\\": conditions are separated by spaces (at character 12, in condition 1 "lastName:Do\\\\e")',
      ],
      [
        'lastName:"Doe"x',
        'unexpected "x": conditions are separated by spaces (at character 15, in condition 1 "lastName:\\"Doe\\"x")',
      ],
      ['lastName:(Doe', 'the list is not closed with ) (at character 10, in condition 1 "lastName:(Doe")'],
      ['lastName:()', 'expected a value in the list, found ")" (at character 11, in condition 1 "lastName:()")'],
      [
        'lastName:(Doe,)',
        'expected a value in the list, found ")" (at character 15, in condition 1 "lastName:(Doe,)")',
      ],
      [
        'lastName:(Doe Roe)',
        'expected , or ) in the list, found "R" (at character 15, in condition 1 "lastName:(Doe Roe)")',
      ],
      [
        'lastName:(Doe;Roe)x',
        'unexpected "x": conditions are separated by spaces (at character 19, in condition 1 "lastName:(Doe;Roe)x")',
      ],
      ['lastName:(Doe,null)', 'null cannot be one of a list (at character 15, in condition 1 "lastName:(Doe,null)")'],
      [
        'metadata.version:>',
        'expected a value after >, found the end (at character 19, in condition 1 "metadata.version:>")',
      ],
      ['company:~', 'expected a value after ~, found the end (at character 10, in condition 1 "company:~")'],
      [
        'company:~""',
        'an empty value matches nothing: write field:null to find empty fields (at character 10, in condition 1 "company:~\\"\\"")',
      ],
      [
        'lastName:""',
        'an empty value matches nothing: write field:null to find empty fields (at character 10, in condition 1 "lastName:\\"\\"")',
      ],
    ];
    for (const [q, message] of cases) expect(failure(q).message, q).toBe(message);
  });

  it('malformed ranges', () => {
    expect(failure('metadata.version:(>=3)').message).toMatch(
      /^a range has two bounds joined by AND; for one bound leave out \( and \) \(at character 18,/,
    );
    expect(failure('metadata.version:(>=3 and <5)').message).toMatch(
      /^expected AND between the two bounds of a range \(at character 23,/,
    );
    expect(failure('metadata.version:(>=3 AND <5').message).toMatch(/^expected \) to close the range, found the end/);
    expect(failure('metadata.version:(>=3 AND 5)').message).toMatch(/^expected a bound such as >=/);
    expect(failure('metadata.version:(>3 AND >5)').message).toMatch(
      /^a range has a lower bound \(> or >=\) and an upper bound \(< or <=\)/,
    );
    expect(failure('metadata.version:(>5 AND <5)').message).toMatch(/^the range is empty/);
    expect(failure('metadata.version:(>=6 AND <=5)').message).toMatch(/^the range is empty/);
    expect(failure('metadata.version:(>=3,<5)').message).toMatch(/^expected AND after the first bound, found ","/);
  });

  it('no OR across conditions; AND between them is not needed', () => {
    expect(failure('lastName:Doe OR lastName:Roe')).toMatchObject({ type: 'not_allowed' });
    expect(failure('lastName:Doe OR lastName:Roe').message).toBe(
      'OR is not supported: every condition must hold (at character 14, in condition 2 "OR")',
    );
    expect(failure('lastName:Doe AND active:true').message).toMatch(/^conditions are joined by spaces alone/);
  });

  it('one condition per field: lists and ranges say more than one', () => {
    expect(failure('lastName:Doe lastName:Roe').message).toBe(
      'lastName is given twice: put several values in one list, e.g. lastName:(a,b), or two bounds in one range (at character 14, in condition 2 "lastName:Roe")',
    );
    expect(failure('id:1 customerNumber:2').message).toMatch(
      /^customerNumber is given twice \(id and customerNumber are the same field\)/,
    );
    expect(failure('metadata.version:>1 metadata.version:<5').type).toBe('not_allowed');
    expect(failure('mixins.a:exists mixins.a:missing').type).toBe('not_allowed');
    expect(parseQ('mixins.a:exists mixins.a.b:missing')).toHaveLength(2);
  });

  it('a long condition is shortened in the message', () => {
    const long = `lastName:(${Array.from({ length: 30 }, (_, i) => `name${i}`).join(',')};`;
    expect(failure(long).message).toMatch(/in condition 1 "lastName:\(name0,name1,.{20,}…"\)$/);
  });
});

describe('q: limits', () => {
  it(`at most ${Q_LIMITS.length} characters`, () => {
    const q = `lastName:"${'a'.repeat(Q_LIMITS.length)}"`;
    expect(failure(q)).toEqual({
      type: 'too_long',
      message: `q may have at most ${Q_LIMITS.length} characters; it has ${q.length}`,
    });
  });

  it(`at most ${Q_LIMITS.listValues} values in a list`, () => {
    const values = (n: number) => Array.from({ length: n }, (_, i) => String(i)).join(',');
    expect(parseQ(`id:(${values(Q_LIMITS.listValues)})`)[0]).toMatchObject({ op: 'in' });
    expect(failure(`id:(${values(Q_LIMITS.listValues + 1)})`)).toMatchObject({
      type: 'too_long',
      message: expect.stringMatching(/^a list may have at most 100 values \(at character 295,/),
    });
  });

  it(`at most ${Q_LIMITS.value} characters a value`, () => {
    expect(parseQ(`lastName:${'a'.repeat(Q_LIMITS.value)}`)[0]).toMatchObject({ op: 'eq' });
    expect(failure(`lastName:${'a'.repeat(Q_LIMITS.value + 1)}`).message).toMatch(
      /^a value may have at most 255 characters/,
    );
  });

  it(`at most ${Q_LIMITS.conditions} conditions`, () => {
    const mixins = (n: number) => Array.from({ length: n }, (_, i) => `mixins.m${i}:exists`).join(' ');
    expect(parseQ(mixins(Q_LIMITS.conditions))).toHaveLength(Q_LIMITS.conditions);
    expect(failure(mixins(Q_LIMITS.conditions + 1)).message).toMatch(/^q may have at most 32 conditions/);
  });

  it('no control characters, not even tabs or newlines between conditions', () => {
    expect(failure('lastName:Doe\tactive:true')).toEqual({
      type: 'invalid_value',
      message: 'q may not contain control characters: U+0009 at character 13 (conditions are separated by spaces)',
    });
    expect(failure('lastName:"Do\u0000e"').message).toMatch(/U\+0000 at character 13/);
    expect(failure('lastName:Doe\n').message).toMatch(/U\+000A/);
    expect(failure('lastName:Doe\u007f').message).toMatch(/U\+007F/);
  });

  it('no unpaired UTF-16 surrogates, which no store can compare (paired ones are Unicode text as any other)', () => {
    expect(failure('lastName:"Do\ud800e"')).toEqual({
      type: 'invalid_value',
      message: 'q must not contain an unpaired UTF-16 surrogate (it is not Unicode text) at character 13',
    });
    expect(failure('mixins.note:\udc00').message).toMatch(/unpaired UTF-16 surrogate .* at character 13/);
    expect(parseQ('lastName:"Do\ud83d\ude00e"')[0]).toMatchObject({ op: 'eq', value: 'Do\u{1F600}e' });
  });
});
