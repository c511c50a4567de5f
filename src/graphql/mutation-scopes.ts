/**
 * scope-auth checks a field when the response reaches it, which for a mutation's result is after the mutation has
 * written. A mutation whose selection asks for something the token may not read (say `addresses` on the customer
 * that `patchCustomer` returns, with only customer.customer_update) would change the data and still answer
 * FORBIDDEN with `data: null`, and a client retrying it would write twice. So before a mutation operation runs,
 * its selection is checked against the same fields' `authScopes`; when one fails, the operation is refused as a
 * whole with the error scope-auth would have given, and nothing is written. Anything this check cannot evaluate is
 * left to scope-auth, so it never refuses more.
 */
import {
  getDirectiveValues,
  getNamedType,
  getOperationAST,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isAbstractType,
  isObjectType,
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Permission } from '../auth/scopes.js';
import type { Context } from './context.js';
import { forbidden, HTTP_STATUS } from './errors.js';

interface PothosExtensions {
  pothosOptions?: { authScopes?: unknown };
}

/**
 * The permission a field's `authScopes` asks for, when it is the only shape this check evaluates (our builder's
 * `{ allowed: permission }`); undefined for none, or for a shape left to scope-auth.
 */
function permissionOf(field: GraphQLField<unknown, unknown>): Permission | undefined {
  const scopes = (field.extensions as PothosExtensions | undefined)?.pothosOptions?.authScopes;
  if (typeof scopes !== 'object' || scopes === null) return undefined;
  const keys = Object.keys(scopes);
  return keys.length === 1 && keys[0] === 'allowed' ? (scopes as { allowed: Permission }).allowed : undefined;
}

interface Walk {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown> | undefined;
  may: (permission: Permission) => boolean;
}

interface Refusal {
  permission: Permission;
  path: string[];
  node: FieldNode;
}

function included(node: SelectionNode, walk: Walk): boolean {
  if (getDirectiveValues(GraphQLSkipDirective, node, walk.variables)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, walk.variables)?.if !== false;
}

function* fieldsOf(selectionSet: SelectionSetNode, type: GraphQLObjectType, walk: Walk): Generator<FieldNode> {
  for (const selection of selectionSet.selections) {
    if (!included(selection, walk)) continue;
    if (selection.kind === Kind.FIELD) {
      yield selection;
      continue;
    }
    const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? walk.fragments[selection.name.value] : selection;
    if (!fragment) continue;
    const condition = fragment.typeCondition ? walk.schema.getType(fragment.typeCondition.name.value) : type;
    const applies = condition === type || (isAbstractType(condition) && walk.schema.isSubType(condition, type));
    if (applies) yield* fieldsOf(fragment.selectionSet, type, walk);
  }
}

/** The first field under `type` that the caller may not read. */
function findRefusal(selectionSet: SelectionSetNode, type: GraphQLObjectType, path: string[], walk: Walk): Refusal | undefined {
  const fields = type.getFields();
  for (const node of fieldsOf(selectionSet, type, walk)) {
    const field = fields[node.name.value];
    if (!field) continue; // __typename and the like
    const here = [...path, node.alias?.value ?? node.name.value];
    const permission = permissionOf(field);
    if (permission && !walk.may(permission)) {
      // A mutation field the caller may not run is refused by scope-auth before it writes: nothing to do here.
      if (path.length === 0) continue;
      return { permission, path: here, node };
    }
    const child = getNamedType(field.type);
    // Only object types are followed: an abstract type's checks are left to scope-auth.
    if (node.selectionSet && isObjectType(child)) {
      const refusal = findRefusal(node.selectionSet, child, here, walk);
      if (refusal) return refusal;
    }
  }
  return undefined;
}

export function mutationScopesPlugin(): Plugin<Context> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const context = args.contextValue as Context;
      // Without a token every mutation fails at its root, before writing anything.
      if (!context.caller) return;
      const operation = getOperationAST(args.document, args.operationName);
      const mutationType = args.schema.getMutationType();
      if (operation?.operation !== 'mutation' || !mutationType) return;
      const fragments: Record<string, FragmentDefinitionNode> = {};
      for (const definition of args.document.definitions) {
        if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
      }
      const walk: Walk = {
        schema: args.schema,
        fragments,
        variables: (args.variableValues ?? undefined) as Record<string, unknown> | undefined,
        may: (permission) => context.may(permission),
      };
      let refusal: Refusal | undefined;
      try {
        refusal = findRefusal(operation.selectionSet, mutationType, [], walk);
      } catch {
        // Variables that do not fit (say a missing @skip condition): execution reports that, and checks scopes.
        return;
      }
      if (!refusal) return;
      setResultAndStopExecution({
        data: null,
        errors: [forbidden([refusal.permission], { path: refusal.path, nodes: [refusal.node] })],
        extensions: { http: { status: HTTP_STATUS.FORBIDDEN } },
      });
    },
  };
}
