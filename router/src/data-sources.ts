import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ROUTER_SECRET_HEADER, SERVICE_CALLER_HEADER } from '@chirpchat/kit';

/** What the router carries from the client to every subgraph call. */
export interface RouterContext {
  authorization: string | null;
  /** The router on its own behalf (a live event resolved once for many subscribers): no person, only what every signed-in user may see. */
  service?: boolean;
}

/**
 * Calls a subgraph over HTTP with the router secret (subgraphs answer nobody else) and the
 * client's own token (subgraphs check it again and decide what the viewer may see).
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<RouterContext> {
  constructor(
    url: string,
    private readonly routerSecret: string,
  ) {
    super({ url });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<RouterContext>): void {
    request.http?.headers.set(ROUTER_SECRET_HEADER, this.routerSecret);
    if (context?.authorization) request.http?.headers.set('authorization', context.authorization);
    if (context?.service) request.http?.headers.set(SERVICE_CALLER_HEADER, 'router');
  }
}
