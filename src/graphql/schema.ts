/** Imports every type family and builds the schemas: the Federation 2 subgraph that Yoga serves, and its public part. */
import { printSubgraphSchema } from '@apollo/subgraph';
import { isFederationType } from '@apollo/subgraph/dist/types.js';
import { GraphQLObjectType, GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.js';
import './scalars.js';
import './legal-entity.js';
import './account.js';
import './address.js';
import './customer.js';
import './customer-list.js';
import './events.js';
import './webhooks.js';
import { guardEntities } from './federation.js';

/**
 * Federation v2.6, on purpose: it is what @pothos/plugin-federation is built and tested against (its default), and
 * every tool on our path accepts it: @theguild/federation-composition 0.27 (Hive's registry and gateway) knows
 * v2.0 to v2.9, @apollo/subgraph 2.14 up to v2.14. We use only `@key`; a newer link would add nothing we use
 * (progressive @override 2.7, @context 2.8, @cost 2.9) and would lock out gateways and registries that stop at
 * an older version. A supergraph runs at the highest version of its subgraphs, so ours never forces others up.
 */
export const FEDERATION_LINK = 'https://specs.apollo.dev/federation/v2.6';

let schema: GraphQLSchema | undefined;

/** The schema that Yoga serves: the public API plus `_service` and `_entities`. */
export function buildSchema(): GraphQLSchema {
  schema ??= guardEntities(builder.toSubGraphSchema({ linkUrl: FEDERATION_LINK }));
  return schema;
}

/** The served schema without the federation fields and types: the public API that the contract describes. */
export function publicSchema(): GraphQLSchema {
  const subgraph = buildSchema().toConfig();
  const query = subgraph.query!.toConfig();
  const { _entities, _service, ...fields } = query.fields;
  const publicQuery = new GraphQLObjectType({ ...query, fields });
  return new GraphQLSchema({
    ...subgraph,
    query: publicQuery,
    types: subgraph.types.filter((type) => type.name !== query.name && !isFederationType(type)),
  });
}

/** The files of schema/, by name: the public SDL, and the subgraph SDL that `_service { sdl }` serves. */
export function printedSchemas(): Record<string, string> {
  return {
    'schema.graphql': `${printSchema(lexicographicSortSchema(publicSchema()))}\n`,
    'subgraph.graphql': `${printSubgraphSchema(buildSchema())}\n`,
  };
}
