import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, generateSigningKeys } from '@chirpchat/kit';
import { generateVapidKeys } from '@chirpchat/notifications';
import { waitUntil } from '../support/async.js';
import { createTestDatabase, testRedisUrl } from '../support/environment.js';
import {
  CreateDirectConversationDocument,
  LiveMessagesDocument,
  SendMessageSeqDocument,
  UserPresenceDocument,
} from '../support/generated/graphql.js';
import { graphql, registerUser, subscribe, wsClient } from '../support/graphql.js';
import { routerSecret, startProcess, stopProcess, waitForRedisSubscribers, type ServiceProcess } from '../support/stack.js';

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

  it('delivers to a subscriber on router A what was sent through router B', async () => {
    const alice = await registerUser(routerB.url, 'alice');
    const bob = await registerUser(routerA.url, 'bob');
    const created = await graphql(routerB.url, CreateDirectConversationDocument, { peer: bob.id }, alice.accessToken);
    const conversationId = created.data!.createConversation.id;

    const client = wsClient(routerA.url.replace(/^http/, 'ws'), bob.accessToken);
    const live = subscribe(client, LiveMessagesDocument, { c: conversationId });
    await waitForRedisSubscribers(redisUrl!, bob.id);

    const sent = await graphql(
      routerB.url,
      SendMessageSeqDocument,
      { input: { conversationId, clientId: 'x1', text: 'across instances' } },
      alice.accessToken,
    );
    expect(sent.data?.sendMessage.seq).toBe(1);

    const event = await live.next();
    expect(event.data).toEqual({ messageAdded: { seq: 1, text: 'across instances', sender: { displayName: alice.displayName } } });
    await live.close();
    await client.dispose();
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
