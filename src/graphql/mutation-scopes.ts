/**
 * scope-auth checks a field when the response reaches it, which for a mutation's result is after the mutation has
 * written. A mutation whose selection asks for something the token may not read (say `addresses` on the customer
 * that `patchCustomer` returns, with only customer.customer_update) would change the data and still answer
 * FORBIDDEN with `data: null`, and a client retrying it would write twice. So before a mutation operation runs,
 * its selection is checked against the same fields' `authScopes`; when one fails, the operation is refused as a
 * whole with the error scope-auth would have given, and nothing is written.
 *
 * The walk sees what execution will see: @skip / @include read the coerced variables (defaults included), and
 * abstract types are followed into each of their object types. When the walk cannot decide, the mutation is
 * refused: a check that gives up would let the write happen and the answer say FORBIDDEN.
 */
import {
  GraphQLError,
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
  type GraphQLObjectType,
  type GraphQLSchema,
  type SelectionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Permission } from '../auth/scopes.js';
import type { Context } from './context.js';
import { forbidden, HTTP_STATUS } from './errors.js';
import { fieldPermission } from './field-permission.js';
import { coercedVariables } from './variables.js';

interface Walk {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  /** Coerced: defaults applied, as execution sees them. */
  variables: Record<string, unknown>;
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
    if (!fragment)
      throw new Error(`Unknown fragment ${selection.kind === Kind.FRAGMENT_SPREAD ? selection.name.value : ''}`);
    const condition = fragment.typeCondition ? walk.schema.getType(fragment.typeCondition.name.value) : type;
    const applies = condition === type || (isAbstractType(condition) && walk.schema.isSubType(condition, type));
    if (applies) yield* fieldsOf(fragment.selectionSet, type, walk);
  }
}

/** The first field under `type` that the caller may not read. */
function findRefusal(
  selectionSet: SelectionSetNode,
  type: GraphQLObjectType,
  path: string[],
  walk: Walk,
): Refusal | undefined {
  const fields = type.getFields();
  for (const node of fieldsOf(selectionSet, type, walk)) {
    const field = fields[node.name.value];
    if (!field) continue; // __typename and the like
    const here = [...path, node.alias?.value ?? node.name.value];
    const permission = fieldPermission(field);
    if (permission && !walk.may(permission)) {
      // A mutation field the caller may not run is refused by scope-auth before it writes: nothing to do here.
      if (path.length === 0) continue;
      return { permission, path: here, node };
    }
    const child = getNamedType(field.type);
    if (!node.selectionSet) continue;
    const objectTypes = isObjectType(child)
      ? [child]
      : isAbstractType(child)
        ? walk.schema.getPossibleTypes(child)
        : [];
    for (const objectType of objectTypes) {
      const refusal = findRefusal(node.selectionSet, objectType, here, walk);
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
      // Variables that do not fit are refused by execution before any resolver runs, so nothing is written.
      const coerced = coercedVariables(args);
      if ('errors' in coerced) return;
      const walk: Walk = {
        schema: args.schema,
        fragments,
        variables: coerced.coerced,
        may: (permission) => context.may(permission),
      };
      let refusal: Refusal | undefined;
      let undecided = false;
      try {
        refusal = findRefusal(operation.selectionSet, mutationType, [], walk);
      } catch {
        undecided = true;
      }
      if (!refusal && !undecided) return;
      const error = refusal
        ? forbidden([refusal.permission], { path: refusal.path, nodes: [refusal.node] })
        : new GraphQLError("Refused: the scopes that this mutation's selection needs could not be checked.", {
            extensions: { code: 'FORBIDDEN' },
          });
      setResultAndStopExecution({
        data: null,
        errors: [error],
        extensions: { http: { status: HTTP_STATUS.FORBIDDEN } },
      });
    },
  };
}
