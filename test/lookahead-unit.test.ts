/**
 * selectedParts (src/graphql/lookahead.ts) on parsed documents: the parts a Customer selection shows, through
 * fragments and connections, and only those the caller may see.
 */
import { type FieldNode, type FragmentDefinitionNode, Kind, type OperationDefinitionNode, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Permission } from '../src/auth/scopes.js';
import { selectedParts } from '../src/graphql/lookahead.js';

/** The root field of the document's operation, as resolve info gives it, with the operation's coerced variables. */
function infoOf(document: string, variableValues: Record<string, unknown> = {}) {
  const parsed = parse(document);
  const operation = parsed.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const fragments = Object.fromEntries(
    parsed.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
  return { fieldNodes: [operation.selectionSet.selections[0] as FieldNode], fragments, variableValues };
}

const everyone = { may: () => true };
const allowing = (...permissions: Permission[]) => ({ may: (p: Permission) => permissions.includes(p) });

describe('selectedParts', () => {
  it('finds the parts of a customer, in fields, fragments and inline fragments', () => {
    expect(selectedParts(infoOf('{ customer(customerNumber: "1") { lastName } }'), everyone, 'customer')).toBe(
      undefined,
    );
    expect(
      selectedParts(infoOf('{ customer(customerNumber: "1") { defaultAddress { id } } }'), everyone, 'customer'),
    ).toEqual({ addresses: true });
    expect(
      selectedParts(
        infoOf(`{ me { ...A ... on Customer { businessModel } } }
          fragment A on Customer { accounts { id } ...B } fragment B on Customer { ...A b2b { companyRegistrationId } }`),
        everyone,
        'customer',
      ),
    ).toEqual({ accounts: true, memberships: true });
  });

  it("finds a connection's parts under edges { node }, not elsewhere", () => {
    const info = infoOf(`{ customers(first: 5) { edges { cursor node { addresses { id } } }
      pageInfo { hasNextPage } } }`);
    expect(selectedParts(info, everyone, 'connection')).toEqual({ addresses: true });
    expect(selectedParts(infoOf('{ customers { totalCount } }'), everyone, 'connection')).toBe(undefined);
    // A field named like a part, but not on a customer, asks for nothing.
    expect(selectedParts(infoOf('{ customers { edges { accounts: cursor } } }'), everyone, 'connection')).toBe(
      undefined,
    );
  });

  it('leaves out the parts the caller may not see', () => {
    const document = '{ customer(customerNumber: "1") { addresses { id } accounts { id } businessModel } }';
    expect(selectedParts(infoOf(document), allowing('read'), 'customer')).toEqual({
      accounts: true,
      memberships: true,
    });
    expect(
      selectedParts(infoOf('{ customer(customerNumber: "1") { addresses { id } } }'), allowing('read'), 'customer'),
    ).toBe(undefined);
    expect(selectedParts(infoOf(document), everyone, 'customer')).toEqual({
      addresses: true,
      accounts: true,
      memberships: true,
    });
  });

  it('leaves out what @skip and @include leave out, under literal conditions and the variables', () => {
    expect(
      selectedParts(
        infoOf(`{ customer(customerNumber: "1") { addresses @include(if: false) { id } accounts @skip(if: true) { id }
          ... on Customer @skip(if: true) { b2b { companyRegistrationId } } } }`),
        everyone,
        'customer',
      ),
    ).toBe(undefined);
    const document = `query ($x: Boolean!, $y: Boolean!) { customer(customerNumber: "1") {
      lastName addresses @include(if: $x) { id } ...Parts @skip(if: $y) } }
      fragment Parts on Customer { accounts { id } defaultAddress @skip(if: $x) { id } }`;
    expect(selectedParts(infoOf(document, { x: false, y: true }), everyone, 'customer')).toBe(undefined);
    expect(selectedParts(infoOf(document, { x: true, y: true }), everyone, 'customer')).toEqual({ addresses: true });
    expect(selectedParts(infoOf(document, { x: false, y: false }), everyone, 'customer')).toEqual({
      addresses: true,
      accounts: true,
    });
    expect(selectedParts(infoOf(document, { x: true, y: false }), everyone, 'customer')).toEqual({
      addresses: true,
      accounts: true,
    });
    // Both on one field: in only when @include's condition holds and @skip's does not.
    const both = `query ($x: Boolean!, $y: Boolean!) { customers { edges { node {
      accounts @include(if: $x) @skip(if: $y) { id } } } } }`;
    expect(selectedParts(infoOf(both, { x: true, y: false }), everyone, 'connection')).toEqual({ accounts: true });
    expect(selectedParts(infoOf(both, { x: true, y: true }), everyone, 'connection')).toBe(undefined);
    expect(selectedParts(infoOf(both, { x: false, y: false }), everyone, 'connection')).toBe(undefined);
    // On the way to the nodes too.
    const onEdges = `query ($x: Boolean!) { customers { edges @include(if: $x) { node { accounts { id } } } } }`;
    expect(selectedParts(infoOf(onEdges, { x: false }), everyone, 'connection')).toBe(undefined);
    expect(selectedParts(infoOf(onEdges, { x: true }), everyone, 'connection')).toEqual({ accounts: true });
  });

  it('remembers what a field node shows per value of the variables its conditions name', () => {
    // One parsed document, as a server's document cache hands the same nodes to every request that sends it.
    const document = `query ($x: Boolean!, $unrelated: Boolean!) { customer(customerNumber: "1") {
      addresses @include(if: $x) { id @skip(if: $unrelated) } } }`;
    const info = infoOf(document);
    const withValues = (values: Record<string, unknown>) => ({ ...info, variableValues: values });
    for (let round = 0; round < 2; round++) {
      expect(selectedParts(withValues({ x: false, unrelated: false }), everyone, 'customer')).toBe(undefined);
      expect(selectedParts(withValues({ x: true, unrelated: true }), everyone, 'customer')).toEqual({
        addresses: true,
      });
      expect(selectedParts(withValues({ x: false, unrelated: true }), everyone, 'customer')).toBe(undefined);
    }
  });
});
