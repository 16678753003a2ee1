import { buildSubgraphSchema, printSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { parse, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import { buildSchema, createResolversMap, type BuildSchemaOptions } from 'type-graphql';
import { ROUTER_SECRET_HEADER, SERVICE_CALLER_HEADER } from './auth.js';
import { DateTimeScalar } from './scalars.js';

/** `__resolveReference` functions by type name: how other subgraphs' references become entities here. */
export type ReferenceResolvers = Record<
  string,
  { __resolveReference: (reference: never, context: never, info: GraphQLResolveInfo) => unknown }
>;

const FEDERATION_LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires"])`;

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

/** Where a subgraph reaches another one: its GraphQL endpoint, the router secret, how long to wait. */
export interface PeerAddress {
  url: string;
  routerSecret: string;
  /** @default 5000 */
  timeoutMs?: number;
}

export interface EntityLookup {
  /** The other subgraph's GraphQL endpoint. */
  url: string;
  routerSecret: string;
  /** The caller's own Authorization value: the other subgraph decides what they may see. */
  authorization: string | null;
  /** Instead of a person: the calling subgraph's name, for lookups on its own behalf (see SERVICE_CALLER_HEADER). */
  service?: string;
  typename: string;
  ids: readonly string[];
  /** Fields to select on each entity, e.g. `id displayName`. */
  selection: string;
  timeoutMs: number;
}

/**
 * Asks another subgraph for entities by id through `_entities`, exactly as the router would
 * (router secret, the caller's token), so that subgraph applies its own visibility rules. A
 * subgraph never reads another's tables; this is how it learns about their data.
 * @returns one entry per id, in order: the entity, or null where the subgraph returned none
 * @throws Error when the subgraph does not answer with a matching list
 */
export async function fetchEntities<T extends object>(lookup: EntityLookup): Promise<Array<T | null>> {
  const response = await fetch(lookup.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [ROUTER_SECRET_HEADER]: lookup.routerSecret,
      ...(lookup.authorization ? { authorization: lookup.authorization } : {}),
      ...(lookup.service ? { [SERVICE_CALLER_HEADER]: lookup.service } : {}),
    },
    body: JSON.stringify({
      query: `query($r:[_Any!]!){ _entities(representations:$r){ ... on ${lookup.typename} { ${lookup.selection} } } }`,
      variables: { r: lookup.ids.map((id) => ({ __typename: lookup.typename, id })) },
    }),
    signal: AbortSignal.timeout(lookup.timeoutMs),
  });
  const body = (await response.json().catch(() => null)) as { data?: { _entities?: Array<T | null> | null } } | null;
  const entities = body?.data?._entities;
  if (!response.ok || !Array.isArray(entities) || entities.length !== lookup.ids.length) {
    throw new Error(`The ${lookup.typename} lookup at ${lookup.url} got no usable answer (HTTP ${response.status}).`);
  }
  return entities;
}
