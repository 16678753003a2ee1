import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { request, type Dispatcher } from 'undici';
import {
  CLIENT_ADDRESS_HEADER,
  CLIENT_AGENT_HEADER,
  ROUTER_SECRET_HEADER,
  SERVICE_CALLER_HEADER,
  ServiceUnavailableError,
  type ClientInfo,
  type Logger,
} from '@chirpchat/kit';

/** What the router carries from the client to every subgraph call. */
export interface RouterContext {
  authorization: string | null;
  /** The router on its own behalf (a live event resolved once for many subscribers): no person, only what every signed-in user may see. */
  service?: boolean;
  /** The person's client (address, User-Agent), passed on for rate limits and the audit trail. */
  client?: ClientInfo;
}

/** How the router's calls to the subgraphs go over HTTP; one for all of a router's data sources. */
export interface SubgraphHttp {
  /** Keeps connections to the subgraphs open between calls (undici's Agent). */
  dispatcher: Dispatcher;
  /** How long one call may take, connecting included, before it fails as SERVICE_UNAVAILABLE. */
  timeoutMs: number;
  logger: Logger;
}

/**
 * Calls a subgraph over HTTP with the router secret (subgraphs answer nobody else) and the
 * client's own token (subgraphs check it again and decide what the viewer may see).
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<RouterContext> {
  constructor(
    name: string,
    url: string,
    private readonly routerSecret: string,
    http: SubgraphHttp,
  ) {
    super({ url, fetcher: subgraphFetcher(name, http) });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<RouterContext>): void {
    request.http?.headers.set(ROUTER_SECRET_HEADER, this.routerSecret);
    if (context?.authorization) request.http?.headers.set('authorization', context.authorization);
    if (context?.service) request.http?.headers.set(SERVICE_CALLER_HEADER, 'router');
    if (context?.client?.address) request.http?.headers.set(CLIENT_ADDRESS_HEADER, context.client.address);
    if (context?.client?.userAgent) request.http?.headers.set(CLIENT_AGENT_HEADER, context.client.userAgent);
  }
}

/**
 * The gateway's fetcher for one subgraph: undici's `request` on a keep-alive dispatcher (a
 * quarter of the CPU of the gateway's default, make-fetch-happen, or of Node's `fetch`), with a
 * deadline. A subgraph that cannot be reached, or does not answer within `timeoutMs`, fails the
 * call with SERVICE_UNAVAILABLE, which the client may retry (a retried `sendMessage` with the
 * same clientId is stored once).
 */
function subgraphFetcher(name: string, { dispatcher, timeoutMs, logger }: SubgraphHttp): RemoteGraphQLDataSource['fetcher'] {
  return async (url, init = {}) => {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    try {
      const response = await request(url, {
        method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: init.headers,
        body: init.body,
        dispatcher,
        signal: deadline.signal,
      });
      const body = await response.body.text();
      const headers = new Headers();
      for (const [header, value] of Object.entries(response.headers)) {
        for (const each of Array.isArray(value) ? value : [value ?? '']) headers.append(header, each);
      }
      return new Response(body === '' ? null : body, { status: response.statusCode, statusText: response.statusText, headers });
    } catch (error) {
      const timedOut = deadline.signal.aborted;
      logger.warn({ err: error, subgraph: name, url, timeoutMs }, timedOut ? 'subgraph call timed out' : 'subgraph call failed');
      throw new ServiceUnavailableError(
        timedOut
          ? `A part of ChirpChat did not answer within ${timeoutMs / 1000} s. Try again; a mutation may or may not have taken effect (a sendMessage retried with the same clientId is stored once).`
          : 'A part of ChirpChat could not be reached or broke off. Try again shortly; a mutation may or may not have taken effect (a sendMessage retried with the same clientId is stored once).',
      );
    } finally {
      clearTimeout(timer);
    }
  };
}
