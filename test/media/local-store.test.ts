import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatAs } from '../support/chat.js';
import {
  DeleteMessageMediaDocument,
  MediaProcessedDocument,
  MessageAddedAttachmentsDocument,
  MessageAttachmentsDocument,
} from '../support/generated/graphql.js';
import { errorCode, graphql, registerUser, subscribe, wsClient, type TestUser } from '../support/graphql.js';
import { startStack, type Stack } from '../support/stack.js';
import { makeAudio, makeMp4, makePixelBomb, makePng } from './fixtures.js';
import { absolute, listenForProcessed, mediaAs, postUpload } from './media-client.js';

const run = promisify(execFile);

let stack: Stack;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let conversationId: string;
let work: string;
/** How far media's clock is ahead of real time: a test moves it past a URL's expiry. */
let clockOffsetMs = 0;

beforeAll(async () => {
  stack = await startStack({ media: { now: () => Date.now() + clockOffsetMs } });
  [alice, bob, carol] = await Promise.all([
    registerUser(stack.url, 'alice'),
    registerUser(stack.url, 'bob'),
    registerUser(stack.url, 'carol'),
  ]);
  conversationId = await chatAs(stack, alice).create('GROUP', [bob], 'Holiday');
  work = await mkdtemp(path.join(tmpdir(), 'chirpchat-media-test-'));
});

afterAll(async () => {
  await stack?.close();
  await rm(work, { recursive: true, force: true });
});

/** Bob listens for processed files in the conversation, through the router. */
const listenAsBob = () => listenForProcessed(stack, bob, conversationId);

async function fetchBytes(url: string): Promise<{ status: number; type: string | null; bytes: Buffer }> {
  const response = await fetch(absolute(stack, url));
  return { status: response.status, type: response.headers.get('content-type'), bytes: Buffer.from(await response.arrayBuffer()) };
}

async function probe(file: string) {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file]);
  return JSON.parse(stdout) as {
    format: { duration?: string };
    streams: Array<{ codec_type: string; codec_name: string; width?: number; height?: number }>;
  };
}

async function storedFiles(mediaId: string): Promise<string[]> {
  const listing = async (dir: string) => readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return [
    ...(await listing(path.join(stack.mediaDir, 'media', 'files', mediaId))),
    ...(await listing(path.join(stack.mediaDir, 'media', 'incoming', mediaId))),
  ];
}

describe('local store, end to end through the router', () => {
  it('processes a PNG into a 250×250 JPEG thumbnail and an 800 px wide WebP preview, and tells the members', async () => {
    const file = path.join(work, 'beach.png');
    await makePng(file, 1600, 1200);
    const bobListens = await listenAsBob();
    try {
      const mediaId = await mediaAs(stack, alice).upload(conversationId, { path: file, filename: 'beach.png', mimeType: 'image/png' });
      const media = await bobListens.processed(mediaId);
      expect(media).toMatchObject({
        status: 'READY',
        kind: 'IMAGE',
        mimeType: 'image/png',
        width: 1600,
        height: 1200,
        filename: 'beach.png',
      });
      expect(new Date(media.urlsExpireAt!).getTime()).toBeGreaterThan(Date.now());

      const thumbnail = await fetchBytes(media.variants.thumbnail!);
      expect(thumbnail.status).toBe(200);
      expect(await sharp(thumbnail.bytes).metadata()).toMatchObject({ format: 'jpeg', width: 250, height: 250 });
      const preview = await fetchBytes(media.variants.preview!);
      expect(await sharp(preview.bytes).metadata()).toMatchObject({ format: 'webp', width: 800, height: 600 });
      const original = await fetchBytes(media.url!);
      expect(original.bytes.equals(await readFile(file))).toBe(true);
      expect(original.type).toBe('image/png');
    } finally {
      await bobListens.close();
    }
  });

  it('makes a web MP4, an HLS stream that plays, a poster and a silent preview of a video', async () => {
    const file = path.join(work, 'clip.mp4');
    await makeMp4(file, 3, 640, 360, { audio: true });
    const bobListens = await listenAsBob();
    try {
      const mediaId = await mediaAs(stack, alice).upload(conversationId, { path: file, filename: 'clip.mp4', mimeType: 'video/mp4' });
      const media = await bobListens.processed(mediaId);
      expect(media).toMatchObject({ status: 'READY', kind: 'VIDEO', width: 640, height: 360 });
      expect(media.durationSeconds).toBeCloseTo(3, 0);

      // ffmpeg reads the manifest through the router and fetches every segment it lists, each with its own signed URL.
      const manifest = await fetchBytes(media.variants.hls!);
      expect(manifest.type).toMatch(/^application\/vnd\.apple\.mpegurl/);
      const segments = manifest.bytes
        .toString('utf8')
        .split('\n')
        .filter((line) => line.startsWith('/media/'));
      expect(segments.length).toBeGreaterThan(0);
      for (const segment of segments) expect((await fetch(absolute(stack, segment))).status).toBe(200);
      const played = await run('ffmpeg', ['-v', 'error', '-i', absolute(stack, media.variants.hls!), '-f', 'null', '-']);
      expect(played.stderr).toBe('');

      const mp4 = path.join(work, 'web.mp4');
      await writeFile(mp4, (await fetchBytes(media.variants.mp4!)).bytes);
      const streams = (await probe(mp4)).streams.map((s) => s.codec_name).sort();
      expect(streams).toEqual(['aac', 'h264']);
      expect(await sharp((await fetchBytes(media.variants.poster!)).bytes).metadata()).toMatchObject({ format: 'jpeg' });
      expect(await sharp((await fetchBytes(media.variants.thumbnail!)).bytes).metadata()).toMatchObject({ width: 250, height: 250 });
      const preview = path.join(work, 'preview.mp4');
      await writeFile(preview, (await fetchBytes(media.variants.animatedPreview!)).bytes);
      const previewInfo = await probe(preview);
      expect(previewInfo.streams.map((s) => s.codec_type)).toEqual(['video']);
      expect(Number(previewInfo.format.duration)).toBeLessThanOrEqual(3.1);
    } finally {
      await bobListens.close();
    }
  });

  it('makes web-playable AAC of an audio clip', async () => {
    const file = path.join(work, 'note.wav');
    await makeAudio(file, 2);
    const bobListens = await listenAsBob();
    try {
      const mediaId = await mediaAs(stack, alice).upload(conversationId, { path: file, filename: 'note.wav', mimeType: 'audio/wav' });
      const media = await bobListens.processed(mediaId);
      expect(media).toMatchObject({ status: 'READY', kind: 'AUDIO' });
      const audio = path.join(work, 'note.m4a');
      await writeFile(audio, (await fetchBytes(media.variants.audio!)).bytes);
      expect((await probe(audio)).streams.map((s) => s.codec_name)).toEqual(['aac']);
    } finally {
      await bobListens.close();
    }
  });

  it('gives attachments to members only, on every path', async () => {
    const file = path.join(work, 'secret.png');
    await makePng(file, 400, 300);
    const bobListens = await listenAsBob();
    const mediaId = await mediaAs(stack, alice).upload(conversationId, { path: file, filename: 'secret.png', mimeType: 'image/png' });
    await bobListens.processed(mediaId);
    await bobListens.close();
    const message = await chatAs(stack, alice).send(conversationId, 'look', { mediaIds: [mediaId] });

    const asBob = await graphql(stack.url, MessageAttachmentsDocument, { id: message.id }, bob.accessToken);
    expect(asBob.errors).toBeUndefined();
    expect(asBob.data!.message!.attachments).toHaveLength(1);
    expect((await fetchBytes(asBob.data!.message!.attachments[0]!.variants.thumbnail!)).status).toBe(200);

    // Carol is in no conversation with them: the router refuses the message, and the media
    // subgraph itself refuses the file whichever entity she names it through.
    const asCarol = await graphql(stack.url, MessageAttachmentsDocument, { id: message.id }, carol.accessToken);
    expect(asCarol.data?.message ?? null).toBeNull();
    // Federation's `_entities`, sent to media itself: not in the API schema codegen checks against.
    const entities = await graphql<{ _entities: Array<Record<string, unknown> | null> }>(
      stack.mediaUrl,
      `
        query ($r: [_Any!]!) {
          _entities(representations: $r) {
            ... on Media {
              id
              url
            }
            ... on Message {
              attachments {
                id
                url
              }
            }
          }
        }
      `,
      {
        r: [
          { __typename: 'Media', id: mediaId },
          { __typename: 'Message', id: message.id, mediaIds: [mediaId] },
        ],
      },
      carol.accessToken,
      { 'x-chirpchat-router-secret': stack.routerSecret },
    );
    expect(entities.errors).toBeUndefined();
    expect(entities.data!._entities).toEqual([null, { attachments: [] }]);
    const carolSubscribes = wsClient(stack.wsUrl, carol.accessToken);
    const refused = subscribe(carolSubscribes, MediaProcessedDocument, { c: conversationId });
    expect((await refused.next()).errors?.[0]?.message).toMatch(/not in this conversation/);
    await carolSubscribes.dispose();
  });

  it('brings attachments with messageAdded, resolved by media through the router', async () => {
    const file = path.join(work, 'live.png');
    await makePng(file, 320, 240);
    const mediaId = await mediaAs(stack, alice).upload(conversationId, { path: file, filename: 'live.png', mimeType: 'image/png' });
    const client = wsClient(stack.wsUrl, bob.accessToken);
    const ready = stack.waitForNewSubscriptions(`messageAdded:${bob.id}`);
    const added = subscribe(client, MessageAddedAttachmentsDocument);
    await ready;
    try {
      const sent = await chatAs(stack, alice).send(conversationId, 'live', { mediaIds: [mediaId] });
      const event = await added.next();
      expect(event.errors).toBeUndefined();
      expect(event.data!.messageAdded).toEqual({ id: sent.id, attachments: [{ id: mediaId, filename: 'live.png' }] });
    } finally {
      await added.close();
      await client.dispose();
    }
  });

  it('refuses a tampered URL (403) and an expired one (410)', async () => {
    const file = path.join(work, 'expiring.png');
    await makePng(file, 300, 300);
    const bobListens = await listenAsBob();
    const mediaId = await mediaAs(stack, alice).upload(conversationId, { path: file, filename: 'expiring.png', mimeType: 'image/png' });
    const media = await bobListens.processed(mediaId);
    await bobListens.close();

    const url = new URL(absolute(stack, media.variants.thumbnail!));
    expect((await fetch(url)).status).toBe(200);
    const tampered = new URL(url);
    tampered.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3600));
    expect((await fetch(tampered)).status).toBe(403);
    const otherFile = new URL(url.toString().replace('thumbnail.jpg', 'preview.webp'));
    expect((await fetch(otherFile)).status).toBe(403);

    // A second past the URL's expiry on media's clock, instead of waiting for it.
    clockOffsetMs = Number(url.searchParams.get('expires')) * 1000 + 1000 - Date.now();
    try {
      expect((await fetch(url)).status).toBe(410);
    } finally {
      clockOffsetMs = 0;
    }
  });
});

describe('refused uploads leave nothing behind', () => {
  it('refuses SVG, unknown types and oversize files at the ticket, storing nothing', async () => {
    const media = mediaAs(stack, alice);
    const before = await stack.sql(`select count(*)::int as n from media.media`);
    expect(errorCode(await media.createUpload({ conversationId, filename: 'logo.svg', mimeType: 'image/svg+xml', bytes: 100 }))).toBe(
      'INVALID_FILE_TYPE',
    );
    expect(
      errorCode(await media.createUpload({ conversationId, filename: 'setup.exe', mimeType: 'application/x-msdownload', bytes: 100 })),
    ).toBe('INVALID_FILE_TYPE');
    const huge = await media.createUpload({ conversationId, filename: 'huge.png', mimeType: 'image/png', bytes: 26 * 1024 * 1024 });
    expect(errorCode(huge)).toBe('FILE_TOO_LARGE');
    expect(huge.errors![0]!.extensions!.maxBytes).toBe(25 * 1024 * 1024);
    expect(
      errorCode(await mediaAs(stack, carol).createUpload({ conversationId, filename: 'x.png', mimeType: 'image/png', bytes: 100 })),
    ).toBe('FORBIDDEN');
    expect(await stack.sql(`select count(*)::int as n from media.media`)).toEqual(before);
  });

  it('refuses a file whose bytes are not what its type says (415) and keeps nothing', async () => {
    const media = mediaAs(stack, alice);
    const bytes = new TextEncoder().encode('MZ this is not a picture at all '.repeat(300));
    const ticket = await media.ticket({ conversationId, filename: 'cat.png', mimeType: 'image/png', bytes: bytes.length });
    const answer = await postUpload(stack, ticket, bytes);
    expect(answer).toMatchObject({ status: 415, body: { error: { code: 'INVALID_FILE_TYPE' } } });
    expect(await stack.sql(`select id from media.media where id = $1`, [ticket.media.id])).toEqual([]);
    expect(await storedFiles(ticket.media.id)).toEqual([]);
  });

  it('refuses a file larger than its ticket allows (413) and keeps nothing', async () => {
    const media = mediaAs(stack, alice);
    const ticket = await media.ticket({ conversationId, filename: 'notes.txt', mimeType: 'text/plain', bytes: 10 });
    const tooMuch = new Uint8Array(ticket.maxBytes + 1).fill(97);
    const answer = await postUpload(stack, ticket, tooMuch);
    expect(answer).toMatchObject({ status: 413, body: { error: { code: 'FILE_TOO_LARGE' } } });
    expect(await stack.sql(`select id from media.media where id = $1`, [ticket.media.id])).toEqual([]);
    expect(await storedFiles(ticket.media.id)).toEqual([]);
  });

  it('refuses a pixel bomb (413) without decoding it, and keeps nothing', async () => {
    const bombFile = path.join(work, 'bomb.png');
    await makePixelBomb(bombFile, 30_000, 30_000);
    const bomb = new Uint8Array(await readFile(bombFile));
    const media = mediaAs(stack, alice);
    const ticket = await media.ticket({ conversationId, filename: 'bomb.png', mimeType: 'image/png', bytes: bomb.length });
    const answer = await postUpload(stack, ticket, bomb);
    expect(answer).toMatchObject({ status: 413, body: { error: { code: 'FILE_TOO_LARGE' } } });
    expect(await stack.sql(`select id from media.media where id = $1`, [ticket.media.id])).toEqual([]);
    expect(await storedFiles(ticket.media.id)).toEqual([]);
  });

  it('refuses a tampered upload form (403) and an upload to a ticket already used (409)', async () => {
    const media = mediaAs(stack, alice);
    const file = path.join(work, 'once.png');
    await makePng(file, 100, 100);
    const bytes = new Uint8Array(await readFile(file));
    const ticket = await media.ticket({ conversationId, filename: 'once.png', mimeType: 'image/png', bytes: bytes.length });
    const forged = { ...ticket, fields: { ...ticket.fields, max_bytes: String(ticket.maxBytes * 10) } };
    expect((await postUpload(stack, forged, bytes)).status).toBe(403);
    expect((await postUpload(stack, ticket, bytes)).status).toBe(200);
    expect((await postUpload(stack, ticket, bytes)).status).toBe(409);
  });
});

describe('chunked, resumable uploads', () => {
  it('finishes an upload whose connection dropped in the middle of a chunk', async () => {
    const file = path.join(work, 'long.wav');
    await makeAudio(file, 20);
    const bytes = new Uint8Array(await readFile(file));
    const chunk = Math.ceil(bytes.length / 3);
    const ticket = await mediaAs(stack, alice).ticket({ conversationId, filename: 'long.wav', mimeType: 'audio/wav', bytes: bytes.length });
    const range = (index: number): [number, number, number] => [
      index * chunk,
      Math.min(bytes.length, (index + 1) * chunk) - 1,
      bytes.length,
    ];
    const part = (index: number) => bytes.subarray(range(index)[0], range(index)[1] + 1);

    expect(await postUpload(stack, ticket, part(0), { range: range(0), uploadId: 'resume-1' })).toMatchObject({
      status: 200,
      body: { done: false, bytes_received: chunk },
    });
    // The second chunk breaks off half-way: the client aborts while the body is still streaming.
    const controller = new AbortController();
    const half = part(1).subarray(0, Math.floor(chunk / 2));
    const broken = postUpload(stack, ticket, half, { range: range(1), uploadId: 'resume-1', signal: controller.signal });
    controller.abort();
    await broken.catch(() => undefined);
    // Sent again whole, it replaces whatever of it had arrived.
    expect((await postUpload(stack, ticket, part(1), { range: range(1), uploadId: 'resume-1' })).body.done).toBe(false);
    expect((await postUpload(stack, ticket, part(2), { range: range(2), uploadId: 'resume-1' })).body).toMatchObject({
      done: true,
      bytes: bytes.length,
    });

    const [row] = await stack.sql<{ bytes: number; status: string }>(`select bytes, status from media.media where id = $1`, [
      ticket.media.id,
    ]);
    expect(row!.bytes).toBe(bytes.length);
    const stored = await readFile(path.join(stack.mediaDir, 'media', 'files', ticket.media.id, 'original.wav'));
    expect(stored.equals(Buffer.from(bytes))).toBe(true);
  });

  it('refuses a chunk that skips ahead, saying how much has arrived', async () => {
    const bytes = new TextEncoder().encode('plain text chunk '.repeat(1000));
    const ticket = await mediaAs(stack, alice).ticket({ conversationId, filename: 'a.txt', mimeType: 'text/plain', bytes: bytes.length });
    const answer = await postUpload(stack, ticket, bytes.subarray(5000), {
      range: [5000, bytes.length - 1, bytes.length],
      uploadId: 'skip',
    });
    expect(answer).toMatchObject({ status: 409, body: { error: { code: 'CONFLICT', bytesReceived: 0 } } });
  });
});

describe('deleting a message deletes its files', () => {
  it('removes the files and the row, also when media was down when the message was deleted', async () => {
    const file = path.join(work, 'gone.png');
    await makePng(file, 300, 200);
    const bobListens = await listenAsBob();
    const mediaId = await mediaAs(stack, alice).upload(conversationId, { path: file, filename: 'gone.png', mimeType: 'image/png' });
    await bobListens.processed(mediaId);
    await bobListens.close();
    const message = await chatAs(stack, alice).send(conversationId, 'soon gone', { mediaIds: [mediaId] });
    expect((await storedFiles(mediaId)).length).toBeGreaterThan(0);

    await stack.media.stop();
    const deleted = await chatAs(stack, alice).call(DeleteMessageMediaDocument, { id: message.id, forEveryone: true });
    expect(deleted.errors).toBeUndefined();
    // Nobody works the queue while media is down: the files are still there, the job waits.
    expect((await storedFiles(mediaId)).length).toBeGreaterThan(0);
    await stack.media.start();
    await expect.poll(() => storedFiles(mediaId), { timeout: 30_000 }).toEqual([]);
    await expect.poll(() => stack.sql(`select id from media.media where id = $1`, [mediaId]), { timeout: 10_000 }).toEqual([]);
    // The audit trail has the deletion once: by alice for the message, by the system for the file.
    const audited = await stack.sql(
      `select action, actor_id, target_user_id, subject_id from audit.events where subject_id = any($1::text[]) order by seq`,
      [[message.id, mediaId]],
    );
    expect(audited).toEqual([
      { action: 'message.deleted_for_everyone', actor_id: alice.id, target_user_id: alice.id, subject_id: message.id },
      { action: 'media.deleted', actor_id: null, target_user_id: alice.id, subject_id: mediaId },
    ]);
  });
});
