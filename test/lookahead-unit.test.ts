/**
 * selectedParts (src/graphql/lookahead.ts) on parsed documents: the parts a Customer selection shows, through
 * fragments and connections, and only those the caller may see.
 */
import { type FieldNode, type FragmentDefinitionNode, Kind, type OperationDefinitionNode, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Permission } from '../src/auth/scopes.js';
import { selectedParts } from '../src/graphql/lookahead.js';

/** The root field of the document's operation, as resolve info gives it. */
function infoOf(document: string) {
  const parsed = parse(document);
  const operation = parsed.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const fragments = Object.fromEntries(
    parsed.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((fragment) => [fragment.name.value, fragment]),
  );
  return { fieldNodes: [operation.selectionSet.selections[0] as FieldNode], fragments };
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
});
