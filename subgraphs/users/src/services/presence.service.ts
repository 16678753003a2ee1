import { BatchLoader, type EntityManager } from '@chirpchat/kit';
import type { PresenceState, PresenceStore } from '@chirpchat/kit/contracts';

const NEVER_SEEN: PresenceState = { online: false, lastSeenAt: null };

/**
 * Reads presence, which the routers write into the shared PresenceStore (the users subgraph
 * never sees a client socket itself). The ids asked for in one request are read together:
 * `sender { presence }` over a page of messages is one round trip to the store.
 *
 * Presence is visible to every signed-in user, like the rest of a profile.
 */
export class PresenceService {
  /** One loader per request's EntityManager, so batches never mix requests. */
  private readonly loaders = new WeakMap<EntityManager, BatchLoader<string, PresenceState>>();

  constructor(private readonly store: PresenceStore) {}

  async of(em: EntityManager, userId: string): Promise<PresenceState> {
    let loader = this.loaders.get(em);
    if (!loader) this.loaders.set(em, (loader = new BatchLoader((ids) => this.store.read(ids))));
    return (await loader.load(userId)) ?? NEVER_SEEN;
  }
}
