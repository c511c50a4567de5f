/** Customer, its metadata and B2B data; the `customer` and `me` queries; the customer mutations. */
import type { Customer } from '../domain/store.js';
import { CUSTOMER_TYPES, descriptionOf, PROFILE } from '../domain/validation.js';
import { CUSTOMER_FIELDS } from '../operations/fields.js';
import { perform, permissionOf } from '../operations/index.js';
import { whenLoaded } from '../operations/loaders.js';
import { builder } from './builder.js';
import { checkedField } from './field-permission.js';
import { selectedParts } from './lookahead.js';
import {
  AccountRef,
  AddressRef,
  BusinessModelEnum,
  CustomerB2BRef,
  CustomerMetadataRef,
  CustomerRef,
  LegalEntityRef,
} from './refs.js';

const CustomerTypeEnum = builder.enumType('CustomerType', {
  description: descriptionOf(PROFILE.type),
  values: CUSTOMER_TYPES,
});

const PASSWORD_RESET_ARGUMENT =
  'Announce a password reset for the new login account (a customer.password-reset event, which the identity service that owns passwords turns into a mail).';

CustomerRef.implement({
  description: 'A customer of the tenant: a person, possibly a member of one or more companies (legal entities).',
  // No type-level scopes: scope-auth would run them on every field of every customer. Each field that returns a
  // Customer checks instead (a read scope, or the mutation that returned it); the authorization tests walk the schema.
  // The fields below that lead to more customer data check their own permission (./field-permission.ts).
  fields: (t) => ({
    id: t.id({ nullable: false, description: 'Equal to customerNumber.', resolve: (c) => c.customerNumber }),
    customerNumber: t.exposeString('customerNumber', { nullable: false }),
    title: t.exposeString('title', { nullable: true }),
    firstName: t.exposeString('firstName', { nullable: true }),
    middleName: t.exposeString('middleName', { nullable: true }),
    lastName: t.exposeString('lastName', { nullable: true }),
    contactEmail: t.exposeString('contactEmail', { nullable: true }),
    contactPhone: t.exposeString('contactPhone', { nullable: true }),
    company: t.exposeString('company', { nullable: true }),
    preferredLanguage: t.exposeString('preferredLanguage', {
      nullable: false,
      description: 'A locale such as en_US or de_DE.',
    }),
    preferredCurrency: t.exposeString('preferredCurrency', {
      nullable: false,
      description: 'An ISO 4217 code such as EUR.',
    }),
    preferredSite: t.exposeString('preferredSite', { nullable: false }),
    active: t.exposeBoolean('active', { nullable: false }),
    onHold: t.exposeBoolean('onHold', { nullable: false }),
    type: t.field({
      type: CustomerTypeEnum,
      nullable: true,
      description: descriptionOf(PROFILE.type),
      resolve: (c) => c.type as (typeof CUSTOMER_TYPES)[number] | null,
    }),
    photoUrl: t.exposeString('photoUrl', { nullable: true, description: descriptionOf(PROFILE.photoUrl) }),
    businessModel: t.field({
      type: BusinessModelEnum,
      nullable: false,
      resolve: (c, _args, ctx) =>
        whenLoaded(ctx.loaders.membershipsOf(c), (memberships) => (memberships.length > 0 ? 'B2B' : 'B2C')),
    }),
    b2b: t.field({
      type: CustomerB2BRef,
      nullable: true,
      // AUTH.md lists b2b and accounts under the read scopes, also on a customer a mutation returned. Checked by the
      // field itself (field-permission.ts), as are the other fields every customer of a page has.
      ...checkedField(CUSTOMER_FIELDS.b2b, (c: Customer, _args, ctx) =>
        whenLoaded(ctx.loaders.membershipsOf(c), (memberships) =>
          c.companyRegistrationId || memberships.length > 0 ? { customer: c, memberships } : null,
        ),
      ),
    }),
    mixins: t.field({ type: 'JSON', nullable: true, resolve: (c) => c.mixins }),
    mixinSchemas: t.field({
      type: 'JSON',
      nullable: true,
      description: descriptionOf(PROFILE.mixinSchemas),
      resolve: (c) => c.mixinSchemas,
    }),
    metadata: t.field({ type: CustomerMetadataRef, nullable: false, resolve: (c) => c }),
    addresses: t.field({
      type: [AddressRef],
      nullable: false,
      description: "The customer's addresses, default first; only those with the tag when one is given.",
      args: { tag: t.arg.string() },
      ...checkedField(CUSTOMER_FIELDS.addresses, (c: Customer, { tag }: { tag?: string | null }, ctx) =>
        whenLoaded(ctx.loaders.addressesOf(c), (addresses) =>
          tag ? addresses.filter((address) => address.tags.includes(tag)) : addresses,
        ),
      ),
    }),
    defaultAddress: t.field({
      type: AddressRef,
      nullable: true,
      ...checkedField(CUSTOMER_FIELDS.defaultAddress, (c: Customer, _args, ctx) =>
        whenLoaded(ctx.loaders.addressesOf(c), (addresses) => addresses.find((address) => address.isDefault) ?? null),
      ),
    }),
    accounts: t.field({
      type: [AccountRef],
      nullable: false,
      ...checkedField(CUSTOMER_FIELDS.accounts, (c: Customer, _args, ctx) => ctx.loaders.accountsOf(c)),
    }),
  }),
});

CustomerMetadataRef.implement({
  fields: (t) => ({
    version: t.exposeInt('version', {
      nullable: false,
      description: 'Starts at 1 and grows by one with every change to the customer or its addresses.',
    }),
    createdAt: t.field({ type: 'DateTime', nullable: false, resolve: (c) => c.createdAt }),
    modifiedAt: t.field({ type: 'DateTime', nullable: false, resolve: (c) => c.modifiedAt }),
  }),
});

CustomerB2BRef.implement({
  fields: (t) => ({
    companyRegistrationId: t.string({ nullable: true, resolve: ({ customer }) => customer.companyRegistrationId }),
    legalEntities: t.field({
      type: [LegalEntityRef],
      nullable: false,
      // Whoever may see the customer's b2b data may see the companies it belongs to.
      resolve: ({ memberships }) =>
        memberships.map((membership) => ({ entity: membership.legalEntity, assignmentId: membership.assignmentId })),
    }),
  }),
});

const CustomerB2BInput = builder.inputType('CustomerB2BInput', {
  fields: (t) => ({
    companyRegistrationId: t.string({
      description: descriptionOf(PROFILE.b2b.unwrap().unwrap().shape.companyRegistrationId),
    }),
  }),
});

/** The create, upsert and patch inputs share the profile fields; only create takes a custom id. */
function profileInput(name: string, options: { withId: boolean; description?: string }) {
  return builder.inputType(name, {
    description: options.description,
    fields: (t) => ({
      ...(options.withId
        ? {
            id: t.id({
              description:
                'A custom id (letters, digits, _ and -, 1..66); generated when absent. Becomes the customer number.',
            }),
          }
        : {}),
      title: t.string(),
      firstName: t.string(),
      middleName: t.string(),
      lastName: t.string(),
      contactEmail: t.string({ description: descriptionOf(PROFILE.contactEmail) }),
      contactPhone: t.string(),
      company: t.string(),
      preferredLanguage: t.string({ description: descriptionOf(PROFILE.preferredLanguage) }),
      preferredCurrency: t.string({ description: descriptionOf(PROFILE.preferredCurrency) }),
      preferredSite: t.string({ description: descriptionOf(PROFILE.preferredSite) }),
      active: t.boolean({ description: descriptionOf(PROFILE.active) }),
      onHold: t.boolean({ description: descriptionOf(PROFILE.onHold) }),
      type: t.field({ type: CustomerTypeEnum, description: descriptionOf(PROFILE.type) }),
      photoUrl: t.string({ description: descriptionOf(PROFILE.photoUrl) }),
      b2b: t.field({ type: CustomerB2BInput }),
      mixins: t.field({ type: 'JSON', description: descriptionOf(PROFILE.mixins) }),
      mixinSchemas: t.field({ type: 'JSON', description: descriptionOf(PROFILE.mixinSchemas) }),
    }),
  });
}

const CustomerCreateInput = profileInput('CustomerCreateInput', { withId: true });
const CustomerUpsertInput = profileInput('CustomerUpsertInput', { withId: false });
const CustomerPatchInput = profileInput('CustomerPatchInput', { withId: false });

const UpsertCustomerPayload = builder
  .objectRef<{ customer: Customer; created: boolean }>('UpsertCustomerPayload')
  .implement({
    fields: (t) => ({
      customer: t.field({ type: CustomerRef, nullable: false, resolve: (p) => p.customer }),
      created: t.exposeBoolean('created', {
        nullable: false,
        description: 'True when the customer did not exist and was created.',
      }),
    }),
  });

const DeleteCustomerPayload = builder
  .objectRef<{ customerNumber: string; deletedAddresses: number; deletedAccounts: number }>('DeleteCustomerPayload')
  .implement({
    fields: (t) => ({
      customerNumber: t.exposeString('customerNumber', { nullable: false }),
      deletedAddresses: t.exposeInt('deletedAddresses', { nullable: false }),
      deletedAccounts: t.exposeInt('deletedAccounts', { nullable: false }),
    }),
  });

builder.queryFields((t) => ({
  customer: t.field({
    type: CustomerRef,
    nullable: true,
    description: 'One customer; null when it does not exist or the caller may not see it.',
    authScopes: { allowed: permissionOf('customer') },
    args: { customerNumber: t.arg.string({ required: true }) },
    resolve: (_root, { customerNumber }, ctx, info) =>
      perform(ctx, 'customer', { customerNumber, parts: selectedParts(info, ctx, 'customer') }),
  }),
  me: t.field({
    type: CustomerRef,
    nullable: true,
    description: 'The customer that a customer token (one with a customer_id claim) belongs to.',
    authScopes: { allowed: permissionOf('me') },
    resolve: (_root, _args, ctx, info) => perform(ctx, 'me', { parts: selectedParts(info, ctx, 'customer') }),
  }),
}));

builder.mutationFields((t) => ({
  createCustomer: t.field({
    type: CustomerRef,
    nullable: false,
    description: "Creates a customer. With only customer.customer_manage_own it joins the caller's legal entities.",
    authScopes: { allowed: permissionOf('createCustomer') },
    args: {
      input: t.arg({ type: CustomerCreateInput, required: true }),
      sendPasswordResetNotifications: t.arg.boolean({ defaultValue: true, description: PASSWORD_RESET_ARGUMENT }),
    },
    resolve: (_root, args, ctx) =>
      perform(ctx, 'createCustomer', {
        input: args.input,
        sendPasswordResetNotifications: args.sendPasswordResetNotifications ?? true,
      }),
  }),
  upsertCustomer: t.field({
    type: UpsertCustomerPayload,
    nullable: false,
    description:
      'Sets the fields given (an explicit null clears one) and keeps the others, or creates the customer under that number when it does not exist.',
    authScopes: { allowed: permissionOf('upsertCustomer') },
    args: {
      customerNumber: t.arg.string({ required: true }),
      input: t.arg({ type: CustomerUpsertInput, required: true }),
      expectedVersion: t.arg.int(),
    },
    resolve: (_root, args, ctx) => perform(ctx, 'upsertCustomer', args),
  }),
  patchCustomer: t.field({
    type: CustomerRef,
    nullable: false,
    description: 'Sets the fields given (an explicit null clears one) on an existing customer and keeps the others.',
    authScopes: { allowed: permissionOf('patchCustomer') },
    args: {
      customerNumber: t.arg.string({ required: true }),
      input: t.arg({ type: CustomerPatchInput, required: true }),
      expectedVersion: t.arg.int(),
    },
    resolve: (_root, args, ctx) => perform(ctx, 'patchCustomer', args),
  }),
  deleteCustomer: t.field({
    type: DeleteCustomerPayload,
    nullable: false,
    description: 'Deletes a customer with its addresses, accounts and legal-entity assignments.',
    authScopes: { allowed: permissionOf('deleteCustomer') },
    args: { customerNumber: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => perform(ctx, 'deleteCustomer', args),
  }),
  assignCustomerAccount: t.field({
    type: AccountRef,
    nullable: false,
    description: 'Adds a login account (an email address, unique in the tenant) to an existing customer.',
    authScopes: { allowed: permissionOf('assignCustomerAccount') },
    args: {
      customerNumber: t.arg.string({ required: true }),
      email: t.arg.string({ required: true }),
      sendPasswordResetNotifications: t.arg.boolean({ defaultValue: true, description: PASSWORD_RESET_ARGUMENT }),
    },
    resolve: (_root, args, ctx) =>
      perform(ctx, 'assignCustomerAccount', {
        ...args,
        sendPasswordResetNotifications: args.sendPasswordResetNotifications ?? true,
      }),
  }),
}));
