import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloGateway } from '@apollo/gateway';
import express from 'express';
import { GraphQLError, specifiedRules } from 'graphql';
import { Agent } from 'undici';
import { WebSocket, WebSocketServer } from 'ws';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import {
  createTokenVerifier,
  ErrorCode,
  createErrorFormatter,
  drainWebSockets,
  formatSubscriptionErrors,
  RateLimitedError,
  RateLimits,
  type Logger,
  type ClientInfo,
  type RevocationView,
  type RunningServer,
  type Viewer,
} from '@chirpchat/kit';
import { type PresenceStore } from '@chirpchat/kit/contracts';
import { clientOfRequest, clientOfUpgrade } from './client-info.js';
import { SubgraphDataSource, type RouterContext } from './data-sources.js';
import { healthHandler } from './health.js';
import { heartbeat } from './heartbeat.js';
import { mediaProxy } from './media-proxy.js';
import { operationProtection, type OperationLimits } from './limits.js';
import { PresenceTracker } from './presence-tracker.js';
import { DocumentCache, MAX_VALIDATION_ERRORS } from './subscriptions/document-cache.js';
import { LiveRegistry } from './subscriptions/live-registry.js';
import { SubscriptionExecutor, type LiveLimits, type Subscriber } from './subscriptions/subscription-executor.js';
import { UpstreamPool } from './subscriptions/upstream.js';

export interface RouterOptions {
  /** The composed supergraph (schema/supergraph.graphql). */
  supergraphSdl: string;
  /** Subgraph name → its GraphQL endpoint over HTTP; the WebSocket endpoint is the same path. */
  subgraphUrls: Record<string, string>;
  routerSecret: string;
  jwtPublicKey: string;
  logger: Logger;
  /** Hides internal error details and turns introspection off. */
  production: boolean;
  /** @default '0.0.0.0' */
  host?: string;
  /** @default 0 (a free port) */
  port?: number;
  /** Depth, alias, directive, token and cost limits for every operation, over HTTP and WebSocket (graphql-armor). */
  limits?: OperationLimits;
  /** Adds routes (static web app, media paths) before the router's own. */
  extend?: (app: express.Express) => void;
  /**
   * Where the router records who holds a live socket; the users subgraph reads the same store
   * for `User.presence`. Owned (and closed) by the caller.
   */
  presence: PresenceStore;
  /** How long a closed socket keeps its user ONLINE, for reconnects. @default 10_000 */
  presenceGraceMs?: number;
  /** When a subscriber counts as too slow and its socket is closed (TOO_SLOW_CLOSE_CODE). */
  live?: LiveLimits;
  /** How often each client socket is pinged; one that has not answered the previous ping by then is dropped. @default 12_000 */
  keepAliveMs?: number;
  /**
   * Which proxies to believe about the client's address (Express's `trust proxy`, from TRUST_PROXY):
   * the address goes to the subgraphs for rate limits and the audit trail. @default false (the socket's peer)
   */
  trustProxy?: boolean | number | string[];
  /** Bounds on each client socket (see SocketLimits). */
  sockets?: SocketLimits;
  /**
   * How long one call to a subgraph (a query's or mutation's fetch, over HTTP) may take before the
   * client gets SERVICE_UNAVAILABLE for it (SUBGRAPH_TIMEOUT_SECONDS).
   * @default 10_000
   */
  subgraphTimeoutMs?: number;
  /**
   * Where connections per user are counted (`socketConnect`, shared by every router when in
   * Redis) and what `socketMessages` allows. Owned by the caller.
   * @default the default limits, in this process
   */
  rateLimits?: RateLimits;
  /**
   * Revoked sessions and token generations (one view per process, owned by the caller): tokens
   * they name are refused, and sockets opened with them are closed at once with 4403.
   * @default none: tokens stop only when they expire
   */
  revocations?: RevocationView;
}

/** Why the router closes a socket whose session was signed out (with CloseCode.Forbidden, 4403). */
export const SESSION_REVOKED_REASON = 'Session revoked';

/**
 * The close code of a socket refused or closed by a rate limit (too many connections for the user,
 * too many messages on the socket); the reason says when to come back ("… retry in 5 s"). Not one
 * of graphql-ws's fatal codes, so its client reconnects by itself (after its back-off).
 */
export const RATE_LIMITED_CLOSE_CODE = 4029;

/** What one client WebSocket may do; past it the socket is closed, or the operation refused (see the README's "Limits"). */
export interface SocketLimits {
  /** The largest message a client may send; a larger one closes the socket with 1009 (Message Too Big). @default 64 KiB */
  maxMessageBytes?: number;
  /** Subscriptions running at once on one socket; one more is refused with BAD_USER_INPUT, the others go on. @default 32 */
  maxSubscriptions?: number;
  /** How long a socket may take to send `connection_init`; then it is closed with 4408. @default 3_000 */
  initTimeoutMs?: number;
  /** Sockets one user may hold open at once on this router; one more is closed with 4029. @default 16 */
  maxSocketsPerUser?: number;
}

/** The router's server, with the subscriptions live on it. */
export interface RouterServer extends RunningServer {
  readonly live: LiveRegistry;
}

/** What graphql-ws hands the executor for each subscription: the fetches' context and who it is for. */
interface LiveContext extends RouterContext {
  subscriber: Subscriber | null;
}

interface SocketExtra extends Record<PropertyKey, unknown> {
  /** graphql-ws's own: the client's socket. */
  socket?: WebSocket;
  viewer?: Viewer;
  authorization?: string;
  expiryTimer?: NodeJS.Timeout;
  /** The socket's entry in the presence store. */
  connectionId?: string;
  client?: ClientInfo;
}

/**
 * The router: @apollo/gateway answers queries and mutations on `POST /graphql`; graphql-ws on
 * the same path runs subscriptions across the subgraphs (see SubscriptionExecutor).
 */
export async function createRouter(options: RouterOptions): Promise<RouterServer> {
  const { logger } = options;
  const { revocations } = options;
  const verifyToken = await createTokenVerifier(options.jwtPublicKey, revocations);
  // Sockets by user, so that a revocation finds the ones it closes without a walk over all of them.
  const socketsByUser = new Map<string, Set<SocketExtra>>();
  const closeIfRevoked = (extra: SocketExtra) => {
    if (extra.viewer && revocations?.isRevoked(extra.viewer)) extra.socket?.close(CloseCode.Forbidden, SESSION_REVOKED_REASON);
  };
  const stopRevocations = revocations?.onRevoked(({ userId }) => {
    for (const extra of socketsByUser.get(userId) ?? []) closeIfRevoked(extra);
  });
  // One pool of kept-alive connections per subgraph, shared by the gateway's and the subscriptions' data sources.
  const subgraphHttp = { dispatcher: new Agent(), timeoutMs: options.subgraphTimeoutMs ?? 10_000, logger };
  const dataSources = Object.fromEntries(
    Object.entries(options.subgraphUrls).map(([name, url]) => [
      name,
      new SubgraphDataSource(name, url, options.routerSecret, subgraphHttp),
    ]),
  );
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    buildService: ({ name }) => {
      const dataSource = dataSources[name];
      if (!dataSource) throw new Error(`The supergraph names subgraph "${name}" but no URL is configured for it`);
      return dataSource;
    },
    logger,
  });
  const upstream = new UpstreamPool(options.subgraphUrls, options.routerSecret, logger);
  const live = new LiveRegistry();
  const formatError = createErrorFormatter(logger, options.production);
  const subscriptions = new SubscriptionExecutor({
    supergraphSdl: options.supergraphSdl,
    dataSources,
    upstream,
    logger,
    registry: live,
    limits: options.live,
    formatError,
  });
  const presence = new PresenceTracker({ store: options.presence, graceMs: options.presenceGraceMs, logger });

  const app = express();
  app.disable('x-powered-by');
  const trustProxy = options.trustProxy ?? false;
  app.set('trust proxy', trustProxy);
  const httpServer = createServer(app);
  const maxSubscriptions = options.sockets?.maxSubscriptions ?? 32;
  const maxSocketsPerUser = options.sockets?.maxSocketsPerUser ?? 16;
  const ownLimits = options.rateLimits ? null : new RateLimits({ logger });
  const rateLimits = options.rateLimits ?? ownLimits!;
  const socketsOfUser = new Map<string, number>();
  // `ws` closes a socket whose message is larger with 1009; its default would take 100 MiB.
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: options.sockets?.maxMessageBytes ?? 64 * 1024 });

  // Before graphql-ws's own listener: see quietProtocolErrors and countMessages.
  wsServer.on('connection', quietProtocolErrors(logger));
  if (rateLimits.enabled) wsServer.on('connection', countMessages(rateLimits.table.socketMessages));

  const protection = operationProtection(options.limits);
  const documents = new DocumentCache(subscriptions.apiSchema, [...specifiedRules, ...protection.validationRules], {
    hideSuggestions: options.production,
    maxTokens: protection.maxTokens,
  });
  const wsCleanup = useServer<Record<string, unknown>, SocketExtra>(
    {
      schema: subscriptions.apiSchema,
      connectionInitWaitTimeout: options.sockets?.initTimeoutMs ?? 3000,
      onConnect: async (ctx) => {
        const authorization = ctx.connectionParams?.authorization;
        const check = await verifyToken(typeof authorization === 'string' ? authorization : undefined);
        if (!check.ok) return false; // graphql-ws closes with 4403 Forbidden
        const userId = check.viewer.id;
        const held = socketsOfUser.get(userId) ?? 0;
        try {
          if (rateLimits.enabled && held >= maxSocketsPerUser)
            throw new RateLimitedError(`At most ${maxSocketsPerUser} connections at once.`, 5);
          await rateLimits.consume('socketConnect', userId);
        } catch (error) {
          if (!(error instanceof RateLimitedError)) throw error;
          const retryAfter = (error.extensions as { retryAfterSeconds: number }).retryAfterSeconds;
          ctx.extra.socket.close(RATE_LIMITED_CLOSE_CODE, `Rate limited: too many connections, retry in ${retryAfter} s`);
          return false;
        }
        socketsOfUser.set(userId, held + 1);
        ctx.extra.client = clientOfUpgrade(ctx.extra.request, trustProxy);
        // Nothing needs the upgrade request after the handshake: do not keep its headers for the socket's life.
        (ctx.extra as { request?: unknown }).request = undefined;
        ctx.extra.viewer = check.viewer;
        ctx.extra.authorization = authorization as string;
        // The socket lives no longer than the token that opened it.
        ctx.extra.expiryTimer = setTimeout(
          () => ctx.extra.socket.close(CloseCode.Forbidden, 'Access token expired'),
          Math.max(0, check.viewer.expiresAt.getTime() - Date.now()),
        );
        let sockets = socketsByUser.get(check.viewer.id);
        if (!sockets) socketsByUser.set(check.viewer.id, (sockets = new Set()));
        sockets.add(ctx.extra);
        const live = presence.connected(check.viewer.id);
        ctx.extra.connectionId = live.connectionId;
        // Recorded before the acknowledgement, so a client that is connected is also ONLINE.
        await live.recorded;
        // Revoked while this socket was being admitted: the event found it not yet registered.
        return !revocations?.isRevoked(check.viewer);
      },
      onClose: (ctx) => {
        clearTimeout(ctx.extra.expiryTimer);
        if (ctx.extra.viewer) {
          const userId = ctx.extra.viewer.id;
          const held = (socketsOfUser.get(userId) ?? 1) - 1;
          if (held > 0) socketsOfUser.set(userId, held);
          else socketsOfUser.delete(userId);
          const sockets = socketsByUser.get(userId);
          sockets?.delete(ctx.extra);
          if (sockets?.size === 0) socketsByUser.delete(userId);
        }
        if (ctx.extra.connectionId) presence.disconnected(ctx.extra.connectionId);
      },
      // Parsed and validated once per distinct document: graphql-ws then neither parses nor validates it again.
      onSubscribe: (ctx, _id, payload) => {
        // graphql-ws has entered this one already.
        if (Object.keys(ctx.subscriptions).length > maxSubscriptions)
          return [
            new GraphQLError(`At most ${maxSubscriptions} subscriptions may run on one socket: complete one first.`, {
              extensions: { code: ErrorCode.BAD_USER_INPUT },
            }),
          ];
        const { document, errors } = documents.get(payload.query, payload.operationName);
        if (errors) return errors;
        return {
          schema: subscriptions.apiSchema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
        };
      },
      context: (ctx, operationId): LiveContext => ({
        authorization: ctx.extra.authorization ?? null,
        client: ctx.extra.client,
        subscriber: ctx.extra.viewer ? { viewerId: ctx.extra.viewer.id, operationId, socket: ctx.extra.socket } : null,
      }),
      subscribe: (args) => {
        const { subscriber, ...context } = args.contextValue as LiveContext;
        // onConnect refuses sockets without a valid token, so there is always a subscriber here.
        if (!subscriber) return { errors: [new GraphQLError('Sign in first.', { extensions: { code: ErrorCode.UNAUTHENTICATED } })] };
        return subscriptions.subscribe(args, context, subscriber);
      },
      onNext: formatSubscriptionErrors(formatError),
    },
    wsServer,
    // No keep-alive timers per socket: one heartbeat for all of them (below).
    0,
  );
  const stopHeartbeat = heartbeat(wsServer, options.keepAliveMs);
  const apollo = new ApolloServer<RouterContext>({
    gateway,
    introspection: !options.production,
    stopOnTerminationSignals: false,
    // No "did you mean …" field suggestions for strangers probing the schema.
    hideSchemaDetailsFromClientErrors: options.production,
    validationRules: protection.validationRules,
    // At most 100 errors for one document (graphql-js adds one saying it stopped), as over WebSocket.
    validationOptions: { maxErrors: MAX_VALIDATION_ERRORS - 1 },
    includeStacktraceInErrorResponses: !options.production,
    formatError,
    plugins: [...protection.plugins, ApolloServerPluginDrainHttpServer({ httpServer }), drainWebSockets(wsCleanup)],
  });

  app.get('/health', healthHandler(options.subgraphUrls));
  // Uploads, signed files and the store webhook of the media subgraph, on this origin.
  if (options.subgraphUrls.media) mediaProxy(options.subgraphUrls.media, options.routerSecret, logger)(app);
  options.extend?.(app);

  let started = false;
  return {
    httpServer,
    live,
    async listen() {
      await rateLimits.ready();
      await apollo.start();
      started = true;
      app.use(
        '/graphql',
        express.json({ limit: '1mb' }),
        expressMiddleware(apollo, {
          context: async ({ req }) => ({ authorization: req.headers.authorization ?? null, client: clientOfRequest(req) }),
        }),
        requestBodyErrors,
      );
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(options.port ?? 0, options.host ?? '0.0.0.0', () => resolve());
      });
      const { port } = httpServer.address() as AddressInfo;
      const url = `http://127.0.0.1:${port}/graphql`;
      logger.info({ url }, 'router listening');
      return url;
    },
    async close() {
      if (started) await apollo.stop();
      else await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      stopHeartbeat();
      stopRevocations?.();
      await upstream.close();
      await subgraphHttp.dispatcher.close();
      await presence.close();
      await ownLimits?.close();
    },
  };
}

/**
 * Counts each socket's messages in fixed windows (`socketMessages`: subscribe, complete, ping, …)
 * before graphql-ws reads them; past the limit the socket is closed with RATE_LIMITED_CLOSE_CODE
 * and the rest of its messages are dropped. Two numbers on the socket, no timer.
 */
function countMessages(limit: { points: number; durationSeconds: number }): (socket: WebSocket) => void {
  const windowMs = limit.durationSeconds * 1000;
  return (socket) => {
    let windowStart = Date.now();
    let count = 0;
    socket.on('message', () => {
      const now = Date.now();
      if (now - windowStart >= windowMs) {
        windowStart = now;
        count = 0;
      }
      count += 1;
      if (count === limit.points + 1) {
        const retryAfter = Math.max(1, Math.ceil((windowStart + windowMs - now) / 1000));
        socket.close(RATE_LIMITED_CLOSE_CODE, `Rate limited: too many messages, retry in ${retryAfter} s`);
      }
    });
  };
}

/**
 * A body that express.json refuses (over 1 MB, not JSON, an unknown charset) gets a GraphQL error
 * in JSON with a code and body-parser's status (413, 400, 415), not Express's HTML page.
 */
const requestBodyErrors: express.ErrorRequestHandler = (error: { status?: number; type?: string }, _req, res, next) => {
  if (res.headersSent || typeof error?.type !== 'string' || typeof error.status !== 'number' || error.status >= 500) return next(error);
  const message =
    error.type === 'entity.too.large'
      ? 'The request body is larger than 1 MB.'
      : error.type === 'entity.parse.failed'
        ? 'The request body is not valid JSON.'
        : 'The request body could not be read: send JSON in UTF-8.';
  res.status(error.status).json({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
};

/**
 * `ws` closes a socket that breaks the protocol (a message over `maxPayload`: 1009; a bad frame:
 * 1002) with the matching code, then emits `error` on it, which graphql-ws would log to the console
 * as an internal error of ours for every such client. They are the client's: logged at debug.
 * One function for every socket (its own `emit`), so a socket costs no closure for it.
 */
function quietProtocolErrors(logger: Logger): (socket: WebSocket) => void {
  const emit = WebSocket.prototype.emit;
  function emitQuietly(this: WebSocket, event: string | symbol, ...args: unknown[]): boolean {
    const error = args[0] as { code?: unknown; message?: string } | undefined;
    if (event === 'error' && typeof error?.code === 'string' && error.code.startsWith('WS_ERR_')) {
      logger.debug({ code: error.code, reason: error.message }, 'client socket closed: it broke the WebSocket protocol');
      return true;
    }
    return emit.call(this, event, ...args);
  }
  return (socket) => {
    socket.emit = emitQuietly;
  };
}
