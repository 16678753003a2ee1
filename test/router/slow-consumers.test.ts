import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOO_SLOW_CLOSE_CODE } from '@chirpchat/router';
import { deferred } from '../support/async.js';
import { CreateRoomDocument, MessageIdsSinceDocument, RoomMessagesDocument, SendMessageSeqDocument } from '../support/generated/graphql.js';
import { graphql, registerUser, source, subscribe, wsClient, type TestUser } from '../support/graphql.js';
import { startStack, type Stack } from '../support/stack.js';

// A socket that stops reading must not hold the router's memory or anyone else's events: past a
// bounded send buffer the router closes it with TOO_SLOW_CLOSE_CODE, and the client catches up.
let stack: Stack;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;

beforeAll(async () => {
  stack = await startStack({ live: { maxQueuedEvents: 8, maxBufferedBytes: 256 * 1024 } });
  [alice, bob, carol] = (await Promise.all(['alice', 'bob', 'carol'].map((name) => registerUser(stack.url, name)))) as [
    TestUser,
    TestUser,
    TestUser,
  ];
});
afterAll(async () => stack?.close());

/** A graphql-ws client by hand, so that the test can stop reading from its socket. */
async function rawSubscriber(token: string) {
  const socket = new WebSocket(stack.wsUrl, 'graphql-transport-ws');
  const closed = deferred<{ code: number; reason: string }>();
  socket.on('close', (code, reason) => closed.resolve({ code, reason: reason.toString() }));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('open', () => {
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
      socket.once('message', () => resolve()); // connection_ack
    });
  });
  socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: source(RoomMessagesDocument) } }));
  return {
    closed: closed.promise,
    /** Stops reading: what the router sends piles up in the kernel's buffers, then in the router. */
    stopReading: () => (socket as unknown as { _socket: { pause(): void } })._socket.pause(),
    readAgain: () => (socket as unknown as { _socket: { resume(): void } })._socket.resume(),
  };
}

describe('a subscriber that stops reading', () => {
  it('is closed with the documented code once its send buffer is full, while others keep getting every message', async () => {
    const conversationId = (await graphql(stack.url, CreateRoomDocument, { title: 'Slow', members: [bob.id, carol.id] }, alice.accessToken))
      .data!.createConversation.id;
    const slow = await rawSubscriber(bob.accessToken);
    const client = wsClient(stack.wsUrl, carol.accessToken);
    const fast = subscribe(client, RoomMessagesDocument);
    await Promise.all([stack.waitForSubscribers(bob.id), stack.waitForSubscribers(carol.id)]);
    slow.stopReading();

    // 40 KB per message (10,000 four-byte emoji): a few hundred fill any loopback buffer.
    const text = '😀'.repeat(10_000);
    const sent: string[] = [];
    // Until the router lets go of the slow subscription (the socket itself cannot tell: it does not read).
    for (let i = 0; i < 400 && stack.liveSubscriptions(bob.id) > 0; i++) {
      const result = await graphql(
        stack.url,
        SendMessageSeqDocument,
        { input: { conversationId, clientId: `slow-${i}`, text } },
        alice.accessToken,
      );
      sent.push(result.data!.sendMessage.id);
      expect((await fast.next()).data!.messageAdded.id).toBe(sent.at(-1));
    }
    expect(stack.liveSubscriptions(bob.id)).toBe(0);
    // Reading again, the client finds the close frame behind what was already on its way.
    slow.readAgain();
    expect(await slow.closed).toMatchObject({ code: TOO_SLOW_CLOSE_CODE });

    // Reconnected, the slow member catches up on everything with messagesSince.
    const caughtUp = await graphql(stack.url, MessageIdsSinceDocument, { c: conversationId }, bob.accessToken);
    expect(caughtUp.data!.messagesSince.map((message) => message.id)).toEqual(sent);
    await fast.close();
    await client.dispose();
  }, 120_000);
});
