import { readFile } from 'node:fs/promises';
import { expect } from 'vitest';
import { errorCode, graphql, subscribe, wsClient, type GraphQLResponse, type TestUser } from '../support/graphql.js';
import type { Stack } from '../support/stack.js';

export const MEDIA_FIELDS = /* GraphQL */ `
  id
  kind
  status
  mimeType
  filename
  bytes
  width
  height
  durationSeconds
  conversationId
  error
  url
  urlsExpireAt
  uploader { id }
  variants { thumbnail preview poster animatedPreview mp4 hls dash audio }
`;

export interface MediaView {
  id: string;
  kind: 'IMAGE' | 'VIDEO' | 'AUDIO' | 'DOCUMENT';
  status: 'UPLOADING' | 'PROCESSING' | 'READY' | 'FAILED';
  mimeType: string;
  filename: string | null;
  bytes: number;
  width: number | null;
  height: number | null;
  durationSeconds: number | null;
  conversationId: string | null;
  error: string | null;
  url: string | null;
  urlsExpireAt: string | null;
  uploader: { id: string };
  variants: Record<'thumbnail' | 'preview' | 'poster' | 'animatedPreview' | 'mp4' | 'hls' | 'dash' | 'audio', string | null>;
}

export interface Ticket {
  media: MediaView;
  uploadUrl: string;
  fields: Record<string, string>;
  expiresAt: string;
  maxBytes: number;
}

const CREATE_UPLOAD = `mutation($input: CreateUploadInput!) { createUpload(input: $input) { media { ${MEDIA_FIELDS} } uploadUrl fields expiresAt maxBytes } }`;

/** What the upload endpoint answered. */
export interface UploadAnswer {
  status: number;
  body: { done?: boolean; bytes_received?: number; error?: { code?: string; message?: string }; [key: string]: unknown };
}

/** Where the router is: a test stack, or the product as `npm start` runs it. */
export type RouterEndpoints = Pick<Stack, 'url' | 'origin'>;

/** Upload operations as one signed-in user performs them through the router, as the web client does. */
export function mediaAs(stack: RouterEndpoints, user: TestUser) {
  const ask = <T = Record<string, any>>(query: string, variables: Record<string, unknown> = {}) =>
    graphql<T>(stack.url, query, variables, user.accessToken);
  return {
    ask,
    createUpload(input: {
      conversationId?: string | null;
      filename: string;
      mimeType: string;
      bytes: number;
    }): Promise<GraphQLResponse<{ createUpload: Ticket }>> {
      return ask<{ createUpload: Ticket }>(CREATE_UPLOAD, { input });
    },
    async ticket(input: { conversationId?: string | null; filename: string; mimeType: string; bytes: number }): Promise<Ticket> {
      const response = await this.createUpload(input);
      if (!response.data?.createUpload) throw new Error(`createUpload failed (${errorCode(response)}): ${JSON.stringify(response.errors)}`);
      return response.data.createUpload;
    },
    /** Uploads a whole file to a ticket, or one chunk of it when `range` is given. */
    post: (ticket: Ticket, bytes: Uint8Array, options: { filename?: string; range?: [number, number, number]; uploadId?: string } = {}) =>
      postUpload(stack, ticket, bytes, options),
    /** createUpload + upload in one go; returns the media id. */
    async upload(
      conversationId: string | null,
      file: { path?: string; bytes?: Uint8Array; filename: string; mimeType: string },
    ): Promise<string> {
      const bytes = file.bytes ?? new Uint8Array(await readFile(file.path!));
      const ticket = await this.ticket({ conversationId, filename: file.filename, mimeType: file.mimeType, bytes: bytes.length });
      const answer = await postUpload(stack, ticket, bytes, { filename: file.filename });
      if (answer.status !== 200 || !answer.body.done) throw new Error(`upload failed: ${answer.status} ${JSON.stringify(answer.body)}`);
      return ticket.media.id;
    },
  };
}

/** Resolves a URL the API handed out (a path on the router's origin, or absolute) against the router. */
export function absolute(stack: RouterEndpoints, url: string): string {
  return new URL(url, stack.origin).toString();
}

export async function postUpload(
  stack: RouterEndpoints,
  ticket: Ticket,
  bytes: Uint8Array,
  options: { filename?: string; range?: [number, number, number]; uploadId?: string; signal?: AbortSignal } = {},
): Promise<UploadAnswer> {
  const form = new FormData();
  for (const [name, value] of Object.entries(ticket.fields)) form.append(name, value);
  form.append('file', new Blob([bytes]), options.filename ?? 'file');
  const headers: Record<string, string> = {};
  if (options.range) {
    const [start, end, total] = options.range;
    headers['content-range'] = `bytes ${start}-${end}/${total}`;
    headers['x-unique-upload-id'] = options.uploadId ?? 'test-upload';
  }
  const response = await fetch(absolute(stack, ticket.uploadUrl), { method: 'POST', body: form, headers, signal: options.signal });
  return { status: response.status, body: (await response.json().catch(() => ({}))) as UploadAnswer['body'] };
}

/** `user` listens for processed files in a conversation, through the router; resolves once the subscription is live. */
export async function listenForProcessed(stack: Stack, user: TestUser, conversationId: string) {
  const client = wsClient(stack.wsUrl, user.accessToken);
  const ready = stack.waitForNewSubscriptions(`mediaProcessed:conversation:${conversationId}`);
  const events = subscribe<{ mediaProcessed: MediaView }>(
    client,
    `subscription($c: ID) { mediaProcessed(conversationId: $c) { ${MEDIA_FIELDS} } }`,
    {
      c: conversationId,
    },
  );
  await ready;
  return {
    /** The next event for `mediaId` (others are skipped). */
    async processed(mediaId: string, timeoutMs = 60_000): Promise<MediaView> {
      for (;;) {
        const result = await events.next(timeoutMs);
        expect(result.errors).toBeUndefined();
        if (result.data!.mediaProcessed.id === mediaId) return result.data!.mediaProcessed;
      }
    },
    async close() {
      await events.close();
      await client.dispose();
    },
  };
}
