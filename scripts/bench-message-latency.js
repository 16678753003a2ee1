#!/usr/bin/env node
// Measures a message's trip from `sendMessage` to a subscriber: through the router (the real
// path) and, as the baseline in the same run, straight from the chat subgraph's own socket.
// Prints the figures and writes them to bench-results/message-latency.json.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import WebSocket from 'ws';
import { createClient } from 'graphql-ws';
import { createBus, createLogger, createPresenceStore, generateSigningKeys } from '@chirpchat/kit';
import { createUsers } from '@chirpchat/users';
import { createChat } from '@chirpchat/chat';
import { createNotifications, generateVapidKeys } from '@chirpchat/notifications';
import { createMedia } from '@chirpchat/media';
import { createRouter } from '@chirpchat/router';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sends = Number(process.env.BENCH_SENDS ?? 300);
const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = createLogger({ level: 'warn' });

const dbName = `chirpchat_bench_${randomBytes(4).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`create database ${dbName}`);
const databaseUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();

const keys = generateSigningKeys();
const routerSecret = randomBytes(24).toString('hex');
const bus = createBus({ redisUrl });
const presence = createPresenceStore({ redisUrl });
const common = { databaseUrl, routerSecret, jwtPublicKey: keys.publicKey, logger, production: true, host: '127.0.0.1', port: 0 };
const users = await createUsers({
  ...common,
  jwtPrivateKey: keys.privateKey,
  accessTokenTtlSeconds: 3600,
  refreshTokenTtlDays: 1,
  presence,
});
const usersUrl = await users.listen();
const chat = await createChat({ ...common, usersUrl, bus });
const chatUrl = await chat.listen();
// Part of the supergraph; each send also feeds its message-sent queue (nobody has a push subscription here).
const vapid = { ...generateVapidKeys(), subject: 'mailto:bench@example.com' };
const notifications = await createNotifications({ ...common, chatUrl, presence, vapid });
const notificationsUrl = await notifications.listen();
// Part of the supergraph too; text messages never reach it.
const mediaDir = await mkdtemp(path.join(tmpdir(), 'chirpchat-bench-media-'));
const media = await createMedia({ ...common, chatUrl, bus, dataDir: mediaDir, localSecret: randomBytes(32).toString('hex') });
const mediaUrl = await media.listen();
const router = await createRouter({
  supergraphSdl: await readFile(path.join(root, 'schema/supergraph.graphql'), 'utf8'),
  subgraphUrls: { users: usersUrl, chat: chatUrl, notifications: notificationsUrl, media: mediaUrl },
  routerSecret,
  jwtPublicKey: keys.publicKey,
  presence,
  logger,
  production: true,
  host: '127.0.0.1',
  port: 0,
});
const url = await router.listen();

async function gql(query, variables, token) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function register(name) {
  const username = `${name}_${randomBytes(3).toString('hex')}`;
  const { register } = await gql(`mutation($i: RegisterInput!) { register(input: $i) { accessToken user { id displayName } } }`, {
    i: { username, email: `${username}@example.com`, password: 'bench passphrase 123' },
  });
  return { token: register.accessToken, id: register.user.id };
}

const alice = await register('alice');
const bob = await register('bob');
const { createConversation } = await gql(
  `mutation($p: ID!) { createConversation(input: { kind: DIRECT, memberIds: [$p] }) { id } }`,
  { p: bob.id },
  alice.token,
);
const conversationId = createConversation.id;

/** Sends `count` messages one after another and times each until the subscriber has it. */
async function measure(label, client, query, extensions) {
  const waiting = new Map();
  let ready;
  const readyPromise = new Promise((resolve) => (ready = resolve));
  const dispose = client.subscribe(
    { query, variables: { id: conversationId }, ...(extensions ? { extensions } : {}) },
    {
      next: ({ data, errors }) => {
        if (errors) throw new Error(JSON.stringify(errors));
        const text = data.messageAdded.text;
        if (text === 'warm-up') return ready();
        waiting.get(text)?.();
      },
      error: (error) => console.error(label, error),
      complete: () => undefined,
    },
  );
  // Warm up until the subscription is live, then measure.
  for (let i = 0; ; i++) {
    await gql(
      `mutation($i: SendMessageInput!) { sendMessage(input: $i) { seq } }`,
      { i: { conversationId, clientId: `${label}-warm-${i}`, text: 'warm-up' } },
      alice.token,
    );
    const live = await Promise.race([readyPromise.then(() => true), new Promise((r) => setTimeout(() => r(false), 200))]);
    if (live) break;
  }
  const samples = [];
  for (let i = 0; i < sends; i++) {
    const text = `${label} ${i}`;
    const arrived = new Promise((resolve) => waiting.set(text, resolve));
    const started = performance.now();
    await gql(
      `mutation($i: SendMessageInput!) { sendMessage(input: $i) { seq } }`,
      { i: { conversationId, clientId: `${label}-${i}`, text } },
      alice.token,
    );
    await arrived;
    samples.push(performance.now() - started);
    waiting.delete(text);
  }
  dispose();
  samples.sort((a, b) => a - b);
  const at = (q) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
  return { path: label, sends, medianMs: +at(0.5).toFixed(2), p99Ms: +at(0.99).toFixed(2), maxMs: +samples.at(-1).toFixed(2) };
}

const viaRouter = createClient({
  url: url.replace(/^http/, 'ws'),
  webSocketImpl: WebSocket,
  connectionParams: { authorization: `Bearer ${bob.token}` },
});
const direct = createClient({ url: chatUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { routerSecret } });
const results = [];
results.push(
  await measure('chat-subgraph-direct', direct, `subscription($id: ID) { messageAdded(conversationId: $id) { seq text sender { id } } }`, {
    authorization: `Bearer ${bob.token}`,
  }),
);
results.push(
  await measure(
    'through-router',
    viaRouter,
    `subscription($id: ID) { messageAdded(conversationId: $id) { seq text sender { displayName } } }`,
  ),
);

await viaRouter.dispose();
await direct.dispose();
await router.close();
await media.close();
await rm(mediaDir, { recursive: true, force: true });
await notifications.close();
await chat.close();
await users.close();
await bus.close();
await presence.close();
await admin.query(`drop database ${dbName} with (force)`);
await admin.end();

const report = {
  date: new Date().toISOString(),
  node: process.version,
  bus: bus.kind,
  note: 'send → subscriber event, sequential sends, loopback',
  results,
};
console.table(results);
await mkdir(path.join(root, 'bench-results'), { recursive: true });
await writeFile(path.join(root, 'bench-results', 'message-latency.json'), JSON.stringify(report, null, 2) + '\n');
console.log('wrote bench-results/message-latency.json');
