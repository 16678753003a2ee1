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
}

/** The first result of an operation that asked for `ready`: it is listening, nothing published from now on is missed. */
export const READY_RESULT: ExecutionResult = Object.freeze({ extensions: { ready: true } }) as ExecutionResult;

const audiences = new WeakMap<object, readonly string[]>();

/**
 * Marks a fan-out event with who may see it. The subgraph's subscribe function emits `event`
 * (the root value its field resolves from); the result sent to the router carries the audience.
 */
export function withAudience<T extends object>(event: T, audience: readonly string[]): T {
  audiences.set(event, audience);
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
  const live = (args.contextValue as RequestContext).live ?? { mode: 'viewer', ready: false };
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
  void (async () => {
    try {
      for await (const event of source) {
        let audience: readonly string[] | undefined;
        if (fanout) {
          audience = typeof event === 'object' && event !== null ? audiences.get(event) : undefined;
          if (!audience) continue;
        }
        const result = (await execute({ ...args, rootValue: event })) as ExecutionResult;
        results.push(audience ? { ...result, extensions: { ...result.extensions, audience } } : result);
      }
      results.end();
    } catch (error) {
      results.push({ errors: [error instanceof GraphQLError ? error : new GraphQLError(String((error as Error)?.message ?? error))] });
      results.end();
    }
  })();
  return results;
}

function isAsyncIterable(value: unknown): value is AsyncIterableIterator<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

async function* emptyStream(): AsyncIterableIterator<ExecutionResult> {}
