import { BatchLoader, type EntityManager } from '@chirpchat/kit';

/**
 * Who a person's contacts are: the people who are members, now, of at least one conversation
 * they are in. Stories, and files uploaded without a conversation (profile pictures, story
 * files), are visible to exactly these people.
 */
export class ContactService {
  /** One loader per request and viewer, so a list of users costs one query and batches never mix requests. */
  private readonly loaders = new WeakMap<EntityManager, Map<string, BatchLoader<string, boolean>>>();

  /** Whether `viewerId` and `userId` are both members of some conversation; everyone is their own contact. */
  async sharesConversation(em: EntityManager, viewerId: string, userId: string): Promise<boolean> {
    if (viewerId === userId) return true;
    return (await this.loader(em, viewerId).load(userId)) ?? false;
  }

  private loader(em: EntityManager, viewerId: string): BatchLoader<string, boolean> {
    let byViewer = this.loaders.get(em);
    if (!byViewer) this.loaders.set(em, (byViewer = new Map()));
    let loader = byViewer.get(viewerId);
    if (!loader) {
      loader = new BatchLoader(async (userIds) => {
        // The viewer's memberships through the (user) index, then each one's members through the primary key.
        const rows = await em.execute<Array<{ userId: string }>>(
          `select distinct theirs."user_id" as "userId" from "chat"."member" mine
             join "chat"."member" theirs on theirs."conversation_id" = mine."conversation_id"
            where mine."user_id" = ? and theirs."user_id" = any(?::text[])`,
          [viewerId, em.getPlatform().marshallArray(userIds)],
        );
        const contacts = new Set(rows.map((row) => row.userId));
        return new Map(userIds.map((id) => [id, contacts.has(id)]));
      });
      byViewer.set(viewerId, loader);
    }
    return loader;
  }
}
