/** Imports every type family and builds the schemas: the plain public one and the Federation 2 subgraph. */
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { builder } from './builder.js';
import './scalars.js';
import './legal-entity.js';
import './account.js';
import './address.js';
import './customer.js';
import './customer-list.js';

let schema: GraphQLSchema | undefined;

/** The schema that Yoga serves. */
export function buildSchema(): GraphQLSchema {
  return (schema ??= builder.toSchema());
}

/** The files of schema/, by name: the printed public SDL. */
export function printedSchemas(): Record<string, string> {
  return {
    'schema.graphql': `${printSchema(lexicographicSortSchema(buildSchema()))}\n`,
  };
}
