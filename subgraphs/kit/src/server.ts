import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { ExecutionResult, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { MikroORM } from '@mikro-orm/postgresql';
import {
  CLIENT_ADDRESS_HEADER,
  CLIENT_AGENT_HEADER,
  ROUTER_SECRET_HEADER,
  SERVICE_CALLER_HEADER,
  secretsEqual,
  type ClientInfo,
  type TokenVerifier,
} from './auth.js';
import type { RequestContext } from './context.js';
import { createErrorFormatter } from './errors.js';
import type { Logger } from './logger.js';
import { subscribeLive, type LiveExtensions, type LiveMode } from './live.js';

export interface SubgraphServerOptions {
  /** The subgraph's name as composition knows it (`users`, `chat`, …). */
  name: string;
  schema: GraphQLSchema;
  orm: MikroORM;
  /** Shared with the router: subgraphs answer nobody else. */
  routerSecret: string;
  verifyToken: TokenVerifier;
  logger: Logger;
  /** Hides internal error details and turns introspection off. */
  production: boolean;
  /** @default '0.0.0.0' */
  host?: string;
  /** @default 0 (a free port) */
  port?: number;
  /** Runs after the HTTP and WebSocket servers have closed. */
  onClose?: () => Promise<void>;
  /**
   * Plain HTTP routes of the subgraph's own (media's upload, file and webhook paths), which the
   * router forwards from its origin. Like `/graphql`, they answer only requests with the router secret.
   */
  routes?: (router: express.Router) => void;
  /** What `GET /health` adds to its answer besides the database check. */
  health?: () => Record<string, unknown>;
}

export interface RunningServer {
  /** Starts listening; resolves with the GraphQL endpoint's URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
  readonly httpServer: Server;
}

/**
 * Serves a subgraph: queries and mutations over HTTP (Apollo Server), subscriptions over
 * graphql-ws on the same path, `GET /health`. Only the router may call it (router secret),
 * and the user's token is checked here again.
 */
export function createSubgraphServer(options: SubgraphServerOptions): RunningServer {
  const { logger, orm, verifyToken } = options;
  const app = express();
  const httpServer = createServer(app);
  // The router keeps idle connections to subgraphs without a time limit and reuses the least
  // recently used first, so after a burst of parallel calls a connection can sit idle for Node's
  // default 5 s and be closed by the server just as the router sends on it (ECONNRESET).
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });

  async function contextFor(
    authorization: string | undefined | null,
    service: string | null = null,
    client: ClientInfo = UNKNOWN_CLIENT,
  ): Promise<RequestContext> {
    const check = await verifyToken(authorization);
    return {
      viewer: check.ok ? check.viewer : null,
      authProblem: check.ok ? null : check.reason,
      em: orm.em.fork(),
      logger,
      authorization: authorization ?? null,
      service,
      client,
    };
  }

  const formatError = createErrorFormatter(logger, options.production);

  const wsCleanup = useServer<Record<string, unknown>>(
    {
      schema: options.schema,
      onConnect: (ctx) => secretsEqual(ctx.connectionParams?.routerSecret as string | undefined, options.routerSecret),
      context: async (_ctx, _id, payload) => {
        const live = (payload.extensions ?? {}) as LiveExtensions;
        const mode: LiveMode = live.mode === 'fanout' || live.mode === 'admission' ? live.mode : 'viewer';
        // A fan-out stream is the router's own: no viewer, and each event says who may see it.
        const context = mode === 'fanout' ? await contextFor(null, 'router') : await contextFor(live.authorization);
        // From the router (it holds the router secret); anything not a string is kept as a path no grouping knows.
        const viewerPaths = mode === 'fanout' && Array.isArray(live.viewerPaths) ? live.viewerPaths.map(String) : [];
        return { ...context, live: { mode, ready: live.ready === true, viewerPaths } };
      },
      subscribe: subscribeLive,
      onNext: formatSubscriptionErrors(formatError),
    },
    wsServer,
  );
  const apollo = new ApolloServer<RequestContext>({
    schema: options.schema,
    introspection: !options.production,
    // The process's own signal handler closes the ORM and bus after the server.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: !options.production,
    formatError,
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), drainWebSockets(wsCleanup), ApolloServerPluginInlineTraceDisabled()],
  });

  app.get('/health', async (_req, res) => {
    try {
      await orm.em.getConnection().execute('select 1');
      res.json({ status: 'ok', service: options.name, ...options.health?.() });
    } catch (error) {
      logger.warn({ err: error }, 'health check failed');
      res.status(503).json({ status: 'unavailable', service: options.name });
    }
  });

  if (options.routes) {
    const routes = express.Router();
    routes.use((req, res, next) => {
      if (secretsEqual(req.get(ROUTER_SECRET_HEADER), options.routerSecret)) return next();
      res.status(401).json({ error: { code: 'UNAUTHENTICATED', message: 'Subgraphs answer only the router.' } });
    });
    options.routes(routes);
    app.use((req, res, next) => (req.path === '/graphql' || req.path === '/health' ? next() : routes(req, res, next)));
  }

  let started = false;
  return {
    httpServer,
    async listen() {
      await apollo.start();
      started = true;
      app.use(
        '/graphql',
        (req, res, next) => {
          if (secretsEqual(req.get(ROUTER_SECRET_HEADER), options.routerSecret)) return next();
          res.status(401).json({ errors: [{ message: 'Subgraphs answer only the router.', extensions: { code: 'UNAUTHENTICATED' } }] });
        },
        express.json({ limit: '1mb' }),
        expressMiddleware(apollo, {
          context: async ({ req }) =>
            contextFor(req.headers.authorization, req.get(SERVICE_CALLER_HEADER) ?? null, {
              address: req.get(CLIENT_ADDRESS_HEADER) ?? null,
              userAgent: req.get(CLIENT_AGENT_HEADER) ?? null,
            }),
        }),
      );
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(options.port ?? 0, options.host ?? '0.0.0.0', () => resolve());
      });
      const { port } = httpServer.address() as AddressInfo;
      const url = `http://127.0.0.1:${port}/graphql`;
      logger.info({ subgraph: options.name, url }, 'subgraph listening');
      return url;
    },
    async close() {
      if (started) await apollo.stop();
      else await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      await options.onClose?.();
    },
  };
}

const UNKNOWN_CLIENT: ClientInfo = Object.freeze({ address: null, userAgent: null });

/** graphql-ws's `onNext` that formats errors as Apollo Server does over HTTP (`formatError`). */
export function formatSubscriptionErrors(formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError) {
  return (_ctx: unknown, _id: string, _payload: unknown, _args: unknown, result: ExecutionResult) =>
    result.errors ? { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) } : undefined;
}

/** Closes the graphql-ws server's sockets when Apollo Server stops, with the HTTP server. */
export function drainWebSockets(cleanup: { dispose(): void | Promise<void> }): ApolloServerPlugin {
  return {
    async serverWillStart() {
      return { drainServer: async () => cleanup.dispose() };
    },
  };
}
