import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@chirpchat/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatAs } from '../support/chat.js';
import { DeleteMessageMediaDocument } from '../support/generated/graphql.js';
import { registerUser, type TestUser } from '../support/graphql.js';
import { startFakeCloudinary, type FakeCloudinary } from '../support/fake-cloudinary.js';
import { startStack, type Stack } from '../support/stack.js';
import { makePng } from './fixtures.js';
import { listenForProcessed, mediaAs, type MediaView, type Ticket } from './media-client.js';

const account = { apiKey: '614335564976464', apiSecret: 'a676b67565c6767a6767d6767f676fe1', cloudName: 'chirpchat-test' };

let cloud: FakeCloudinary;
let stack: Stack;
let alice: TestUser;
let bob: TestUser;
let conversationId: string;
let work: string;
let webhook: string;

beforeAll(async () => {
  cloud = await startFakeCloudinary(account);
  const routerPort = await freePort();
  stack = await startStack({
    routerPort,
    media: {
      cloudinary: { url: cloud.cloudinaryUrl, authTokenKey: cloud.authTokenKey, publicUrl: `http://127.0.0.1:${routerPort}` },
      deleteRetry: { retryLimit: 5, retryDelay: 1, retryBackoff: false },
    },
  });
  webhook = `${stack.origin}/webhooks/cloudinary/media-processed`;
  [alice, bob] = await Promise.all([registerUser(stack.url, 'alice'), registerUser(stack.url, 'bob')]);
  conversationId = await chatAs(stack, alice).create('DIRECT', [bob]);
  work = await mkdtemp(path.join(tmpdir(), 'chirpchat-cloudinary-test-'));
});

afterAll(async () => {
  await stack?.close();
  await cloud?.close();
  await rm(work, { recursive: true, force: true });
});

/** Uploads straight to (fake) Cloudinary with the ticket's signed fields, as the browser does. */
async function uploadToCloudinary(ticket: Ticket, bytes: Uint8Array, filename: string) {
  const form = new FormData();
  for (const [name, value] of Object.entries(ticket.fields)) form.append(name, value);
  form.append('file', new Blob([bytes]), filename);
  const response = await fetch(ticket.uploadUrl, { method: 'POST', body: form });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function processedPng(name: string): Promise<{ ticket: Ticket; media: MediaView }> {
  const file = path.join(work, `${name}.png`);
  await makePng(file, 1200, 900);
  const bytes = new Uint8Array(await readFile(file));
  const bobListens = await listenForProcessed(stack, bob, conversationId);
  try {
    const ticket = await mediaAs(stack, alice).ticket({
      conversationId,
      filename: `${name}.png`,
      mimeType: 'image/png',
      bytes: bytes.length,
    });
    expect(ticket.uploadUrl.startsWith(cloud.origin)).toBe(true);
    expect((await uploadToCloudinary(ticket, bytes, `${name}.png`)).status).toBe(200);
    const media = await bobListens.processed(ticket.media.id, 30_000);
    // The upload and eager notifications may land in either order: wait until both were answered.
    const answered = () => cloud.notifications.filter((n) => n.rawBody.includes(ticket.media.id) && n.status === 200).map((n) => n.kind);
    await expect.poll(() => answered().sort(), { timeout: 10_000 }).toEqual(['eager', 'upload']);
    return { ticket, media };
  } finally {
    await bobListens.close();
  }
}

describe('Cloudinary', () => {
  it('signs a direct upload whose notifications make the file READY for the members, with expiring delivery URLs', async () => {
    const { ticket, media } = await processedPng('sunset');
    expect(ticket.fields).toMatchObject({ type: 'authenticated', folder: 'chirpchat', public_id: ticket.media.id });
    expect(ticket.fields.notification_url).toBe(webhook);
    expect(media).toMatchObject({ id: ticket.media.id, status: 'READY', width: 1200, height: 900 });
    const thumbnail = new URL(media.variants.thumbnail!);
    expect(thumbnail.origin).toBe(cloud.origin);
    expect(thumbnail.searchParams.get('__cld_token__')).toMatch(/exp=\d+/);
    expect((await fetch(thumbnail)).status).toBe(200);
    const [row] = await stack.sql(`select store, public_id, metadata from media.media where id = $1`, [media.id]);
    expect(row).toMatchObject({ store: 'cloudinary', public_id: `chirpchat/${media.id}` });
    expect(Object.keys(row!.metadata as object).sort()).toEqual(['eager', 'upload']);
  });

  it('refuses forged, stale and replayed notifications, and they change nothing', async () => {
    const { media } = await processedPng('harbour');
    const before = await stack.sql(`select status, variants, metadata, updated_at from media.media where id = $1`, [media.id]);
    const body = { notification_type: 'eager', public_id: `chirpchat/${media.id}`, status: 'failed', error: { message: 'forged' } };

    const forged = await cloud.sendNotification(webhook, body, { signature: 'f'.repeat(40) });
    expect(forged.status).toBe(403);
    const stale = await cloud.sendNotification(webhook, body, { timestamp: String(Math.floor(Date.now() / 1000) - 3600) });
    expect(stale.status).toBe(403);
    const original = cloud.notifications.find((n) => n.kind === 'eager' && n.rawBody.includes(media.id))!;
    const replayed = await cloud.sendNotification(webhook, original.rawBody, {
      timestamp: original.headers['x-cld-timestamp'],
      signature: original.headers['x-cld-signature'],
    });
    expect(replayed.status).toBe(409);
    expect(await stack.sql(`select status, variants, metadata, updated_at from media.media where id = $1`, [media.id])).toEqual(before);
  });

  it('applies a notification that arrives twice (signed anew) only once', async () => {
    const { media } = await processedPng('lighthouse');
    const before = await stack.sql(`select status, variants, updated_at from media.media where id = $1`, [media.id]);
    const original = cloud.notifications.find((n) => n.kind === 'eager' && n.rawBody.includes(media.id))!;
    // Cloudinary's retry of a delivery: the same body, signed again a moment later.
    const again = await cloud.sendNotification(webhook, original.rawBody, {
      timestamp: String(Number(original.headers['x-cld-timestamp']) + 1),
    });
    expect(again.status).toBe(200);
    expect(await stack.sql(`select status, variants, updated_at from media.media where id = $1`, [media.id])).toEqual(before);
  });

  it('deletes the asset with the Admin API when the message is deleted, retrying after failures', async () => {
    const { media } = await processedPng('pier');
    const message = await chatAs(stack, alice).send(conversationId, 'pier', { mediaIds: [media.id] });
    cloud.failNext('delete_resources', 2, 500);
    const deleted = await chatAs(stack, alice).call(DeleteMessageMediaDocument, { id: message.id, forEveryone: true });
    expect(deleted.errors).toBeUndefined();
    await expect.poll(() => cloud.assets.has(`chirpchat/${media.id}`), { timeout: 30_000 }).toBe(false);
    await expect.poll(() => stack.sql(`select id from media.media where id = $1`, [media.id]), { timeout: 10_000 }).toEqual([]);
    const attempts = cloud.requests.filter((r) => r.method === 'DELETE' && JSON.stringify(r.params).includes(media.id));
    expect(attempts.map((r) => r.status)).toEqual([500, 500, 200]);
  });
});
