/**
 * Federation 2 entities: `Customer` and `Address` keyed by `id`, and `LegalEntity` keyed by `id` and resolvable,
 * so that a companies subgraph can extend it or take fields over. `_entities` is one more way to customer data, so
 * it passes the same checks as the `customer` query: the same scopes, the same per-request loaders (one batched
 * statement per type, however many representations), and the same reach, so that another tenant's or company's
 * row resolves to null, exactly like a missing one.
 */
import { AuthScopeFailureType } from '@pothos/plugin-scope-auth';
import type { GraphQLFieldResolver, GraphQLResolveInfo, GraphQLSchema } from 'graphql';
import { z } from 'zod';
import { badInput, type DomainError } from '../domain/errors.js';
import { customNumber } from '../domain/validation.js';
import { type ArgsOf, perform, permissionOf } from '../operations/index.js';
import { builder } from './builder.js';
import type { Context } from './context.js';
import { unauthenticated, unauthorizedError } from './errors.js';
import { AddressRef, CustomerRef, LegalEntityRef, type LegalEntityView } from './refs.js';

const idKey = builder.selection<{ id: string }>('id');

/**
 * The operation that reads the entity, behind the scope check of the query that reads the type, made before any
 * loader runs and with the error scope-auth gives.
 */
function resolveAs<N extends 'customer' | 'address' | 'legalEntity'>(name: N, ctx: Context, info: GraphQLResolveInfo) {
  const permission = permissionOf(name);
  if (!ctx.may(permission)) {
    throw unauthorizedError(null, ctx, info, {
      message: `Not authorized to resolve this entity (${permission}).`,
      failure: { kind: AuthScopeFailureType.AuthScope, scope: 'allowed', parameter: permission, error: null },
    });
  }
  return (args: ArgsOf<N>) => perform(ctx, name, args);
}

builder.asEntity(CustomerRef, {
  key: idKey,
  // Exactly the `customer` query: id = customerNumber, within the read reach (tenant, or own company).
  resolveReference: ({ id }, ctx, info) => resolveAs('customer', ctx, info)({ customerNumber: id }),
});

builder.asEntity(AddressRef, {
  key: idKey,
  resolveReference: ({ id }, ctx, info) => resolveAs('address', ctx, info)({ addressId: id }),
});

builder.asEntity(LegalEntityRef, {
  key: idKey,
  resolveReference: async ({ id }, ctx, info): Promise<LegalEntityView | null> => {
    const entity = await resolveAs('legalEntity', ctx, info)({ legalEntityId: id });
    // Seen on its own, not through one customer's assignment.
    return entity ? { entity, assignmentId: null } : null;
  },
});

const ENTITY_TYPES = ['Customer', 'Address', 'LegalEntity'] as const;

/** Every entity here is keyed by an id with the syntax of customer numbers and address ids. */
const representationSchema = z.object({ __typename: z.enum(ENTITY_TYPES), id: customNumber });

/** A representation's problems as BAD_USER_INPUT details, e.g. `representations[2].id: is required`. */
function representationProblem(representation: unknown, index: number): DomainError | undefined {
  const result = representationSchema.safeParse(representation);
  if (result.success) return undefined;
  return badInput(
    result.error.issues.map((issue) => ({
      field: [`representations[${index}]`, ...issue.path.map(String)].join('.'),
      message: issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message,
    })),
  );
}

/**
 * Wraps the `_entities` resolver of @apollo/subgraph (which Pothos adds outside its own field wrappers):
 * - without a token the whole field is UNAUTHENTICATED, as `customer` is;
 * - a representation with a missing or malformed `__typename` or `id` is BAD_USER_INPUT at its index, instead of
 *   an unexpected error for the whole batch, and a missing scope is FORBIDDEN at its index;
 * - every valid representation goes to the original resolver, and so to the entity's `resolveReference` above.
 *   DataLoader batches them across one tick, so N representations of one type still cost one statement.
 */
export function guardEntities(schema: GraphQLSchema): GraphQLSchema {
  const field = schema.getQueryType()?.getFields()._entities;
  const resolve = field?.resolve as GraphQLFieldResolver<unknown, Context, { representations: unknown[] }> | undefined;
  if (!field || !resolve) throw new Error('The subgraph schema has no _entities field to guard');
  field.resolve = (source, args: { representations: unknown[] }, ctx: Context, info) => {
    if (!ctx.caller) throw unauthenticated();
    // Async, so that whatever one representation throws fails that item only. Each body runs up to its first
    // await in this synchronous pass, so the loaders still see every key before they dispatch.
    return args.representations.map(async (representation, index) => {
      const problem = representationProblem(representation, index);
      if (problem) throw problem;
      return (resolve(source, { representations: [representation] }, ctx, info) as unknown[])[0];
    });
  };
  return schema;
}
