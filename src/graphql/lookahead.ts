/**
 * Which parts of a customer (addresses, accounts, memberships) a field's selection shows, so that the customers it
 * reads bring them along (src/domain/store.ts, CustomerParts) instead of each part costing a statement of its own.
 * The walk is syntactic and follows fragments: a field under @skip or @include counts as selected (it can only
 * cost a part read that goes unused). What it finds depends on the document alone, so it is remembered per field
 * node; which parts the caller may see is applied per request.
 */
import {
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLResolveInfo,
  type SelectionSetNode,
} from 'graphql';
import type { Permission } from '../auth/scopes.js';
import type { CustomerParts } from '../domain/store.js';
import type { Context } from './context.js';

type Part = keyof CustomerParts;

/** Customer's fields that show a part. */
const PART_OF_FIELD: Readonly<Record<string, Part>> = {
  addresses: 'addresses',
  defaultAddress: 'addresses',
  accounts: 'accounts',
  businessModel: 'memberships',
  b2b: 'memberships',
};

/** What each part's fields ask of the caller (Customer's authScopes); a part the caller may not see is not read. */
const PART_PERMISSION: Readonly<Record<Part, Permission>> = {
  addresses: 'readAddresses',
  accounts: 'read',
  memberships: 'read',
};

/** Calls `visit` for each field of the selection set, looking into fragments (each named one once). */
function eachField(
  selectionSet: SelectionSetNode | undefined,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  visit: (field: FieldNode) => void,
  seen = new Set<string>(),
): void {
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD) visit(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) eachField(selection.selectionSet, fragments, visit, seen);
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      eachField(fragments[selection.name.value]?.selectionSet, fragments, visit, seen);
    }
  }
}

/** The parts that Customer selection sets show. */
function partsOf(
  selectionSets: readonly (SelectionSetNode | undefined)[],
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
): ReadonlySet<Part> {
  const parts = new Set<Part>();
  for (const selectionSet of selectionSets) {
    eachField(selectionSet, fragments, (field) => {
      const part = PART_OF_FIELD[field.name.value];
      if (part) parts.add(part);
    });
  }
  return parts;
}

/** The selection sets of the fields named `name` in these selection sets. */
function childSelections(
  selectionSets: readonly (SelectionSetNode | undefined)[],
  name: string,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
): SelectionSetNode[] {
  const children: SelectionSetNode[] = [];
  for (const selectionSet of selectionSets) {
    eachField(selectionSet, fragments, (field) => {
      if (field.name.value === name && field.selectionSet) children.push(field.selectionSet);
    });
  }
  return children;
}

const known = new WeakMap<FieldNode, ReadonlySet<Part>>();

/**
 * The parts that the customers of this field show, which the caller may see: `customer` for a field returning a
 * Customer, `connection` for a CustomerConnection (its edges' nodes). Undefined when none.
 */
export function selectedParts(
  info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>,
  ctx: Pick<Context, 'may'>,
  returns: 'customer' | 'connection',
): CustomerParts | undefined {
  const node = info.fieldNodes[0];
  if (!node) return undefined;
  let parts = known.get(node);
  if (!parts) {
    const own = info.fieldNodes.map((field) => field.selectionSet);
    const customers =
      returns === 'customer'
        ? own
        : childSelections(childSelections(own, 'edges', info.fragments), 'node', info.fragments);
    parts = partsOf(customers, info.fragments);
    known.set(node, parts);
  }
  if (parts.size === 0) return undefined;
  const allowed: { -readonly [P in Part]?: boolean } = {};
  for (const part of parts) if (ctx.may(PART_PERMISSION[part])) allowed[part] = true;
  return Object.keys(allowed).length > 0 ? allowed : undefined;
}
