/**
 * The permission a field asks of the caller. Most fields declare it as scope-auth's `authScopes: { allowed }`. The
 * fields that every object of a list has (Customer's addresses, accounts, b2b) check it themselves instead: scope-auth
 * wraps each call of a checked field in its own step machinery, a measurable share of a page's time
 * (docs/performance.md). Their check is one lookup of what the token allows (`ctx.may`) and gives the error
 * scope-auth gives; they declare the permission in their extensions, where {@link fieldPermission} finds it for the
 * mutation pre-check and the authorization tests.
 */
import type { GraphQLField } from 'graphql';
import type { Permission } from '../auth/scopes.js';
import type { Context } from './context.js';
import { forbidden, unauthenticated } from './errors.js';

interface FieldExtensions {
  pothosOptions?: { authScopes?: unknown };
  permission?: Permission;
}

/**
 * The permission a field asks for: its `permission` extension, or its `authScopes` when they have the one shape
 * our builder uses (`{ allowed: permission }`); undefined for none, or for a shape left to scope-auth.
 */
export function fieldPermission(field: GraphQLField<unknown, unknown>): Permission | undefined {
  const extensions = field.extensions as FieldExtensions | undefined;
  if (extensions?.permission) return extensions.permission;
  const scopes = extensions?.pothosOptions?.authScopes;
  if (typeof scopes !== 'object' || scopes === null) return undefined;
  const keys = Object.keys(scopes);
  return keys.length === 1 && keys[0] === 'allowed' ? (scopes as { allowed: Permission }).allowed : undefined;
}

/**
 * A field's options for checking `permission` itself: its extensions, and its resolver behind the check (the
 * caller's permission, then `resolve`), which refuses as scope-auth does (UNAUTHENTICATED without a token).
 */
export function checkedField<P, A, R>(
  permission: Permission,
  resolve: (parent: P, args: A, ctx: Context) => R,
): { extensions: { permission: Permission }; resolve: (parent: P, args: A, ctx: Context) => R } {
  return {
    extensions: { permission },
    resolve: (parent, args, ctx) => {
      if (!ctx.may(permission)) throw ctx.caller ? forbidden([permission]) : unauthenticated();
      return resolve(parent, args, ctx);
    },
  };
}
