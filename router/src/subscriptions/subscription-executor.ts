import { buildOperationContext, executeQueryPlan, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import { operationFromDocument, Supergraph, type Schema } from '@apollo/federation-internals';
import { QueryPlanner, type FetchNode, type PlanNode, type QueryPlan } from '@apollo/query-planner';
import {
  GraphQLError,
  print,
  getNamedType,
  getOperationAST,
  isInterfaceType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type SelectionSetNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { Channel, ErrorCode, type Logger } from '@chirpchat/kit';
import type { RouterContext } from '../data-sources.js';
import type { LiveRegistry } from './live-registry.js';
import type { UpstreamPool } from './upstream.js';

type RequestContext = Parameters<typeof executeQueryPlan>[2];

interface PlannedSubscription {
  /** The document's text with its operation name: the key of the plan cache and of shared streams. */
  key: string;
  /** The subscription's root field, e.g. `messageAdded`. */
  field: string;
  primary: FetchNode;
  /** Runs after each event: the primary fetch (answered from the event) and then `rest`. */
  perEvent: QueryPlan;
  /** Whether the root field itself is `@viewer` (e.g. `mediaProcessed`): then each subscriber has an operation of their own. */
  viewerRoot: boolean;
  /**
   * The `@viewer` fields the document selects below the root field, as dot-separated field
   * names from it. Any: the fan-out stream's events come in groups of viewers that see the same
   * values (decided by the subgraph), and each group's rest of the plan runs as one of them.
   */
  viewerPaths: string[];
}

/**
 * The client's socket (a `ws` WebSocket), as far as the executor needs it: events are written to
 * it directly, how much waits to be written tells a slow reader, and it can be closed.
 */
export interface SubscriberSocket {
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: Buffer, options: { binary: boolean }): void;
  close(code: number, reason: string): void;
}

/** Who a client subscription is for, beside the RouterContext its fetches carry. */
export interface Subscriber {
  viewerId: string;
  /** The graphql-ws operation id: each event goes out as a `next` message with it. */
  operationId: string;
  socket: SubscriberSocket;
}

/**
 * The close code for a socket that does not read its events fast enough: 1013 "Try Again
 * Later". graphql-ws clients reconnect after it; the app then catches up with `messagesSince`.
 */
export const TOO_SLOW_CLOSE_CODE = 1013;

export interface LiveLimits {
  /** Events of one viewer-dependent subscription waiting to be resolved before it counts as too slow. @default 256 */
  maxQueuedEvents?: number;
  /** Bytes waiting in one socket's send buffer before it counts as too slow. @default 4 MiB */
  maxBufferedBytes?: number;
}

export interface SubscriptionExecutorOptions {
  supergraphSdl: string;
  dataSources: Record<string, GraphQLDataSource<RouterContext>>;
  upstream: UpstreamPool;
  logger: Logger;
  registry: LiveRegistry;
  limits?: LiveLimits;
  /** How an event's errors reach clients (the router's formatError): applied once per event, before it is serialised. */
  formatError?: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  /** Plans kept by document; the least recently used are dropped past this. @default 500 */
  maxPlans?: number;
}

/** What resolving one event needs: the plan, the client's operation and variables, and whose fetches they are. */
interface EventResolution {
  perEvent: QueryPlan;
  primary: FetchNode;
  operationContext: ReturnType<typeof buildOperationContext>;
  variables: Record<string, unknown>;
  context: RouterContext;
}

/**
 * One client subscription. Its events are written straight to the socket as graphql-ws `next`
 * messages, serialised once per event however many subscribers get it; `results` is what
 * graphql-ws iterates, and carries only the end of the subscription and its errors.
 */
interface Delivery {
  results: Channel<ExecutionResult>;
  subscriber: Subscriber;
  /** The subscriber's own, for resolving the events of a group they are in (viewer-dependent documents only). */
  context?: RouterContext;
  /** `{"id":"…","type":"next","payload":` for this subscription: a frame is this, the payload and `}`. */
  framePrefix: Buffer;
  /** Set once the subgraph is listening for it; ends its entry in the LiveRegistry. */
  release?: () => void;
}

/** One upstream fan-out operation serving every client subscription with the same document and variables. */
interface SharedStream {
  /** Viewer id → their subscriptions on this stream. */
  readonly viewers: Map<string, Set<Delivery>>;
  size: number;
  ready: boolean;
  queue: Promise<void>;
  stop(): void;
}

/**
 * Executes federated subscriptions, which @apollo/gateway plans but refuses to run. The
 * plan's `primary` fetch becomes a graphql-ws operation on the owning subgraph; for each
 * event, the gateway's own `executeQueryPlan` runs `primary` (answered from the event itself)
 * followed by `rest`, so fields owned by other subgraphs arrive resolved and shaped exactly
 * as for a query.
 */
export class SubscriptionExecutor {
  readonly apiSchema: GraphQLSchema;
  private readonly supergraphApi: Schema;
  private readonly supergraphSchema: GraphQLSchema;
  private readonly planner: QueryPlanner;
  private readonly plans = new Map<string, PlannedSubscription>();
  private readonly streams = new Map<string, SharedStream>();
  private readonly dataSources: Record<string, GraphQLDataSource<RouterContext>>;
  private readonly upstream: UpstreamPool;
  private readonly logger: Logger;
  private readonly registry: LiveRegistry;
  private readonly formatError: NonNullable<SubscriptionExecutorOptions['formatError']>;
  private readonly maxPlans: number;
  private readonly maxQueuedEvents: number;
  private readonly maxBufferedBytes: number;

  constructor(options: SubscriptionExecutorOptions) {
    ({ dataSources: this.dataSources, upstream: this.upstream, logger: this.logger, registry: this.registry } = options);
    this.formatError = options.formatError ?? ((formatted) => formatted);
    this.maxPlans = options.maxPlans ?? 500;
    this.maxQueuedEvents = options.limits?.maxQueuedEvents ?? 256;
    this.maxBufferedBytes = options.limits?.maxBufferedBytes ?? 4 * 1024 * 1024;
    const supergraph = Supergraph.build(options.supergraphSdl);
    this.supergraphApi = supergraph.apiSchema();
    this.apiSchema = this.supergraphApi.toGraphQLJSSchema();
    this.supergraphSchema = supergraph.schema.toGraphQLJSSchema();
    this.planner = new QueryPlanner(supergraph);
  }

  /** Starts one client subscription; `args` has been validated against `apiSchema` by graphql-ws. */
  subscribe(args: ExecutionArgs, context: RouterContext, subscriber: Subscriber): AsyncIterableIterator<ExecutionResult> | ExecutionResult {
    const operationName = args.operationName ?? undefined;
    let planned: PlannedSubscription;
    try {
      planned = this.plan(args, operationName);
    } catch (error) {
      return { errors: [asGraphQLError(error)] };
    }
    const variables = (args.variableValues ?? {}) as Record<string, unknown>;
    return planned.viewerRoot
      ? this.subscribeForViewer(args, planned, variables, context, subscriber)
      : this.subscribeShared(args, planned, variables, context, subscriber);
  }

  /**
   * A subscription whose root field does not depend on the viewer: the subgraph checks access
   * once (an `admission` operation as the viewer), then the client joins the one fan-out stream
   * for its document and variables, whose events are resolved once (once per group of viewers
   * who see the same, when the document selects `@viewer` fields) and handed to the subscribers
   * in each event's audience.
   */
  private subscribeShared(
    args: ExecutionArgs,
    planned: PlannedSubscription,
    variables: Record<string, unknown>,
    context: RouterContext,
    subscriber: Subscriber,
  ): AsyncIterableIterator<ExecutionResult> {
    const { primary } = planned;
    const primaryVariables = pick(variables, primary.variableUsages);
    const delivery = newDelivery(subscriber);
    if (planned.viewerPaths.length > 0) delivery.context = context;
    let refusal: GraphQLError[] | null = null;
    let leave: (() => void) | null = null;
    let ended = false;
    const stopAdmission = this.upstream.subscribe(
      primary.serviceName,
      {
        query: primary.operation,
        operationName: primary.operationName,
        variables: primaryVariables,
        authorization: context.authorization,
        mode: 'admission',
      },
      {
        next: (result) => {
          if (result.errors) refusal = toGraphQLErrors(result.errors);
        },
        error: (error) => {
          delivery.results.push({ errors: upstreamErrors(error) });
          delivery.results.end();
        },
        complete: () => {
          if (ended) return;
          if (refusal) {
            delivery.results.push({ errors: refusal });
            delivery.results.end();
            return;
          }
          leave = this.join(args, planned, primaryVariables, delivery);
        },
      },
    );
    delivery.results.onRelease(() => {
      ended = true;
      stopAdmission();
      leave?.();
      delivery.release?.();
    });
    return delivery.results;
  }

  /** Adds a delivery to the shared stream for its document and variables, opening the stream if needed; returns how to leave it. */
  private join(
    args: ExecutionArgs,
    planned: PlannedSubscription,
    primaryVariables: Record<string, unknown>,
    delivery: Delivery,
  ): () => void {
    const key = `${planned.key}\n${JSON.stringify(primaryVariables)}`;
    let stream = this.streams.get(key);
    if (!stream) {
      stream = this.openStream(key, args, planned, primaryVariables);
      this.streams.set(key, stream);
    }
    const { viewerId } = delivery.subscriber;
    let own = stream.viewers.get(viewerId);
    if (!own) stream.viewers.set(viewerId, (own = new Set()));
    own.add(delivery);
    stream.size += 1;
    if (stream.ready) delivery.release = this.registry.activated(planned.field, viewerId);
    const joined = stream;
    return () => {
      if (!own.delete(delivery)) return;
      if (own.size === 0) joined.viewers.delete(viewerId);
      joined.size -= 1;
      if (joined.size === 0 && this.streams.get(key) === joined) {
        this.streams.delete(key);
        joined.stop();
      }
    };
  }

  private openStream(
    key: string,
    args: ExecutionArgs,
    planned: PlannedSubscription,
    primaryVariables: Record<string, unknown>,
  ): SharedStream {
    const { primary, field } = planned;
    // The rest of the plan runs as the router: no person's token, only what every signed-in user may see.
    const resolution = this.resolution(args, planned, { authorization: null, service: true });
    const stream: SharedStream = { viewers: new Map(), size: 0, ready: false, queue: Promise.resolve(), stop: () => undefined };
    const endAll = (result: ExecutionResult | null) => {
      if (this.streams.get(key) === stream) this.streams.delete(key);
      for (const deliveries of stream.viewers.values())
        for (const delivery of deliveries) {
          if (result) delivery.results.push(result);
          delivery.results.end();
        }
    };
    stream.stop = this.upstream.subscribe(
      primary.serviceName,
      {
        query: primary.operation,
        operationName: primary.operationName,
        variables: primaryVariables,
        authorization: null,
        mode: 'fanout',
        ready: true,
        viewerPaths: planned.viewerPaths,
      },
      {
        next: (event) => {
          if (!event.data && event.extensions?.ready === true) {
            stream.ready = true;
            for (const [viewerId, deliveries] of stream.viewers)
              for (const delivery of deliveries) delivery.release ??= this.registry.activated(field, viewerId);
            return;
          }
          stream.queue = stream.queue.then(() => this.deliverShared(stream, event, resolution));
        },
        error: (error) => {
          stream.queue = stream.queue.then(() => endAll({ errors: upstreamErrors(error) }));
        },
        complete: () => {
          stream.queue = stream.queue.then(() => endAll(null));
        },
      },
    );
    return stream;
  }

  private async deliverShared(stream: SharedStream, event: ExecutionResult, resolution: EventResolution): Promise<void> {
    const audience = event.extensions?.audience as string[] | undefined;
    if (!Array.isArray(audience)) {
      // Nobody may see what the subgraph did not say who may see.
      this.logger.warn({ subgraph: resolution.primary.serviceName }, 'fan-out event without an audience dropped');
      return;
    }
    let viewer: RouterContext | undefined;
    for (const userId of audience) {
      const deliveries = stream.viewers.get(userId);
      if (!deliveries) continue;
      viewer = deliveries.values().next().value?.context ?? resolution.context;
      break;
    }
    if (!viewer) return;
    // Without the audience: it is for the router, not for the clients. For a group of viewers who
    // see the same (the subgraph grouped them), the rest of the plan runs as one of them here.
    const result = await this.resolve(
      { data: event.data, ...(event.errors ? { errors: event.errors } : {}) },
      viewer === resolution.context ? resolution : { ...resolution, context: viewer },
    );
    // Serialised once: every subscriber's frame is the same bytes behind its own operation id.
    const payload = this.serialize(result);
    for (const userId of audience) {
      const deliveries = stream.viewers.get(userId);
      if (deliveries) for (const delivery of deliveries) this.deliver(delivery, payload);
    }
  }

  /** A result as graphql-ws would send it: errors formatted for clients, then JSON. */
  private serialize(result: ExecutionResult): Buffer {
    const { errors, ...rest } = result;
    const formatted = errors ? { ...rest, errors: errors.map((error) => this.formatError(error.toJSON(), error)) } : rest;
    return Buffer.from(JSON.stringify(formatted));
  }

  /**
   * Writes one event to one subscription's socket as its `next` message, or closes the socket
   * when too much already waits in its buffer. Never waits for the socket: nobody else waits on it.
   */
  private deliver(delivery: Delivery, payload: Buffer): void {
    const { socket } = delivery.subscriber;
    if (delivery.results.ended || socket.readyState !== OPEN) return;
    if (socket.bufferedAmount > this.maxBufferedBytes) {
      this.tooSlow(delivery);
      return;
    }
    socket.send(Buffer.concat([delivery.framePrefix, payload, FRAME_END]), TEXT_FRAME);
  }

  private tooSlow(delivery: Delivery): void {
    delivery.subscriber.socket.close(TOO_SLOW_CLOSE_CODE, 'Too slow: reconnect and catch up with messagesSince');
    void delivery.results.return();
  }

  /** A subscription that selects `@viewer` fields: its own upstream operation, every event resolved for this viewer. */
  private subscribeForViewer(
    args: ExecutionArgs,
    planned: PlannedSubscription,
    variables: Record<string, unknown>,
    context: RouterContext,
    subscriber: Subscriber,
  ): AsyncIterableIterator<ExecutionResult> {
    const resolution = this.resolution(args, planned, context);
    const { primary, field } = planned;
    const delivery = newDelivery(subscriber);
    const { results } = delivery;
    let queue = Promise.resolve();
    let queued = 0;
    const stop = this.upstream.subscribe(
      primary.serviceName,
      {
        query: primary.operation,
        operationName: primary.operationName,
        variables: pick(variables, primary.variableUsages),
        authorization: context.authorization,
        ready: true,
      },
      {
        next: (event) => {
          if (!event.data && event.extensions?.ready === true) {
            delivery.release ??= this.registry.activated(field, subscriber.viewerId);
            return;
          }
          // The router cannot resolve this viewer's events as fast as they come: let them catch up instead.
          if (++queued > this.maxQueuedEvents) {
            this.tooSlow(delivery);
            return;
          }
          // Events are resolved one after another so that they reach the client in order.
          queue = queue.then(async () => {
            try {
              if (!event.data) {
                // The subgraph refused the subscription (e.g. FORBIDDEN) or failed: pass its errors on.
                results.push({
                  errors: event.errors ? toGraphQLErrors(event.errors) : [new GraphQLError('The subscription ended unexpectedly.')],
                });
                return;
              }
              this.deliver(delivery, this.serialize(await this.resolve(event, resolution)));
            } finally {
              queued -= 1;
            }
          });
        },
        error: (error) => {
          queue = queue.then(() => {
            results.push({ errors: upstreamErrors(error) });
            results.end();
          });
        },
        complete: () => {
          queue = queue.then(() => results.end());
        },
      },
    );
    results.onRelease(() => {
      stop();
      delivery.release?.();
    });
    return results;
  }

  /** What resolving the events of one subscription (or shared stream) needs, built once for all of them. */
  private resolution(args: ExecutionArgs, planned: PlannedSubscription, context: RouterContext): EventResolution {
    return {
      perEvent: planned.perEvent,
      primary: planned.primary,
      operationContext: buildOperationContext({
        schema: this.apiSchema,
        operationDocument: args.document,
        operationName: args.operationName ?? undefined,
      }),
      variables: (args.variableValues ?? {}) as Record<string, unknown>,
      context,
    };
  }

  /** Runs the plan for one event: the primary fetch answered from the event, the rest from the subgraphs. */
  private async resolve(event: ExecutionResult, resolution: EventResolution): Promise<ExecutionResult> {
    const { perEvent, primary, operationContext, variables, context } = resolution;
    const owner = this.dataSources[primary.serviceName]!;
    const fromEvent: GraphQLDataSource<RouterContext> = {
      process: (options) =>
        options.request.query === primary.operation
          ? Promise.resolve({ data: event.data as Record<string, unknown>, ...(event.errors ? { errors: event.errors } : {}) })
          : owner.process(options),
    };
    const serviceMap: ServiceMap = { ...this.dataSources, [primary.serviceName]: fromEvent };
    const requestContext = {
      request: { query: primary.operation, variables },
      context,
      metrics: {},
      logger: this.logger,
    } as unknown as RequestContext;
    try {
      return (await executeQueryPlan(
        perEvent,
        serviceMap,
        requestContext,
        operationContext,
        this.supergraphSchema,
        this.supergraphApi,
      )) as ExecutionResult;
    } catch (error) {
      this.logger.error({ err: error }, 'subscription event could not be resolved');
      return { errors: [new GraphQLError('Internal server error', { extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } })] };
    }
  }

  private plan(args: ExecutionArgs, operationName: string | undefined): PlannedSubscription {
    const key = `${operationName ?? ''}\n${print(args.document)}`;
    const cached = this.plans.get(key);
    if (cached) {
      this.plans.delete(key);
      this.plans.set(key, cached);
      return cached;
    }
    const operation = operationFromDocument(this.supergraphApi, args.document, { operationName });
    const plan = this.planner.buildQueryPlan(operation);
    if (plan.node?.kind !== 'Subscription')
      throw new GraphQLError('Only subscriptions are served over this socket; send queries and mutations over HTTP.', {
        extensions: { code: ErrorCode.BAD_USER_INPUT },
      });
    const { primary, rest } = plan.node;
    const node: PlanNode = rest ? { kind: 'Sequence', nodes: [primary, rest] } : primary;
    const planned: PlannedSubscription = {
      key,
      field: rootFieldName(args.document, operationName),
      primary,
      perEvent: { kind: 'QueryPlan', node },
      ...viewerFields(this.supergraphSchema, args.document, operationName),
    };
    this.plans.set(key, planned);
    if (this.plans.size > this.maxPlans) this.plans.delete(this.plans.keys().next().value!);
    return planned;
  }
}

const OPEN = 1; // WebSocket.OPEN
const TEXT_FRAME = { binary: false };
const FRAME_END = Buffer.from('}');

function newDelivery(subscriber: Subscriber): Delivery {
  return {
    results: new Channel<ExecutionResult>(Number.POSITIVE_INFINITY),
    subscriber,
    framePrefix: Buffer.from(`{"id":${JSON.stringify(subscriber.operationId)},"type":"next","payload":`),
  };
}

function pick(variables: Record<string, unknown>, names: string[] | undefined): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const name of names ?? []) if (variables[name] !== undefined) picked[name] = variables[name];
  return picked;
}

function asGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  return new GraphQLError(error instanceof Error ? error.message : String(error), {
    extensions: { code: ErrorCode.GRAPHQL_VALIDATION_FAILED },
  });
}

/** Errors that crossed a socket as JSON, made real again (graphql-ws formats real GraphQLErrors only). */
function toGraphQLErrors(
  errors: ReadonlyArray<{ message?: string; extensions?: Record<string, unknown>; path?: ReadonlyArray<string | number> }>,
): GraphQLError[] {
  return errors.map(
    (e) => new GraphQLError(e.message ?? 'Subscription failed', { extensions: e.extensions ?? {}, ...(e.path ? { path: e.path } : {}) }),
  );
}

/** graphql-ws hands a sink either an error list (the server's `error` message) or a close event. */
function upstreamErrors(error: unknown): GraphQLError[] {
  if (Array.isArray(error)) return toGraphQLErrors(error);
  return [
    new GraphQLError('The service behind this subscription is unavailable; resubscribe and catch up with messagesSince.', {
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    }),
  ];
}

/** Whether the supergraph marks the field `@viewer` (see the kit's ViewerDirective). */
function isViewerField(field: GraphQLField<unknown, unknown> | undefined): boolean {
  return field?.astNode?.directives?.some((directive) => directive.name.value === 'viewer') ?? false;
}

/**
 * The `@viewer` fields the operation selects (see PlannedSubscription): whether its root field is
 * one, and the paths of those below it. Fragments count wherever they are spread; a field of an
 * interface counts when it is `@viewer` on any type that implements it. When in doubt, per viewer.
 */
export function viewerFields(
  supergraphSchema: GraphQLSchema,
  document: DocumentNode,
  operationName?: string,
): { viewerRoot: boolean; viewerPaths: string[] } {
  const operation = getOperationAST(document, operationName);
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  let viewerRoot = false;
  const paths = new Set<string>();
  // `prefix` null: the operation's root, whose field is the subscription's own.
  const walk = (selectionSet: SelectionSetNode, parent: GraphQLNamedType | undefined, prefix: string | null, spread: Set<string>) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name.startsWith('__') || !parent || !(isObjectType(parent) || isInterfaceType(parent))) continue;
        const field = parent.getFields()[name];
        const marked =
          isViewerField(field) ||
          (isInterfaceType(parent) && supergraphSchema.getPossibleTypes(parent).some((type) => isViewerField(type.getFields()[name])));
        const path = prefix === null ? '' : `${prefix}${name}`;
        if (marked) {
          if (prefix === null) viewerRoot = true;
          else paths.add(path);
        }
        if (selection.selectionSet && field)
          walk(selection.selectionSet, getNamedType(field.type), prefix === null ? '' : `${path}.`, spread);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? supergraphSchema.getType(selection.typeCondition.name.value) : parent;
        walk(selection.selectionSet, type ?? undefined, prefix, spread);
      } else {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || spread.has(fragment.name.value)) continue;
        const type = supergraphSchema.getType(fragment.typeCondition.name.value);
        walk(fragment.selectionSet, type ?? undefined, prefix, new Set([...spread, fragment.name.value]));
      }
    }
  };
  if (operation) walk(operation.selectionSet, supergraphSchema.getSubscriptionType() ?? undefined, null, new Set());
  return { viewerRoot, viewerPaths: [...paths].sort() };
}
function rootFieldName(document: DocumentNode, operationName: string | undefined): string {
  const selection = getOperationAST(document, operationName)?.selectionSet.selections[0];
  return selection?.kind === Kind.FIELD ? selection.name.value : 'subscription';
}
