import { buildSubgraphSchema, printSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { parse, specifiedDirectives, type GraphQLResolveInfo, type GraphQLSchema } from 'graphql';
import { buildSchema, createResolversMap, type BuildSchemaOptions } from 'type-graphql';
import { ROUTER_SECRET_HEADER, SERVICE_CALLER_HEADER } from './auth.js';
import { DateTimeScalar } from './scalars.js';
import { VIEWER_SPEC_URL, ViewerDirective } from './viewer.js';

/** `__resolveReference` functions by type name: how other subgraphs' references become entities here. */
export type ReferenceResolvers = Record<
  string,
  { __resolveReference: (reference: never, context: never, info: GraphQLResolveInfo) => unknown }
>;

const FEDERATION_LINK = [
  `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@composeDirective"])`,
  `  @link(url: "${VIEWER_SPEC_URL}", import: ["@viewer"]) @composeDirective(name: "@viewer")`,
].join('\n');

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
    directives: [...specifiedDirectives, ViewerDirective, ...(options.directives ?? [])],
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

/** Who a call between subgraphs is on behalf of. */
export interface CallerIdentity {
  /** The caller's own Authorization value: the other subgraph decides what they may see. */
  authorization: string | null;
  /** Instead of a person: the calling subgraph's name, for lookups on its own behalf (see SERVICE_CALLER_HEADER). */
  service?: string;
}

/**
 * Sends one operation to another subgraph exactly as the router would (router secret, the
 * caller's token), so that subgraph applies its own rules, with the peer's timeout.
 * @returns the HTTP status and the response's `data`, null when it has none
 */
export async function querySubgraph<T>(
  peer: PeerAddress,
  caller: CallerIdentity,
  query: string,
  variables: Record<string, unknown>,
): Promise<{ status: number; data: T | null }> {
  const response = await fetch(peer.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [ROUTER_SECRET_HEADER]: peer.routerSecret,
      ...(caller.authorization ? { authorization: caller.authorization } : {}),
      ...(caller.service ? { [SERVICE_CALLER_HEADER]: caller.service } : {}),
    },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(peer.timeoutMs ?? 5000),
  });
  const body = (await response.json().catch(() => null)) as { data?: T | null } | null;
  return { status: response.status, data: response.ok ? (body?.data ?? null) : null };
}

export interface EntityLookup extends CallerIdentity {
  typename: string;
  ids: readonly string[];
  /** Fields to select on each entity, e.g. `id displayName`. */
  selection: string;
}

/**
 * Asks another subgraph for entities by id through `_entities`, as the caller. A subgraph never
 * reads another's tables; this is how it learns about their data.
 * @returns one entry per id, in order: the entity, or null where the subgraph returned none
 * @throws Error when the subgraph does not answer with a matching list
 */
export async function fetchEntities<T extends object>(peer: PeerAddress, lookup: EntityLookup): Promise<Array<T | null>> {
  const { status, data } = await querySubgraph<{ _entities?: Array<T | null> | null }>(
    peer,
    lookup,
    `query($r:[_Any!]!){ _entities(representations:$r){ ... on ${lookup.typename} { ${lookup.selection} } } }`,
    { r: lookup.ids.map((id) => ({ __typename: lookup.typename, id })) },
  );
  const entities = data?._entities;
  if (!Array.isArray(entities) || entities.length !== lookup.ids.length) {
    throw new Error(`The ${lookup.typename} lookup at ${peer.url} got no usable answer (HTTP ${status}).`);
  }
  return entities;
}
