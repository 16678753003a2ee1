import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { graphql, type TestUser } from '../support/graphql.js';
import type { Stack } from '../support/stack.js';
import { makeMp4, makePng, makeTempDir } from './fixtures.js';
import { mediaAs, type MediaView } from './media-client.js';

type Status = MediaView['status'];
type Kind = MediaView['kind'];

/**
 * Real files in the real media subgraph of a stack, in the state a test needs: uploaded through
 * the router as the given user, then (only where a test needs a definite status or kind that the
 * upload cannot give reliably) moved there with SQL on the stack's database.
 */
export async function mediaStates(stack: Stack) {
  const work = await makeTempDir('chirpchat-media-states-');
  const png = path.join(work.dir, 'small.png');
  await makePng(png, 64, 64);
  let clip: string | undefined;

  const statusOf = async (id: string): Promise<Status | undefined> =>
    (await stack.sql<{ status: Status }>('select status from media.media where id = $1', [id]))[0]?.status;

  const states = {
    /** A 64×64 PNG uploaded for the conversation (null: for none); PROCESSING until the processing job has run. */
    image: (user: TestUser, conversationId: string | null, filename = 'small.png'): Promise<string> =>
      mediaAs(stack, user).upload(conversationId, { path: png, filename, mimeType: 'image/png' }),

    /** A 1-second MP4 clip (kind VIDEO) uploaded for the conversation (null: for none). */
    async video(user: TestUser, conversationId: string | null): Promise<string> {
      if (!clip) {
        clip = path.join(work.dir, 'clip.mp4');
        await makeMp4(clip, 1, 64, 64, { audio: false });
      }
      return mediaAs(stack, user).upload(conversationId, { path: clip, filename: 'clip.mp4', mimeType: 'video/mp4' });
    },

    /** A ticket nobody uploaded to: really UPLOADING. */
    async uploading(user: TestUser, conversationId: string | null): Promise<string> {
      const ticket = await mediaAs(stack, user).ticket({ conversationId, filename: 'later.png', mimeType: 'image/png', bytes: 1000 });
      expect(ticket.media.status).toBe('UPLOADING');
      return ticket.media.id;
    },

    statusOf,

    /** Waits until the processing job has brought the file to `status`. */
    async until(id: string, status: Status): Promise<string> {
      await expect.poll(() => statusOf(id), { timeout: 30_000 }).toBe(status);
      return id;
    },

    /** A READY image: uploaded, then processed by media's own job. */
    async readyImage(user: TestUser, conversationId: string | null): Promise<string> {
      return states.until(await states.image(user, conversationId), 'READY');
    },

    /**
     * A processed image whose row is then set to `changes` (e.g. PROCESSING, FAILED, kind VIDEO).
     * Processing has finished first, so its job cannot overwrite the state afterwards.
     */
    async imageIn(user: TestUser, conversationId: string | null, changes: { status?: Status; kind?: Kind }): Promise<string> {
      const id = await states.readyImage(user, conversationId);
      await stack.sql('update media.media set status = coalesce($2, status), kind = coalesce($3, kind) where id = $1', [
        id,
        changes.status ?? null,
        changes.kind ?? null,
      ]);
      expect(await stack.sql('select status, kind from media.media where id = $1', [id])).toEqual([
        expect.objectContaining({ ...changes }),
      ]);
      return id;
    },

    /** Whether media still has a row for each file. */
    async rows(ids: readonly string[]): Promise<string[]> {
      const found = await stack.sql<{ id: string }>('select id::text from media.media where id = any($1::uuid[]) order by id', [ids]);
      return found.map((row) => row.id);
    },

    /** Every file the local store keeps for a media id (original, variants, unfinished upload). */
    async storedFiles(id: string): Promise<string[]> {
      const listing = (dir: string) => readdir(dir, { recursive: true }).catch(() => [] as string[]);
      return [
        ...(await listing(path.join(stack.mediaDir, 'media', 'files', id))),
        ...(await listing(path.join(stack.mediaDir, 'media', 'incoming', id))),
      ];
    },

    /**
     * What media's own `_entities` answers about a file with the router secret but no user token:
     * null, so a subgraph that gets a usable answer must have asked as a signed-in user.
     */
    async anonymousLookup(id: string): Promise<unknown> {
      const response = await graphql<{ _entities: unknown[] }>(
        stack.mediaUrl,
        `
          query ($r: [_Any!]!) {
            _entities(representations: $r) {
              ... on Media {
                id
              }
            }
          }
        `,
        { r: [{ __typename: 'Media', id }] },
        undefined,
        { 'x-chirpchat-router-secret': stack.routerSecret },
      );
      expect(response.errors).toBeUndefined();
      return response.data!._entities[0];
    },

    remove: work.remove,
  };
  return states;
}
