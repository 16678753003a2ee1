import pg from 'pg';
import { pino } from 'pino';
import type { NotificationsOptions } from '@chirpchat/notifications';
import { waitUntil } from '../support/async.js';
import { CreateConversationIdDocument, RegisterPushSubscriptionDocument, SendMessageSeqDocument } from '../support/generated/graphql.js';
import { graphql, registerUser, type TestUser } from '../support/graphql.js';
import { startStack, type Stack } from '../support/stack.js';
import { LoopbackPushService, type TestSubscription } from './push-service.js';

/** A browser the test registered through the router: its keys, and the subscription id the API gave it. */
export interface Device extends TestSubscription {
  subscriptionId: string;
}

export interface NotificationsFixture {
  stack: Stack;
  push: LoopbackPushService;
  /** Users the presence check reports ONLINE (as if they held a router socket). */
  online: Set<string>;
  /** What the notifications subgraph logged at warn and above. */
  warnings: Array<Record<string, unknown>>;
  sql<R extends pg.QueryResultRow = Record<string, any>>(text: string, values?: unknown[]): Promise<R[]>;
  user(name: string): Promise<TestUser>;
  /** A new browser for `user`, registered with registerPushSubscription. */
  device(user: TestUser): Promise<Device>;
  conversation(owner: TestUser, members: TestUser[], kind?: 'DIRECT' | 'GROUP', title?: string | null): Promise<string>;
  send(from: TestUser, conversationId: string, text: string): Promise<{ id: string; seq: number }>;
  /** Resolves once no job about these messages is waiting, retrying or running any more. */
  settled(messageIds: string[], timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** registerPushSubscription, for the tests that register a browser themselves. */
export const REGISTER = RegisterPushSubscriptionDocument;

let clientIds = 0;

/**
 * The whole product (router, users, chat, notifications) with a loopback push service that
 * notifications may reach (allowlisted, its CA trusted), presence the test controls, and
 * timings short enough for tests: workers poll every half second, a failed push retries after
 * about a second, twice.
 */
export async function startNotificationsFixture(overrides: Partial<NotificationsOptions> = {}): Promise<NotificationsFixture> {
  const push = await LoopbackPushService.start();
  const online = new Set<string>();
  const warnings: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line) as Record<string, unknown>) });
  let stack: Stack;
  try {
    stack = await startStack({
      notifications: {
        isOnline: async (userIds) => new Set(userIds.filter((userId) => online.has(userId))),
        pushEndpointAllowlist: [push.allowlistEntry],
        extraCaCertificates: [push.certificate],
        pollingIntervalSeconds: 0.5,
        pushRetry: { limit: 2, delaySeconds: 1 },
        logger,
        ...overrides,
      },
    });
  } catch (error) {
    await push.close();
    throw error;
  }
  const pool = new pg.Pool({ connectionString: stack.databaseUrl, max: 2 });
  const sql = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) => (await pool.query<R>(text, values)).rows;

  return {
    stack,
    push,
    online,
    warnings,
    sql,
    user: (name) => registerUser(stack.url, name),
    async device(user) {
      const subscription = push.subscription();
      const response = await graphql(
        stack.url,
        REGISTER,
        { input: { endpoint: subscription.endpoint, keys: subscription.keys, userAgent: 'test browser' } },
        user.accessToken,
      );
      if (!response.data) throw new Error(`registerPushSubscription failed: ${JSON.stringify(response.errors)}`);
      return { ...subscription, subscriptionId: response.data.registerPushSubscription.id };
    },
    async conversation(owner, members, kind = 'GROUP', title = kind === 'GROUP' ? 'Team' : null) {
      const input = { kind, title, memberIds: members.map((member) => member.id) };
      const response = await graphql(stack.url, CreateConversationIdDocument, { input }, owner.accessToken);
      if (!response.data) throw new Error(`createConversation failed: ${JSON.stringify(response.errors)}`);
      return response.data.createConversation.id;
    },
    async send(from, conversationId, text) {
      const input = { conversationId, clientId: `n-${process.pid}-${clientIds++}`, text };
      const response = await graphql(stack.url, SendMessageSeqDocument, { input }, from.accessToken);
      if (!response.data) throw new Error(`sendMessage failed: ${JSON.stringify(response.errors)}`);
      return response.data.sendMessage;
    },
    async settled(messageIds, timeoutMs = 20_000) {
      await waitUntil(
        async () => {
          const [row] = await sql<{ pending: number }>(
            `select count(*)::int as pending from pgboss.job
              where state in ('created', 'retry', 'active')
                and ((name = 'message-sent' and id = any($1::uuid[])) or (name = 'push' and data->>'messageId' = any($2::text[])))`,
            [messageIds, messageIds],
          );
          return row!.pending === 0;
        },
        { timeoutMs, intervalMs: 100, message: `jobs for ${messageIds.join(', ')} still pending` },
      );
    },
    async close() {
      await pool.end();
      await stack.close();
      await push.close();
    },
  };
}
