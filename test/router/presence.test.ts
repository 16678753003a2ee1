import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { waitUntil } from '../support/async.js';
import { CreateDirectConversationDocument, MemberPresenceDocument, UserPresenceDocument } from '../support/generated/graphql.js';
import { graphql, registerUser, type TestUser } from '../support/graphql.js';
import { startStack, type Stack } from '../support/stack.js';

const GRACE_MS = 300;

let stack: Stack;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  stack = await startStack({ presenceGraceMs: GRACE_MS });
  [alice, bob] = await Promise.all([registerUser(stack.url, 'alice'), registerUser(stack.url, 'bob')]);
});

afterAll(async () => {
  await stack?.close();
});

/** Opens a socket as `user`; resolves once the router has acknowledged it. */
function connect(user: TestUser): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client: Client = createClient({
      url: stack.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${user.accessToken}` },
      lazy: false,
      retryAttempts: 0,
      onNonLazyError: reject,
      on: { connected: () => resolve(client) },
    });
  });
}

/** `user`'s presence as `viewer` sees it. */
async function presenceOf(user: TestUser, viewer = alice) {
  const response = await graphql(stack.url, UserPresenceDocument, { id: user.id }, viewer.accessToken);
  if (!response.data?.user) throw new Error(JSON.stringify(response.errors));
  return response.data.user;
}

/** Reads `user`'s presence every 25 ms for `ms`, and returns every state seen. */
async function watchPresence(user: TestUser, ms: number): Promise<string[]> {
  const seen: string[] = [];
  for (const until = Date.now() + ms; Date.now() < until;) {
    seen.push((await presenceOf(user)).presence);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return seen;
}

/** Presence lives in Redis (or the shared store), written by the router: read until it shows OFFLINE. */
function untilOffline(user: TestUser) {
  return waitUntil(
    async () => {
      const state = await presenceOf(user);
      return state.presence === 'OFFLINE' && state;
    },
    { message: 'still ONLINE 5 s after the socket closed' },
  );
}

describe('presence through the router', () => {
  it('shows a user never connected as OFFLINE with no lastSeenAt', async () => {
    const carol = await registerUser(stack.url, 'carol');
    expect(await presenceOf(carol)).toEqual({ presence: 'OFFLINE', lastSeenAt: null });
  });

  it('shows a user ONLINE while they hold a socket, and OFFLINE with lastSeenAt once the grace period after closing has passed', async () => {
    const created = await graphql(stack.url, CreateDirectConversationDocument, { peer: bob.id }, alice.accessToken);
    const conversationId = created.data!.createConversation.id;

    const socket = await connect(bob);
    expect(await presenceOf(bob)).toEqual({ presence: 'ONLINE', lastSeenAt: null });
    const members = await graphql(stack.url, MemberPresenceDocument, { id: conversationId }, alice.accessToken);
    expect(members.data?.conversation?.members).toContainEqual({ user: { id: bob.id, presence: 'ONLINE', lastSeenAt: null } });

    const closedAt = Date.now();
    await socket.dispose();
    const offline = await untilOffline(bob);
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(GRACE_MS);
    const lastSeen = new Date(offline.lastSeenAt!).getTime();
    expect(lastSeen).toBeGreaterThanOrEqual(closedAt - 1_000);
    expect(lastSeen).toBeLessThanOrEqual(Date.now());
  });

  it('never shows OFFLINE when the user reconnects within the grace period', async () => {
    const dave = await registerUser(stack.url, 'dave');
    const first = await connect(dave);
    await first.dispose();
    const second = await connect(dave);

    const seen = await watchPresence(dave, GRACE_MS * 3);
    expect(seen.length).toBeGreaterThan(5);
    expect(new Set(seen)).toEqual(new Set(['ONLINE']));

    await second.dispose();
    expect((await untilOffline(dave)).lastSeenAt).not.toBeNull();
  });

  it('keeps a user ONLINE while another of their sockets stays open', async () => {
    const erin = await registerUser(stack.url, 'erin');
    const [phone, laptop] = await Promise.all([connect(erin), connect(erin)]);
    await phone.dispose();

    const seen = await watchPresence(erin, GRACE_MS * 3);
    expect(new Set(seen)).toEqual(new Set(['ONLINE']));
    await laptop.dispose();
  });
});
