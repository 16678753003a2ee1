import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, generateSigningKeys } from '@chirpchat/kit';
import { generateVapidKeys } from '@chirpchat/notifications';
import { waitUntil } from '../support/async.js';
import { createTestDatabase, testRedisUrl } from '../support/environment.js';
import {
  CreateConversationIdDocument,
  LiveMessagesDocument,
  SendMessageSeqDocument,
  UserPresenceDocument,
} from '../support/generated/graphql.js';
import { graphql, registerUser, subscribe, wsClient } from '../support/graphql.js';
import { routerSecret, startProcess, stopProcess, type ServiceProcess, testRateLimits } from '../support/stack.js';

const redisUrl = await testRedisUrl();

// Several instances share live events only through Redis: without one there is nothing to test.
describe.skipIf(!redisUrl)('two routers and two chat instances sharing Redis', () => {
  const services: ServiceProcess[] = [];
  let dropDatabase: () => Promise<void>;
  let routerA: ServiceProcess;
  let routerB: ServiceProcess;
  let mediaDir: string | undefined;

  beforeAll(async () => {
    const database = await createTestDatabase();
    dropDatabase = database.drop;
    const keys = generateSigningKeys();
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: redisUrl!,
      ROUTER_SECRET: routerSecret,
      JWT_PUBLIC_KEY: keys.publicKey,
      JWT_PRIVATE_KEY: keys.privateKey,
      // The processes read RATE_LIMITS as in production; raised, as every test client is on 127.0.0.1.
      RATE_LIMITS: JSON.stringify(testRateLimits),
    };
    // Chat and users ask media about files and media asks chat about members: media's port is known up front.
    const mediaPort = await freePort();
    const mediaUrl = `http://127.0.0.1:${mediaPort}/graphql`;
    mediaDir = await mkdtemp(path.join(tmpdir(), 'chirpchat-media-'));
    const users = await startProcess('users', 'subgraphs/users/dist/src/main.js', { ...env, MEDIA_URL: mediaUrl });
    services.push(users);
    const [chatA, chatB] = await Promise.all([
      startProcess('chat-a', 'subgraphs/chat/dist/src/main.js', { ...env, USERS_URL: users.url, MEDIA_URL: mediaUrl }),
      startProcess('chat-b', 'subgraphs/chat/dist/src/main.js', { ...env, USERS_URL: users.url, MEDIA_URL: mediaUrl }),
    ]);
    services.push(chatA!, chatB!);
    const vapid = generateVapidKeys();
    const notifications = await startProcess('notifications', 'subgraphs/notifications/dist/src/main.js', {
      ...env,
      CHAT_URL: chatA!.url,
      USERS_URL: users.url,
      VAPID_PUBLIC_KEY: vapid.publicKey,
      VAPID_PRIVATE_KEY: vapid.privateKey,
      VAPID_SUBJECT: 'mailto:tests@example.com',
    });
    services.push(notifications);
    const media = await startProcess(
      'media',
      'subgraphs/media/dist/src/main.js',
      { ...env, CHAT_URL: chatA!.url, DATA_DIR: mediaDir, MEDIA_SECRET: 'multi-instance-media-secret-'.padEnd(48, 'x') },
      mediaPort,
    );
    services.push(media);
    const subgraphs = { USERS_URL: users.url, NOTIFICATIONS_URL: notifications.url, MEDIA_URL: mediaUrl };
    [routerA, routerB] = await Promise.all([
      startProcess('router-a', 'router/dist/src/start-router.js', { ...env, ...subgraphs, CHAT_URL: chatA!.url }),
      startProcess('router-b', 'router/dist/src/start-router.js', { ...env, ...subgraphs, CHAT_URL: chatB!.url }),
    ]);
    services.push(routerA, routerB);
  });

  afterAll(async () => {
    await Promise.all(services.map(stopProcess));
    await dropDatabase?.();
    if (mediaDir) await rm(mediaDir, { recursive: true, force: true });
  });

  it('gives every member of a room split across two routers each message once, in order, whichever router sent it', async () => {
    const [alice, bob, carol, dave] = await Promise.all([
      registerUser(routerB.url, 'alice'),
      registerUser(routerA.url, 'bob'),
      registerUser(routerA.url, 'carol'),
      registerUser(routerB.url, 'dave'),
    ]);
    const created = await graphql(
      routerB.url,
      CreateConversationIdDocument,
      { input: { kind: 'GROUP', title: 'Split room', memberIds: [bob!.id, carol!.id, dave!.id] } },
      alice!.accessToken,
    );
    const conversationId = created.data!.createConversation.id;
    // Bob and Carol listen on router A (served by chat A), Alice and Dave on router B (chat B).
    const listeners = [
      { user: bob!, router: routerA },
      { user: carol!, router: routerA },
      { user: alice!, router: routerB },
      { user: dave!, router: routerB },
    ].map(({ user, router }) => {
      const client = wsClient(router.url.replace(/^http/, 'ws'), user.accessToken);
      return { client, live: subscribe(client, LiveMessagesDocument, { c: conversationId }) };
    });
    // No subscription tells its client when it has started: send probes until every listener heard one.
    let clientId = 0;
    const send = (router: ServiceProcess, text: string) =>
      graphql(router.url, SendMessageSeqDocument, { input: { conversationId, clientId: `m${++clientId}`, text } }, alice!.accessToken);
    const heardProbe = async (live: (typeof listeners)[number]['live'], probe: number) => {
      for (;;) {
        const event = await live.next(1000).catch(() => null);
        if (!event) return false;
        if (event.data!.messageAdded.seq >= probe) return true;
      }
    };
    await waitUntil(
      async () => {
        const probe = (await send(routerB, 'probe')).data!.sendMessage.seq;
        const results = await Promise.all(listeners.map(({ live }) => heardProbe(live, probe)));
        return results.every(Boolean);
      },
      { timeoutMs: 15_000, message: 'not every listener heard a probe' },
    );
    const after = (await send(routerA, 'probe')).data!.sendMessage.seq;
    for (const { live } of listeners) expect(await heardProbe(live, after)).toBe(true);

    const texts = ['one', 'two', 'three', 'four', 'five', 'six'];
    for (const [index, text] of texts.entries()) await send(index % 2 === 0 ? routerA : routerB, text);
    for (const { live } of listeners) {
      const got: Array<{ seq: number; text: string | null }> = [];
      for (const _ of texts) got.push((await live.next()).data!.messageAdded);
      expect(got.map((m) => m.seq)).toEqual(texts.map((_, index) => after + 1 + index));
      expect(got.map((m) => m.text)).toEqual(texts);
      // Nothing more: each message came once.
      await expect(live.next(300)).rejects.toThrow(/no subscription event/);
    }
    for (const { client, live } of listeners) {
      await live.close();
      await client.dispose();
    }
  });

  it('shows through router B that a user holding a socket on router A is ONLINE', async () => {
    const alice = await registerUser(routerB.url, 'alice');
    const bob = await registerUser(routerA.url, 'bob');
    const presence = async () => (await graphql(routerB.url, UserPresenceDocument, { id: bob.id }, alice.accessToken)).data?.user?.presence;
    expect(await presence()).toBe('OFFLINE');

    const client = wsClient(routerA.url.replace(/^http/, 'ws'), bob.accessToken);
    // Another process writes it: read until it shows.
    await waitUntil(async () => (await presence()) === 'ONLINE', { message: 'Bob is not ONLINE on the other router 5 s after connecting' });
    await client.dispose();
  });

  it('stops a service on a missing variable with a message naming it', async () => {
    await expect(startProcess('chat-misconfigured', 'subgraphs/chat/dist/src/main.js', { ROUTER_SECRET: routerSecret })).rejects.toThrow(
      /DATABASE_URL|JWT_PUBLIC_KEY|REDIS_URL|USERS_URL/,
    );
  });
});
