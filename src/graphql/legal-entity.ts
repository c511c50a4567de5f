import { LegalEntityRef } from './refs.js';

LegalEntityRef.implement({
  description: 'A company that customers belong to (B2B).',
  // Checked by each field that returns a LegalEntity (see Customer).
  fields: (t) => ({
    id: t.id({ nullable: false, resolve: (view) => view.entity.id }),
    name: t.string({ nullable: true, resolve: (view) => view.entity.name }),
    contactAssignmentId: t.id({
      nullable: true,
      description: "The id of this customer's assignment to the legal entity.",
      resolve: (view) => view.assignmentId,
    }),
  }),
});
