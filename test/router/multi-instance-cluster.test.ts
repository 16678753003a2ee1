import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveTopic } from '@chirpchat/chat';
import { freePort, generateSigningKeys } from '@chirpchat/kit';
import { generateVapidKeys } from '@chirpchat/notifications';
import { waitUntil } from '../support/async.js';
import { createTestDatabase } from '../support/environment.js';
import { CreateDirectConversationDocument, LiveMessagesDocument, SendMessageSeqDocument } from '../support/generated/graphql.js';
import { graphql, registerUser, subscribe, wsClient } from '../support/graphql.js';
import { redisClusterUnavailable, startRedisCluster, type RedisCluster } from '../support/redis-cluster.js';
import { routerSecret, startProcess, stopProcess, type ServiceProcess, testRateLimits } from '../support/stack.js';

const unavailable = redisClusterUnavailable();
if (unavailable) console.warn(`Skipping the multi-instance test on a Redis Cluster: ${unavailable}`);

// The same fan-out as multi-instance.test.ts, with every process given REDIS_CLUSTER_NODES instead of REDIS_URL.
describe.skipIf(unavailable)('two routers and two chat instances sharing a Redis Cluster', () => {
  const services: ServiceProcess[] = [];
  let cluster: RedisCluster;
  let dropDatabase: () => Promise<void>;
  let routerA: ServiceProcess;
  let routerB: ServiceProcess;
  let mediaDir: string | undefined;

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    const database = await createTestDatabase();
    dropDatabase = database.drop;
    const keys = generateSigningKeys();
    const env = {
      DATABASE_URL: database.url,
      REDIS_CLUSTER_NODES: cluster.nodesVariable,
      ROUTER_SECRET: routerSecret,
      JWT_PUBLIC_KEY: keys.publicKey,
      JWT_PRIVATE_KEY: keys.privateKey,
      // The processes read RATE_LIMITS as in production; raised, as every test client is on 127.0.0.1.
      RATE_LIMITS: JSON.stringify(testRateLimits),
    };
    // The router is healthy once every subgraph is, so all of them run; media's port is known up front.
    const mediaPort = await freePort();
    const mediaUrl = `http://127.0.0.1:${mediaPort}/graphql`;
    mediaDir = await mkdtemp(path.join(tmpdir(), 'chirpchat-media-'));
    const users = await startProcess('users', 'subgraphs/users/dist/src/main.js', { ...env, MEDIA_URL: mediaUrl });
    services.push(users);
    const chatEnv = { ...env, USERS_URL: users.url, MEDIA_URL: mediaUrl };
    const [chatA, chatB] = await Promise.all([
      startProcess('chat-a', 'subgraphs/chat/dist/src/main.js', chatEnv),
      startProcess('chat-b', 'subgraphs/chat/dist/src/main.js', chatEnv),
    ]);
    services.push(chatA, chatB);
    const vapid = generateVapidKeys();
    const [notifications, media] = await Promise.all([
      startProcess('notifications', 'subgraphs/notifications/dist/src/main.js', {
        ...env,
        CHAT_URL: chatA.url,
        USERS_URL: users.url,
        VAPID_PUBLIC_KEY: vapid.publicKey,
        VAPID_PRIVATE_KEY: vapid.privateKey,
        VAPID_SUBJECT: 'mailto:tests@example.com',
      }),
      startProcess(
        'media',
        'subgraphs/media/dist/src/main.js',
        { ...env, CHAT_URL: chatA.url, DATA_DIR: mediaDir, MEDIA_SECRET: 'multi-instance-media-secret-'.padEnd(48, 'x') },
        mediaPort,
      ),
    ]);
    services.push(notifications, media);
    const subgraphs = { USERS_URL: users.url, NOTIFICATIONS_URL: notifications.url, MEDIA_URL: mediaUrl };
    [routerA, routerB] = await Promise.all([
      startProcess('router-a', 'router/dist/src/start-router.js', { ...env, ...subgraphs, CHAT_URL: chatA.url }),
      startProcess('router-b', 'router/dist/src/start-router.js', { ...env, ...subgraphs, CHAT_URL: chatB.url }),
    ]);
    services.push(routerA, routerB);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(services.map(stopProcess));
    await dropDatabase?.();
    await cluster?.stop();
    if (mediaDir) await rm(mediaDir, { recursive: true, force: true });
  });

  it('delivers each message once to a subscriber on router A that was sent through router B, over a sharded channel', async () => {
    const alice = await registerUser(routerB.url, 'alice');
    const bob = await registerUser(routerA.url, 'bob');
    const created = await graphql(routerB.url, CreateDirectConversationDocument, { peer: bob.id }, alice.accessToken);
    const conversationId = created.data!.createConversation.id;

    const client = wsClient(routerA.url.replace(/^http/, 'ws'), bob.accessToken);
    const live = subscribe(client, LiveMessagesDocument, { c: conversationId });
    // The topic of the conversation's new messages: chat A subscribes to it once router A opens
    // the fan-out stream Bob joined (nothing else here listens on it).
    const channel = `chirpchat:${liveTopic('messageAdded', conversationId)}`;
    const owner = await cluster.ownerOf(channel);
    const node = cluster.node(owner);
    try {
      await waitUntil(async () => Number((await node.pubsub('SHARDNUMSUB', channel))[1]) >= 1, {
        timeoutMs: 10_000,
        message: `no sharded subscriber for ${channel} on the node owning its slot`,
      });
    } finally {
      node.disconnect();
    }

    for (const [index, text] of ['across shards', 'and once only'].entries()) {
      const sent = await graphql(
        routerB.url,
        SendMessageSeqDocument,
        { input: { conversationId, clientId: `c${index}`, text } },
        alice.accessToken,
      );
      expect(sent.data?.sendMessage.seq).toBe(index + 1);
      // The next event is this message: the one before it did not arrive twice.
      const event = await live.next();
      expect(event.data).toEqual({ messageAdded: { seq: index + 1, text, sender: { displayName: alice.displayName } } });
    }
    await live.close();
    await client.dispose();
  });
});
