import { createSourceEventStream, execute, GraphQLError, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { Channel } from './channel.js';
import type { RequestContext } from './context.js';

/**
 * How the router runs a subscription on a subgraph (the `extensions` of a graphql-ws
 * `subscribe` message from the router; see DESIGN.md "Rooms at scale").
 *
 * - `viewer` (the default): the operation runs for the person in `authorization`, and every
 *   event is resolved and checked for them.
 * - `fanout`: one operation for many subscribers. It runs as the router, for no viewer, and
 *   every event carries `extensions.audience`: the ids of the users who may see it, decided by
 *   the subgraph at that moment. The router hands the one result to the subscribers in it.
 *   When the document selects `@viewer` fields (`viewerPaths`), the audience is split into
 *   groups of viewers for whom every one of those fields has the same value (see ViewerGrouping),
 *   and the event is executed once per group, as one of its members: one result per group.
 * - `admission`: only the subscribe-time checks, for the person in `authorization`: the
 *   operation completes at once when they pass and ends with their errors when they do not.
 */
export type LiveMode = 'viewer' | 'fanout' | 'admission';

/** What the router puts in a subscription's `extensions`. */
export interface LiveExtensions {
  authorization?: string | null;
  mode?: LiveMode;
  /** Ask for a first result `{ extensions: { ready: true } }` once the subscription is listening. */
  ready?: boolean;
  /**
   * For `fanout`: the `@viewer` fields the document selects, each as the dot-separated field
   * names from the root field's value to it (`hiddenForMe`, `reactions.reactedByMe`,
   * `sender.email`), aliases left out. Empty or absent: the document depends on no viewer.
   */
  viewerPaths?: string[];
}

/**
 * Splits an event's audience into groups whose members cannot be told apart by any of the
 * `@viewer` fields at `viewerPaths` (see LiveExtensions): every field has the same value for
 * each member of a group, so executing the event as any one of them is right for all of them.
 * Null when the subgraph cannot tell for some path: then every viewer is a group of their own.
 */
export type ViewerGrouping = (viewerPaths: readonly string[], audience: readonly string[]) => Promise<string[][] | null>;

/** Past this many `viewerPaths`, no grouping is asked: every viewer is a group of their own. */
export const MAX_VIEWER_PATHS = 200;

/** The first result of an operation that asked for `ready`: it is listening, nothing published from now on is missed. */
export const READY_RESULT: ExecutionResult = Object.freeze({ extensions: { ready: true } }) as ExecutionResult;

const audiences = new WeakMap<object, readonly string[]>();
const groupings = new WeakMap<object, ViewerGrouping>();

/**
 * Marks a fan-out event with who may see it. The subgraph's subscribe function emits `event`
 * (the root value its field resolves from); the result sent to the router carries the audience.
 */
export function withAudience<T extends object>(event: T, audience: readonly string[]): T {
  audiences.set(event, audience);
  return event;
}

/**
 * Says how a fan-out event's audience splits by the viewer-dependent fields a document may
 * select (see ViewerGrouping). An event without one is executed once per viewer when the
 * document selects any `@viewer` field: right, but as costly as a subscription per viewer.
 */
export function withViewerGrouping<T extends object>(event: T, grouping: ViewerGrouping): T {
  groupings.set(event, grouping);
  return event;
}

/** Whether this operation is one of the router's fan-out streams (no viewer; see LiveMode). */
export function isFanout(context: RequestContext): boolean {
  return context.live?.mode === 'fanout';
}

/**
 * graphql-ws's `subscribe` for a subgraph: graphql-js's own source stream and execution, plus
 * the live modes. An event the subscribe function emitted without an audience in fan-out mode
 * is dropped: nobody may see what the subgraph did not say who may see.
 */
export async function subscribeLive(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const context = args.contextValue as RequestContext;
  const live = context.live ?? { mode: 'viewer', ready: false };
  const stream = await createSourceEventStream(args);
  if (!isAsyncIterable(stream)) return stream as ExecutionResult;
  const source = stream;
  if (live.mode === 'admission') {
    await source.return?.();
    return emptyStream();
  }
  const results = new Channel<ExecutionResult>(Number.POSITIVE_INFINITY);
  results.onRelease(() => void source.return?.());
  if (live.ready) results.push(READY_RESULT);
  const fanout = live.mode === 'fanout';
  const viewerPaths = fanout ? (live.viewerPaths ?? []) : [];
  void (async () => {
    try {
      for await (const event of source) {
        if (!fanout) {
          results.push((await execute({ ...args, rootValue: event })) as ExecutionResult);
          continue;
        }
        const audience = typeof event === 'object' && event !== null ? audiences.get(event) : undefined;
        if (!audience) continue;
        if (viewerPaths.length === 0) {
          const result = (await execute({ ...args, rootValue: event })) as ExecutionResult;
          results.push({ ...result, extensions: { ...result.extensions, audience } });
          continue;
        }
        for (const group of await groupsOf(event as object, viewerPaths, audience)) {
          // As the group's first member: by the grouping, what they see is what each of them sees.
          const viewer = { id: group[0]!, expiresAt: NEVER, sessionId: null, generation: 0 };
          const result = (await execute({
            ...args,
            rootValue: event,
            contextValue: { ...context, viewer, authProblem: null, service: null },
          })) as ExecutionResult;
          results.push({ ...result, extensions: { ...result.extensions, audience: group } });
        }
      }
      results.end();
    } catch (error) {
      results.push({ errors: [error instanceof GraphQLError ? error : new GraphQLError(String((error as Error)?.message ?? error))] });
      results.end();
    }
  })();
  return results;
}

const NEVER = new Date(8.64e15);

/** The event's audience in groups by its ViewerGrouping; each viewer alone without one, or when it cannot tell or fails. */
async function groupsOf(event: object, viewerPaths: readonly string[], audience: readonly string[]): Promise<readonly string[][]> {
  const grouping = viewerPaths.length <= MAX_VIEWER_PATHS ? groupings.get(event) : undefined;
  const groups = grouping ? await grouping(viewerPaths, audience).catch(() => null) : null;
  return groups ?? audience.map((userId) => [userId]);
}

function isAsyncIterable(value: unknown): value is AsyncIterableIterator<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

async function* emptyStream(): AsyncIterableIterator<ExecutionResult> {}
