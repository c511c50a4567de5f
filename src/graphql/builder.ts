/** The Pothos SchemaBuilder and its plugins: configuration only; types live in one file per type family. */
import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import DirectivesPlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import { getNamedType, isLeafType, type GraphQLField } from 'graphql';
import type { Permission } from '../auth/scopes.js';
import type { Context } from './context.js';
import { unauthorizedError } from './errors.js';

export type Scalars = {
  DateTime: { Input: Date; Output: Date | number };
  JSON: { Input: unknown; Output: unknown };
};

/**
 * What a field costs unless it says otherwise: it reads no argument, so its cost is the same in every request. A field's
 * own cost may read its arguments, never the caller (src/graphql/limits.ts remembers costs per document and values).
 */
export const FIELD_COMPLEXITY = (_args: unknown, _ctx: Context, field: GraphQLField<unknown, Context>) =>
  isLeafType(getNamedType(field.type)) ? 1 : { field: 2, multiplier: 1 };

export const builder = new SchemaBuilder<{
  Context: Context;
  Scalars: Scalars;
  AuthScopes: {
    /** The caller's token holds a scope that allows this kind of operation (on all customers, or its own company's). */
    allowed: Permission;
  };
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
}>({
  plugins: [ScopeAuthPlugin, RelayPlugin, DirectivesPlugin, FederationPlugin, ComplexityPlugin],
  // What a field costs (src/graphql/limits.ts checks it before execution, not in the resolvers): a leaf 1, a field with
  // a selection 2, and a page (`customers(first:)`) multiplies its selection by its size.
  complexity: {
    disabled: true,
    fieldComplexity: FIELD_COMPLEXITY,
  },
  scopeAuth: {
    authScopes: (context) => ({
      allowed: (permission) => context.may(permission),
    }),
    unauthorizedError,
  },
  relay: {
    cursorType: 'String',
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    edgesFieldOptions: { nullable: { list: false, items: false } },
    nodeFieldOptions: { nullable: false },
  },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
