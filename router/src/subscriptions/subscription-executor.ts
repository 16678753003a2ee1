import { buildOperationContext, executeQueryPlan, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import { operationFromDocument, Supergraph, type Schema } from '@apollo/federation-internals';
import { QueryPlanner, type FetchNode, type PlanNode, type QueryPlan } from '@apollo/query-planner';
import { GraphQLError, print, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { Channel, ErrorCode, type Logger } from '@chirpchat/kit';
import type { RouterContext } from '../data-sources.js';
import type { UpstreamPool } from './upstream.js';

type RequestContext = Parameters<typeof executeQueryPlan>[2];

interface PlannedSubscription {
  primary: FetchNode;
  /** Runs after each event: the primary fetch (answered from the event) and then `rest`. */
  perEvent: QueryPlan;
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

  constructor(
    supergraphSdl: string,
    private readonly dataSources: Record<string, GraphQLDataSource<RouterContext>>,
    private readonly upstream: UpstreamPool,
    private readonly logger: Logger,
    /** Plans kept by document; the least recently used are dropped past this. @default 500 */
    private readonly maxPlans = 500,
  ) {
    const supergraph = Supergraph.build(supergraphSdl);
    this.supergraphApi = supergraph.apiSchema();
    this.apiSchema = this.supergraphApi.toGraphQLJSSchema();
    this.supergraphSchema = supergraph.schema.toGraphQLJSSchema();
    this.planner = new QueryPlanner(supergraph);
  }

  /** Starts one client subscription; `args` has been validated against `apiSchema` by graphql-ws. */
  subscribe(args: ExecutionArgs, context: RouterContext): AsyncIterableIterator<ExecutionResult> | ExecutionResult {
    const operationName = args.operationName ?? undefined;
    let planned: PlannedSubscription;
    try {
      planned = this.plan(args, operationName);
    } catch (error) {
      return { errors: [asGraphQLError(error)] };
    }
    const operationContext = buildOperationContext({ schema: this.apiSchema, operationDocument: args.document, operationName });
    const variables = (args.variableValues ?? {}) as Record<string, unknown>;
    const { primary, perEvent } = planned;

    const results = new Channel<ExecutionResult>();
    let queue = Promise.resolve();
    const stop = this.upstream.subscribe(
      primary.serviceName,
      {
        query: primary.operation,
        operationName: primary.operationName,
        variables: pick(variables, primary.variableUsages),
        authorization: context.authorization,
      },
      {
        next: (event) => {
          // Events are resolved one after another so that they reach the client in order.
          queue = queue.then(() => this.resolveEvent(event, perEvent, primary, operationContext, variables, context, results));
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
    results.onRelease(stop);
    return results;
  }

  private async resolveEvent(
    event: ExecutionResult,
    perEvent: QueryPlan,
    primary: FetchNode,
    operationContext: ReturnType<typeof buildOperationContext>,
    variables: Record<string, unknown>,
    context: RouterContext,
    results: Channel<ExecutionResult>,
  ): Promise<void> {
    if (!event.data) {
      // The subgraph refused the subscription (e.g. FORBIDDEN) or failed: pass its errors on.
      results.push({ errors: event.errors ? toGraphQLErrors(event.errors) : [new GraphQLError('The subscription ended unexpectedly.')] });
      return;
    }
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
      const result = await executeQueryPlan(
        perEvent,
        serviceMap,
        requestContext,
        operationContext,
        this.supergraphSchema,
        this.supergraphApi,
      );
      results.push(result as ExecutionResult);
    } catch (error) {
      this.logger.error({ err: error }, 'subscription event could not be resolved');
      results.push({ errors: [new GraphQLError('Internal server error', { extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } })] });
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
    const planned: PlannedSubscription = { primary, perEvent: { kind: 'QueryPlan', node } };
    this.plans.set(key, planned);
    if (this.plans.size > this.maxPlans) this.plans.delete(this.plans.keys().next().value!);
    return planned;
  }
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
