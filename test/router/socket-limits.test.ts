import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateRoomDocument, RoomMessagesDocument, SendMessageSeqDocument } from '../support/generated/graphql.js';
import { graphql, registerUser, subscribe, wsClient, type TestUser } from '../support/graphql.js';
import { startStack, type Stack } from '../support/stack.js';

// What one client socket, or one request, may take: the router in production mode, with a short
// wait for connection_init and a small cap on subscriptions so that the test need not open many.

const MAX_SUBSCRIPTIONS = 3;
const INIT_TIMEOUT_MS = 300;

let stack: Stack;
let alice: TestUser;

beforeAll(async () => {
  stack = await startStack({ production: true, sockets: { maxSubscriptions: MAX_SUBSCRIPTIONS, initTimeoutMs: INIT_TIMEOUT_MS } });
  alice = await registerUser(stack.url, 'alice');
});

afterAll(async () => {
  await stack?.close();
});

/** A raw graphql-ws socket, and how it closed. */
async function rawSocket(): Promise<{ socket: WebSocket; closed: Promise<{ code: number; reason: string }> }> {
  const socket = new WebSocket(stack.wsUrl, 'graphql-transport-ws');
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return { socket, closed };
}

async function acknowledged(socket: WebSocket): Promise<void> {
  const ack = new Promise<void>((resolve) =>
    socket.on('message', (data) => {
      if ((JSON.parse(data.toString()) as { type: string }).type === 'connection_ack') resolve();
    }),
  );
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${alice.accessToken}` } }));
  await ack;
}

function deadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
    }),
  ]);
}

describe('a client socket', () => {
  it('is closed with 4408 when it sends no connection_init in time', async () => {
    const { closed } = await rawSocket();
    expect(await deadline(closed, INIT_TIMEOUT_MS + 5000, 'the close')).toMatchObject({ code: 4408 });
  });

  it('is closed with 1009 when a message is larger than 64 KiB, and the router goes on serving others', async () => {
    const { socket, closed } = await rawSocket();
    await acknowledged(socket);
    const query = `subscription { messageAdded { id } } # ${'x'.repeat(70 * 1024)}`;
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
    expect(await deadline(closed, 5000, 'the close')).toMatchObject({ code: 1009 });

    const me = await graphql(stack.url, '{ me { id } }', {}, alice.accessToken);
    expect(me.data).toEqual({ me: { id: alice.id } });
  });

  it(`refuses subscription ${MAX_SUBSCRIPTIONS + 1} with BAD_USER_INPUT while the others go on, and takes one again once one is completed`, async () => {
    const client = wsClient(stack.wsUrl, alice.accessToken);
    const room = (await graphql(stack.url, CreateRoomDocument, { title: 'Capped', members: [] }, alice.accessToken)).data!
      .createConversation.id;
    const running = Array.from({ length: MAX_SUBSCRIPTIONS }, () => subscribe(client, RoomMessagesDocument));
    await stack.waitForSubscribers(alice.id, MAX_SUBSCRIPTIONS);

    const refused = await subscribe(client, RoomMessagesDocument).next();
    expect(refused.errors?.[0]).toMatchObject({
      message: `At most ${MAX_SUBSCRIPTIONS} subscriptions may run on one socket: complete one first.`,
      extensions: { code: 'BAD_USER_INPUT' },
    });

    const send = async (text: string) =>
      (
        await graphql(
          stack.url,
          SendMessageSeqDocument,
          { input: { conversationId: room, clientId: randomUUID(), text } },
          alice.accessToken,
        )
      ).data!.sendMessage.id;
    const first = await send('to the running ones');
    for (const subscription of running) expect((await subscription.next()).data?.messageAdded.id).toBe(first);

    // The complete goes out before the next subscribe on the same socket, so the router has room for it.
    await running.pop()!.close();
    const again = subscribe(client, RoomMessagesDocument);
    await stack.waitForNewSubscriptions(`messageAdded:${alice.id}`);
    const second = await send('to the new one too');
    expect((await again.next()).data?.messageAdded.id).toBe(second);
    await Promise.all([...running, again].map((subscription) => subscription.close()));
    await client.dispose();
  });

  it('gets no field suggestions in production, over WebSocket as over HTTP', async () => {
    const client = wsClient(stack.wsUrl, alice.accessToken);
    const overSocket = await subscribe(client, 'subscription { messageAdded { txt } }').next();
    expect(overSocket.errors?.[0]).toMatchObject({
      message: 'Cannot query field "txt" on type "Message".',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    const overHttp = await graphql(stack.url, '{ me { displayNam } }', {}, alice.accessToken);
    expect(overHttp.errors?.[0]?.message).toBe('Cannot query field "displayNam" on type "User".');
    await client.dispose();
  });

  it('gets at most 100 errors for a document with hundreds of faults, over WebSocket as over HTTP', async () => {
    // Within the token limit: 150 fields that do not exist, each an error.
    const unknown = Array.from({ length: 150 }, (_, i) => `f${i}`).join(' ');
    const client = wsClient(stack.wsUrl, alice.accessToken);
    const overSocket = await subscribe(client, `subscription { messageAdded { ${unknown} } }`).next();
    expect(overSocket.errors).toHaveLength(100);
    expect(overSocket.errors?.at(-1)?.message).toMatch(/Too many validation errors/);
    const overHttp = await graphql(stack.url, `{ me { ${unknown} } }`, {}, alice.accessToken);
    expect(overHttp.errors).toHaveLength(100);
    expect(overHttp.errors?.at(-1)?.message).toMatch(/Too many validation errors/);
    await client.dispose();
  });
});

describe('a request body that cannot be read', () => {
  const post = (body: string) =>
    fetch(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${alice.accessToken}` },
      body,
    });

  it('over 1 MB gets 413 with a JSON GraphQL error and a code, not an HTML page', async () => {
    const response = await post(JSON.stringify({ query: `{ me { id } } # ${'x'.repeat(1024 * 1024)}` }));
    expect(response.status).toBe(413);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(await response.json()).toEqual({
      errors: [{ message: 'The request body is larger than 1 MB.', extensions: { code: 'BAD_REQUEST' } }],
    });
  });

  it('that is not JSON gets 400 with a JSON GraphQL error', async () => {
    const response = await post('{"query": ');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      errors: [{ message: 'The request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }],
    });
  });
});
