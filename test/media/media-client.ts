import { readFile } from 'node:fs/promises';
import { expect } from 'vitest';
import {
  CreateUploadDocument,
  MediaProcessedDocument,
  type CreateUploadInput,
  type CreateUploadMutation,
  type MediaViewFragment,
} from '../support/generated/graphql.js';
import { caller, errorCode, subscribe, wsClient, type TestUser } from '../support/graphql.js';
import type { Stack } from '../support/stack.js';

/** What the media tests read about a file (the MediaView fragment in test/graphql/fragments.graphql). */
export type MediaView = MediaViewFragment;

/** An upload ticket as createUpload hands it out; `fields`, JSON in the schema, are the upload form's string fields. */
export type Ticket = Omit<CreateUploadMutation['createUpload'], 'fields'> & { fields: Record<string, string> };

/** What the upload endpoint answered. */
export interface UploadAnswer {
  status: number;
  body: { done?: boolean; bytes_received?: number; error?: { code?: string; message?: string }; [key: string]: unknown };
}

/** Where the router is: a test stack, or the product as `npm start` runs it. */
export type RouterEndpoints = Pick<Stack, 'url' | 'origin'>;

/** Upload operations as one signed-in user performs them through the router, as the web client does. */
export function mediaAs(stack: RouterEndpoints, user: TestUser) {
  const ask = caller(stack.url, user.accessToken);
  return {
    ask,
    createUpload(input: CreateUploadInput) {
      return ask(CreateUploadDocument, { input });
    },
    async ticket(input: CreateUploadInput): Promise<Ticket> {
      const response = await this.createUpload(input);
      if (!response.data?.createUpload) throw new Error(`createUpload failed (${errorCode(response)}): ${JSON.stringify(response.errors)}`);
      return response.data.createUpload as Ticket;
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
  const ready = stack.waitForNewSubscriptions(`mediaProcessed:${user.id}`);
  const events = subscribe(client, MediaProcessedDocument, { c: conversationId });
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
