import {
  BadUserInputError,
  BatchLoader,
  ConflictError,
  ForbiddenError,
  isUniqueViolation,
  NotFoundError,
  type EntityManager,
  type Viewer,
} from '@chirpchat/kit';
import { Story } from '../entities/story.entity.js';
import { isUuid } from './ids.js';
import type { MediaDeletionService } from './media-deletion.service.js';
import type { MediaDirectoryService } from './media-directory.service.js';

/** A row `delete … returning "id", "media_id"` hands back. */
interface DeletedStory {
  id: string;
  media_id: string | null;
}

/** How long a story is visible. */
export const STORY_LIFETIME_MS = 24 * 60 * 60 * 1000;
const MAX_TEXT = 1000;
/** `stories` has no paging: the newest this many are plenty for a day of one person's contacts. */
const MAX_LISTED = 500;

/**
 * Whether `?` (a user id) may see story `s`: they wrote it, or they share a conversation with
 * its author. A self-join of `member` through the (user) index and the primary key.
 */
const VISIBLE_TO = `(s."author_id" = ? or exists (
  select 1 from "chat"."member" mine
    join "chat"."member" theirs on theirs."conversation_id" = mine."conversation_id" and theirs."user_id" = s."author_id"
   where mine."user_id" = ?))`;

/**
 * Stories: short posts visible for 24 hours to the author's contacts (everyone who shares at
 * least one conversation with them, computed when asked, so leaving the last shared
 * conversation hides them at once). Expiry is part of every read — an expired story is gone
 * at 24 h whether or not StoryCleanup has removed its row yet. All times come from the
 * injected clock, so tests can move past the 24 hours.
 *
 * A story's file goes when the story goes: deleting it, and cleaning up expired ones, enqueue the
 * file's deletion for the media subgraph in the same transaction (job id = story id).
 */
export class StoryService {
  private readonly viewedLoaders = new WeakMap<EntityManager, BatchLoader<string, boolean>>();

  constructor(
    private readonly clock: () => Date,
    private readonly media: MediaDirectoryService,
    private readonly mediaDeletion: MediaDeletionService,
  ) {}

  /**
   * Posts a story for the next 24 hours: text (1–1,000 characters), a file, or both. The file must
   * be one the viewer uploaded without a conversation that has finished uploading and not failed
   * (see `checkUsableMedia`), and not already shown by another story.
   * @param authorization the caller's own Authorization value, to look their file up as them
   * @throws BadUserInputError when there is neither text nor a file, the text is over 1,000
   *   characters or the file breaks a rule (nothing is stored); ConflictError when another story
   *   shows the file
   */
  async post(
    em: EntityManager,
    viewer: Viewer,
    text: string | null | undefined,
    mediaId: string | null | undefined,
    authorization: string | null,
  ): Promise<Story> {
    const trimmed = text?.trim() || null;
    if (trimmed === null && mediaId == null) throw new BadUserInputError('A story needs text or a file.', 'text');
    if (trimmed !== null && [...trimmed].length > MAX_TEXT) {
      throw new BadUserInputError(`A story can have at most ${MAX_TEXT} characters.`, 'text');
    }
    if (mediaId != null) await this.media.requireUsable([mediaId], viewer, null, authorization, 'mediaId');
    const createdAt = this.clock();
    const story = Object.assign(new Story(), {
      authorId: viewer.id,
      text: trimmed,
      mediaId: mediaId ?? null,
      createdAt,
      expiresAt: new Date(createdAt.getTime() + STORY_LIFETIME_MS),
    });
    try {
      await em.insert(story);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError('Another story already shows this file: upload it again.', 'mediaId');
      throw error;
    }
    return em.merge(story);
  }

  /** The stories the viewer may see that have not expired, their own included, newest first. */
  async list(em: EntityManager, viewer: Viewer): Promise<Story[]> {
    const rows = await em.execute(
      `select s.* from "chat"."story" s
        where s."expires_at" > ?::timestamptz and ${VISIBLE_TO}
        order by s."created_at" desc, s."id" desc
        limit ?`,
      [this.clock().toISOString(), viewer.id, viewer.id, MAX_LISTED],
    );
    return rows.map((row) => em.map(Story, row));
  }

  /**
   * Records that the viewer has seen the story; again is fine.
   * @throws NotFoundError unless the story exists, has not expired and the viewer may see it
   */
  async markViewed(em: EntityManager, viewer: Viewer, id: string): Promise<boolean> {
    const story = await this.visible(em, viewer, id);
    await em.execute(
      `insert into "chat"."story_view" ("story_id", "user_id", "viewed_at") values (?, ?, ?::timestamptz)
       on conflict ("story_id", "user_id") do nothing`,
      [story.id, viewer.id, this.clock().toISOString()],
    );
    return true;
  }

  /**
   * Deletes a story and its views, and enqueues the deletion of its file; only its author may.
   * @throws NotFoundError when the viewer cannot see such a story; ForbiddenError when they can but did not write it
   */
  async delete(em: EntityManager, viewer: Viewer, id: string): Promise<boolean> {
    const story = await this.visible(em, viewer, id);
    if (story.authorId !== viewer.id) throw new ForbiddenError('Only the author of a story can delete it.');
    await em.transactional(async (tx) => {
      const deleted = await tx.execute<DeletedStory[]>(`delete from "chat"."story" where "id" = ? returning "id", "media_id"`, [story.id]);
      await this.enqueueMediaDeletion(tx, deleted);
    });
    return true;
  }

  /** Whether `userId` has marked the story viewed. */
  async viewedBy(em: EntityManager, storyId: string, userId: string): Promise<boolean> {
    return (await this.viewedLoader(em).load(JSON.stringify([storyId, userId]))) ?? false;
  }

  /**
   * Deletes up to `limit` expired stories (their views go with them); returns how many. Any
   * number of instances may run it at once: deleting what is already gone is a no-op.
   */
  async deleteExpired(em: EntityManager, limit: number): Promise<number> {
    return em.transactional(async (tx) => {
      const deleted = await tx.execute<DeletedStory[]>(
        `delete from "chat"."story" where "id" in (
           select "id" from "chat"."story" where "expires_at" <= ?::timestamptz order by "expires_at" limit ?)
         returning "id", "media_id"`,
        [this.clock().toISOString(), limit],
      );
      await this.enqueueMediaDeletion(tx, deleted);
      return deleted.length;
    });
  }

  private enqueueMediaDeletion(tx: EntityManager, deleted: readonly DeletedStory[]): Promise<void> {
    return this.mediaDeletion.enqueue(
      tx,
      deleted.map((row) => ({ kind: 'story', id: row.id, mediaIds: row.media_id === null ? [] : [row.media_id] })),
    );
  }

  /** The story when it exists, has not expired and the viewer may see it, else null: for `_entities`. */
  async find(em: EntityManager, viewer: Viewer, id: string): Promise<Story | null> {
    const [row] = isUuid(id)
      ? await em.execute(`select s.* from "chat"."story" s where s."id" = ? and s."expires_at" > ?::timestamptz and ${VISIBLE_TO}`, [
          id,
          this.clock().toISOString(),
          viewer.id,
          viewer.id,
        ])
      : [];
    return row ? em.map(Story, row) : null;
  }

  /** @throws NotFoundError unless the story exists, has not expired and the viewer may see it */
  private async visible(em: EntityManager, viewer: Viewer, id: string): Promise<Story> {
    const story = await this.find(em, viewer, id);
    if (!story) throw new NotFoundError('There is no story with this id, or it has expired.');
    return story;
  }

  /** Keys are JSON `[storyId, userId]` pairs. */
  private viewedLoader(em: EntityManager): BatchLoader<string, boolean> {
    let loader = this.viewedLoaders.get(em);
    if (!loader) {
      loader = new BatchLoader(async (keys) => {
        const pairs = keys.map((key) => JSON.parse(key) as [string, string]);
        const rows = await em.execute<Array<{ storyId: string; userId: string }>>(
          `select v."story_id" as "storyId", v."user_id" as "userId"
             from jsonb_to_recordset(?::jsonb) as k("story_id" uuid, "user_id" text)
             join "chat"."story_view" v on v."story_id" = k."story_id" and v."user_id" = k."user_id"`,
          [JSON.stringify(pairs.map(([storyId, userId]) => ({ story_id: storyId, user_id: userId })))],
        );
        const viewed = new Set(rows.map((row) => JSON.stringify([row.storyId, row.userId])));
        return new Map(keys.map((key) => [key, viewed.has(key)]));
      });
      this.viewedLoaders.set(em, loader);
    }
    return loader;
  }
}
