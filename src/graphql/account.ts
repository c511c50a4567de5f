import { AccountRef } from './refs.js';

AccountRef.implement({
  description: "A customer's login identity.",
  // Checked by each field that returns an Account (see Customer).
  fields: (t) => ({
    id: t.exposeID('id', { nullable: false }),
    email: t.exposeString('email', { nullable: false }),
    providerId: t.exposeString('providerId', {
      nullable: true,
      description: 'Set only for accounts of an external identity provider.',
    }),
    createdAt: t.field({ type: 'DateTime', nullable: false, resolve: (account) => account.createdAt }),
  }),
});
