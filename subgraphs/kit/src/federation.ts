import { buildSubgraphSchema, printSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { parse, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import { buildSchema, createResolversMap, type BuildSchemaOptions } from 'type-graphql';
import { DateTimeScalar } from './scalars.js';

/** `__resolveReference` functions by type name: how other subgraphs' references become entities here. */
export type ReferenceResolvers = Record<
  string,
  { __resolveReference: (reference: never, context: never, info: GraphQLResolveInfo) => unknown }
>;

const FEDERATION_LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external"])`;

/**
 * Turns type-graphql classes into an Apollo Federation 2 subgraph schema: type-graphql builds
 * the types and resolvers (with `@Directive('@key(...)')` on entities), @apollo/subgraph adds
 * `_service` and `_entities`, and the reference resolvers decide what `_entities` may return.
 */
export async function buildFederatedSchema(
  options: Omit<BuildSchemaOptions, 'skipCheck'>,
  referenceResolvers: ReferenceResolvers = {},
): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    ...options,
    skipCheck: true,
  });
  const resolvers = createResolversMap(schema) as Record<string, object>;
  for (const [typeName, reference] of Object.entries(referenceResolvers)) {
    resolvers[typeName] = { ...resolvers[typeName], ...reference };
  }
  return buildSubgraphSchema([
    { typeDefs: parse(`${FEDERATION_LINK}\n${printSchemaWithDirectives(schema)}`), resolvers: resolvers as never },
  ]);
}

/** The SDL a subgraph contributes to composition (what `_service { sdl }` answers). */
export function printSubgraphSdl(schema: GraphQLSchema): string {
  return `${printSubgraphSchema(schema).trim()}\n`;
}
