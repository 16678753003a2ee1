import { createClient, type Client, type ExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import type { LiveExtensions, LiveMode, Logger } from '@chirpchat/kit';

export interface UpstreamOperation {
  query: string;
  operationName?: string | undefined;
  variables: Record<string, unknown>;
  /** The subscriber's `Authorization`, carried per operation over the shared socket; null for a fan-out stream. */
  authorization: string | null;
  /** How the subgraph runs it (see LiveMode in the kit). @default 'viewer' */
  mode?: LiveMode;
  /** Ask for the first result `{ extensions: { ready: true } }` once the subgraph is listening. */
  ready?: boolean;
  /** For a fan-out stream: the `@viewer` fields the client's document selects (see LiveExtensions in the kit). */
  viewerPaths?: string[];
}

export interface UpstreamSink {
  next(result: ExecutionResult): void;
  error(error: unknown): void;
  complete(): void;
}

/**
 * One multiplexed graphql-ws connection per subgraph, opened on first use and re-opened after a
 * drop; every subscriber's operation runs over it with its own identity in `extensions`.
 */
export class UpstreamPool {
  private readonly clients = new Map<string, Client>();

  constructor(
    private readonly urls: Record<string, string>,
    private readonly routerSecret: string,
    private readonly logger: Logger,
  ) {}

  /** Starts an operation on the named subgraph; the returned function stops it at once. */
  subscribe(subgraph: string, operation: UpstreamOperation, sink: UpstreamSink): () => void {
    return this.client(subgraph).subscribe<Record<string, unknown>>(
      {
        query: operation.query,
        operationName: operation.operationName ?? null,
        variables: operation.variables,
        extensions: {
          authorization: operation.authorization,
          mode: operation.mode ?? 'viewer',
          ready: operation.ready ?? false,
          ...(operation.viewerPaths?.length ? { viewerPaths: operation.viewerPaths } : {}),
        } satisfies LiveExtensions,
      },
      sink,
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((client) => client.dispose()));
    this.clients.clear();
  }

  private client(subgraph: string): Client {
    let client = this.clients.get(subgraph);
    if (client) return client;
    const httpUrl = this.urls[subgraph];
    if (!httpUrl) throw new Error(`No URL configured for subgraph "${subgraph}"`);
    client = createClient({
      url: httpUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { routerSecret: this.routerSecret },
      lazy: true,
      lazyCloseTimeout: 30_000,
      keepAlive: 15_000,
      retryAttempts: Number.POSITIVE_INFINITY,
      shouldRetry: () => true,
      on: {
        connected: () => this.logger.debug({ subgraph }, 'upstream socket connected'),
        closed: (event) => this.logger.debug({ subgraph, code: (event as { code?: number })?.code }, 'upstream socket closed'),
      },
    });
    this.clients.set(subgraph, client);
    return client;
  }
}
