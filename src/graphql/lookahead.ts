/**
 * Which parts of a customer (addresses, accounts, memberships) a field's selection shows, so that the customers it
 * reads bring them along (src/domain/store.ts, CustomerParts) instead of each part costing a statement of its own.
 * The walk follows fragments and leaves out what @skip and @include leave out under the operation's variables, so a
 * part that the answer does not show is not read. What it finds depends on the document and on the values of the
 * variables those directives name, so it is remembered per field node and per those values; which parts the caller
 * may see is applied per request.
 */
import {
  Kind,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLResolveInfo,
  type SelectionSetNode,
} from 'graphql';
import type { CustomerParts } from '../domain/store.js';
import { PART_OF_FIELD, PART_PERMISSION } from '../operations/fields.js';
import type { Context } from './context.js';

type Part = keyof CustomerParts;

type Variables = Readonly<Record<string, unknown>>;
type Selection = SelectionSetNode['selections'][number];

/**
 * Whether @skip and @include leave the selection in. With `variables` undefined, every selection is in and the
 * variables the directives name are added to `named` (literal conditions need no variable and are applied either way).
 */
function included(selection: Selection, variables: Variables | undefined, named?: Set<string>): boolean {
  for (const directive of selection.directives ?? []) {
    const name = directive.name.value;
    if (name !== 'skip' && name !== 'include') continue;
    const condition = directive.arguments?.find((argument) => argument.name.value === 'if')?.value;
    let value: boolean;
    if (condition?.kind === Kind.BOOLEAN) value = condition.value;
    else if (condition?.kind === Kind.VARIABLE) {
      if (!variables) {
        named?.add(condition.name.value);
        continue;
      }
      value = variables[condition.name.value] === true;
    } else continue;
    if (name === 'skip' ? value : !value) return false;
  }
  return true;
}

/** How a walk treats @skip and @include: under these variables, or taking everything in while naming the variables. */
interface Conditions {
  readonly variables?: Variables;
  readonly named?: Set<string>;
}

/** Calls `visit` for each field of the selection set that the conditions leave in, looking into fragments (each named one once). */
function eachField(
  selectionSet: SelectionSetNode | undefined,
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  conditions: Conditions,
  visit: (field: FieldNode) => void,
  seen = new Set<string>(),
): void {
  for (const selection of selectionSet?.selections ?? []) {
    if (!included(selection, conditions.variables, conditions.named)) continue;
    if (selection.kind === Kind.FIELD) visit(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT)
      eachField(selection.selectionSet, fragments, conditions, visit, seen);
    else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      eachField(fragments[selection.name.value]?.selectionSet, fragments, conditions, visit, seen);
    }
  }
}

/** The parts that Customer selection sets show. */
function partsOf(
  selectionSets: readonly (SelectionSetNode | undefined)[],
  fragments: Readonly<Record<string, FragmentDefinitionNode>>,
  conditions: Conditions,
): ReadonlySet<Part> {
  const parts = new Set<Part>();
  for (const selectionSet of selectionSets) {
    eachField(selectionSet, fragments, conditions, (field) => {
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
  conditions: Conditions,
): SelectionSetNode[] {
  const children: SelectionSetNode[] = [];
  for (const selectionSet of selectionSets) {
    eachField(selectionSet, fragments, conditions, (field) => {
      if (field.name.value === name && field.selectionSet) children.push(field.selectionSet);
    });
  }
  return children;
}

type Info = Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments' | 'variableValues'>;

/** The parts that the customers of the field show under these conditions. */
function customerParts(info: Info, returns: 'customer' | 'connection', conditions: Conditions): ReadonlySet<Part> {
  const { fragments } = info;
  const own = info.fieldNodes.map((field) => field.selectionSet);
  const customers =
    returns === 'customer'
      ? own
      : childSelections(childSelections(own, 'edges', fragments, conditions), 'node', fragments, conditions);
  return partsOf(customers, fragments, conditions);
}

/**
 * What a field node shows: `always` when its conditions name no variable (most documents), else per the values of
 * the variables they name (in `variables`' order).
 */
interface Remembered {
  readonly always?: ReadonlySet<Part>;
  readonly variables: readonly string[];
  readonly byValues: Map<string, ReadonlySet<Part>>;
}

/** The most combinations of variable values remembered per field node; others are walked each time. */
const MAX_REMEMBERED = 16;

const known = new WeakMap<FieldNode, Remembered>();

/** A field node's first walk: it takes every selection in, to learn which variables its conditions name. */
function remember(info: Info, returns: 'customer' | 'connection'): Remembered {
  const named = new Set<string>();
  const parts = customerParts(info, returns, { named });
  return named.size === 0
    ? { always: parts, variables: [], byValues: new Map() }
    : { variables: [...named], byValues: new Map() };
}

/** The parts under this operation's values of the variables that the field's conditions name. */
function partsFor(remembered: Remembered, info: Info, returns: 'customer' | 'connection'): ReadonlySet<Part> {
  const variables = info.variableValues;
  const key = remembered.variables.map((name) => (variables[name] === true ? '1' : '0')).join('');
  let parts = remembered.byValues.get(key);
  if (!parts) {
    parts = customerParts(info, returns, { variables });
    if (remembered.byValues.size < MAX_REMEMBERED) remembered.byValues.set(key, parts);
  }
  return parts;
}

/**
 * The parts that the customers of this field show, which the caller may see: `customer` for a field returning a
 * Customer, `connection` for a CustomerConnection (its edges' nodes). Undefined when none.
 */
export function selectedParts(
  info: Info,
  ctx: Pick<Context, 'may'>,
  returns: 'customer' | 'connection',
): CustomerParts | undefined {
  const node = info.fieldNodes[0];
  if (!node) return undefined;
  let remembered = known.get(node);
  if (!remembered) {
    remembered = remember(info, returns);
    known.set(node, remembered);
  }
  const parts = remembered.always ?? partsFor(remembered, info, returns);
  if (parts.size === 0) return undefined;
  const allowed: { -readonly [P in Part]?: boolean } = {};
  for (const part of parts) if (ctx.may(PART_PERMISSION[part])) allowed[part] = true;
  return Object.keys(allowed).length > 0 ? allowed : undefined;
}
