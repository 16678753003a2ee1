import { LockMode } from '@mikro-orm/core';
import { NotFoundError, type EntityManager, type JobQueue } from '@chirpchat/kit';
import { mediaDeleteQueue } from '@chirpchat/kit/contracts';
import { User } from '../entities/user.entity.js';
import type { MediaDirectoryService } from './media-directory.service.js';
import { normalizeDisplayName } from './profile.rules.js';

/** What `updateProfile` may change; see {@link ProfileService.update}. */
export interface ProfileChanges {
  displayName?: string | null;
  avatarMediaId?: string | null;
}

/**
 * Editing one's own profile. A replaced or cleared profile picture is no longer shown anywhere,
 * so its file's deletion is enqueued for the media subgraph in the transaction that stops
 * pointing at it: the file goes exactly when the profile no longer shows it.
 */
export class ProfileService {
  constructor(
    private readonly media: MediaDirectoryService,
    private readonly jobs: JobQueue,
  ) {}

  /**
   * Applies the fields that are given. `displayName`: missing or null keeps it. `avatarMediaId`:
   * missing keeps it, null clears it, an id sets it to an image the viewer uploaded without a
   * conversation (checked with the media subgraph as the viewer, before anything changes).
   * @param authorization the caller's own Authorization value, to look their file up as them
   * @throws BadUserInputError when a given value breaks the rules (nothing changes); NotFoundError
   *   when the account is gone
   */
  async update(em: EntityManager, userId: string, changes: ProfileChanges, authorization: string | null): Promise<User> {
    const displayName = changes.displayName == null ? undefined : normalizeDisplayName(changes.displayName);
    const avatarMediaId = changes.avatarMediaId;
    if (avatarMediaId != null) await this.media.requireAvatar(avatarMediaId, userId, authorization);

    const user = await em.transactional(async (tx) => {
      // Locked, so two concurrent changes of the picture each enqueue the deletion of the one they replaced.
      const current = await tx.findOne(User, userId, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
      if (!current) throw new NotFoundError('Your account no longer exists: sign in again.');
      if (displayName !== undefined) current.displayName = displayName;
      if (avatarMediaId !== undefined && avatarMediaId !== current.avatarMediaId) {
        const replaced = current.avatarMediaId;
        current.avatarMediaId = avatarMediaId;
        if (replaced !== null) {
          await this.jobs.enqueueInTransaction(tx, mediaDeleteQueue, { mediaIds: [replaced], reason: `avatar:${userId}` });
        }
      }
      return current;
    });
    return em.merge(user);
  }
}
