/** Address, the `customerAddress` query and the address and tag mutations. */
import type { Address } from '../domain/store.js';
import { ADDRESS, descriptionOf } from '../domain/validation.js';
import { ADDRESS_FIELDS } from '../operations/fields.js';
import { perform, permissionOf } from '../operations/index.js';
import { builder } from './builder.js';
import { AddressRef, CustomerRef } from './refs.js';

const AddressMetadata = builder.objectRef<Address>('AddressMetadata').implement({
  fields: (t) => ({
    version: t.exposeInt('version', {
      nullable: false,
      description:
        'Grows by one with every change to this address; give it as expectedVersion to change the address only if no one changed it since.',
    }),
  }),
});

AddressRef.implement({
  description: "One of a customer's addresses.",
  // Checked by each field that returns an Address (see Customer).
  fields: (t) => ({
    id: t.exposeID('id', { nullable: false }),
    contactName: t.exposeString('contactName', { nullable: false }),
    companyName: t.exposeString('companyName', { nullable: true }),
    street: t.exposeString('street', { nullable: true }),
    streetNumber: t.exposeString('streetNumber', { nullable: true }),
    streetAppendix: t.exposeString('streetAppendix', { nullable: true }),
    extraLine1: t.exposeString('extraLine1', { nullable: true }),
    extraLine2: t.exposeString('extraLine2', { nullable: true }),
    extraLine3: t.exposeString('extraLine3', { nullable: true }),
    extraLine4: t.exposeString('extraLine4', { nullable: true }),
    zipCode: t.exposeString('zipCode', { nullable: true }),
    city: t.exposeString('city', { nullable: true }),
    country: t.string({
      nullable: false,
      description:
        'ISO 3166-1 alpha-2, e.g. DE; "" for an address saved without one (the REST API, after the publisher\'s description, requires only contactName; this field stays non-null, as the contract has it).',
      resolve: (address) => address.country ?? '',
    }),
    state: t.exposeString('state', { nullable: true }),
    contactPhone: t.exposeString('contactPhone', { nullable: true }),
    tags: t.exposeStringList('tags', { nullable: false }),
    isDefault: t.exposeBoolean('isDefault', { nullable: false }),
    metadata: t.field({ type: AddressMetadata, nullable: false, resolve: (address) => address }),
    mixins: t.field({
      type: 'JSON',
      nullable: true,
      description: "The address's additional properties (tenant-defined), as the customer's mixins.",
      resolve: (address) => address.mixins,
    }),
    mixinSchemas: t.field({
      type: 'JSON',
      nullable: true,
      description: descriptionOf(ADDRESS.mixinSchemas),
      resolve: (address) => address.mixinSchemas,
    }),
    customer: t.field({
      type: CustomerRef,
      nullable: false,
      // Also under an address mutation, whose scopes do not include reading customers.
      authScopes: { allowed: ADDRESS_FIELDS.customer },
      resolve: async (address, _args, ctx) => {
        const customer = await ctx.loaders.customerByPk(ctx.tenantReach()).load(address.customerPk);
        if (!customer) throw new Error(`Address ${address.id} has no customer`);
        return customer;
      },
    }),
  }),
});

/** The address's text fields, as the domain lists them (tags, isDefault and mixins have types of their own). */
const TEXT_FIELDS = (Object.keys(ADDRESS) as (keyof typeof ADDRESS)[]).filter(
  (field) => field !== 'tags' && field !== 'isDefault' && field !== 'mixins' && field !== 'mixinSchemas',
);

/** A new address (or its replacement) needs the fields the domain requires; a patch needs none. */
const addressInput = (name: string, replaces: boolean) =>
  builder.inputType(name, {
    fields: (t) => ({
      ...(replaces ? { id: t.id({ description: 'A custom id for a new address; generated when absent.' }) } : {}),
      ...Object.fromEntries(
        TEXT_FIELDS.map((field) => [
          field,
          t.string({ required: replaces && !ADDRESS[field].isOptional(), description: descriptionOf(ADDRESS[field]) }),
        ]),
      ),
      tags: t.stringList({ required: { list: false, items: true } }),
      isDefault: t.boolean({ description: descriptionOf(ADDRESS.isDefault) }),
      mixins: t.field({ type: 'JSON', description: descriptionOf(ADDRESS.mixins) }),
      mixinSchemas: t.field({ type: 'JSON', description: descriptionOf(ADDRESS.mixinSchemas) }),
    }),
  });

const AddressInput = addressInput('AddressInput', true);
const AddressPatchInput = addressInput('AddressPatchInput', false);

const DeleteCustomerAddressPayload = builder
  .objectRef<{ customerNumber: string; addressId: string }>('DeleteCustomerAddressPayload')
  .implement({
    fields: (t) => ({
      customerNumber: t.exposeString('customerNumber', { nullable: false }),
      addressId: t.exposeID('addressId', { nullable: false }),
    }),
  });

builder.queryField('customerAddress', (t) =>
  t.field({
    type: AddressRef,
    nullable: true,
    description: 'One address of one customer; null when either does not exist or the caller may not see it.',
    authScopes: { allowed: permissionOf('customerAddress') },
    args: { customerNumber: t.arg.string({ required: true }), addressId: t.arg.id({ required: true }) },
    resolve: (_root, { customerNumber, addressId }, ctx) =>
      perform(ctx, 'customerAddress', { customerNumber, addressId: String(addressId) }),
  }),
);

builder.mutationFields((t) => {
  const customerNumber = t.arg.string({ required: true });
  const addressId = t.arg.id({ required: true });
  const tags = t.arg.stringList({ required: true });
  const expectedVersion = t.arg.int({
    description: "The address's metadata.version this change was made to: CONFLICT when it has changed since.",
  });
  const address = <A extends { addressId: string | number }>(args: A) => ({
    ...args,
    addressId: String(args.addressId),
  });
  return {
    addCustomerAddress: t.field({
      type: AddressRef,
      nullable: false,
      authScopes: { allowed: permissionOf('addCustomerAddress') },
      args: { customerNumber, input: t.arg({ type: AddressInput, required: true }) },
      resolve: (_root, args, ctx) => perform(ctx, 'addCustomerAddress', args),
    }),
    updateCustomerAddress: t.field({
      type: AddressRef,
      nullable: false,
      description: 'Replaces all fields of an existing address.',
      authScopes: { allowed: permissionOf('updateCustomerAddress') },
      args: { customerNumber, addressId, input: t.arg({ type: AddressInput, required: true }), expectedVersion },
      resolve: (_root, args, ctx) => perform(ctx, 'updateCustomerAddress', address(args)),
    }),
    patchCustomerAddress: t.field({
      type: AddressRef,
      nullable: false,
      description: 'Sets the fields given (an explicit null clears one) on an existing customer and keeps the others.',
      authScopes: { allowed: permissionOf('patchCustomerAddress') },
      args: { customerNumber, addressId, input: t.arg({ type: AddressPatchInput, required: true }), expectedVersion },
      resolve: (_root, args, ctx) => perform(ctx, 'patchCustomerAddress', address(args)),
    }),
    deleteCustomerAddress: t.field({
      type: DeleteCustomerAddressPayload,
      nullable: false,
      authScopes: { allowed: permissionOf('deleteCustomerAddress') },
      args: { customerNumber, addressId },
      resolve: (_root, args, ctx) => perform(ctx, 'deleteCustomerAddress', address(args)),
    }),
    addCustomerAddressTags: t.field({
      type: AddressRef,
      nullable: false,
      description: 'Adds tags to an address; tags it already has are kept once.',
      authScopes: { allowed: permissionOf('addCustomerAddressTags') },
      args: { customerNumber, addressId, tags },
      resolve: (_root, args, ctx) => perform(ctx, 'addCustomerAddressTags', address(args)),
    }),
    removeCustomerAddressTags: t.field({
      type: AddressRef,
      nullable: false,
      description: 'Removes tags from an address; tags it does not have are ignored.',
      authScopes: { allowed: permissionOf('removeCustomerAddressTags') },
      args: { customerNumber, addressId, tags },
      resolve: (_root, args, ctx) => perform(ctx, 'removeCustomerAddressTags', address(args)),
    }),
  };
});
