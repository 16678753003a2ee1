import type { Bus, Channel, EntityManager, Logger } from '@chirpchat/kit';

/** What travels on the bus after a conversation's members changed: only which conversation. */
export interface MembersChangedEvent {
  conversationId: string;
}

/** One topic for every instance: changes are rare next to messages, and every instance may hold any conversation. */
export const MEMBERS_CHANGED_TOPIC = 'membersChanged';

interface Entry {
  members: Promise<ReadonlySet<string>>;
  loadedAt: number;
}

export interface MemberDirectoryOptions {
  /** Conversations kept; the least recently used are dropped past this. @default 10_000 */
  maxConversations?: number;
  /**
   * How long an entry is trusted without hearing of a change. Changes arrive on the bus, which
   * is at-most-once, so this bounds how long a lost notice can matter. @default 60_000
   */
  maxAgeMs?: number;
}

/**
 * Who is in each conversation, kept in memory for the live events: deciding who may see one
 * event is a set lookup per subscriber, and one query per conversation when it is first needed
 * (not one per event, let alone one per subscriber and event).
 *
 * Kept current by the changes themselves: MemberManagementService calls `changed` after every
 * commit that adds or removes someone, which drops this instance's entry at once and tells the
 * other instances over the bus (`membersChanged`). On one Redis, an instance hears of a change
 * before any event published after it (Redis delivers one connection's messages in the order
 * it ran the PUBLISHes), so a removed member gets nothing published after their removal.
 */
export class MemberDirectory {
  private readonly entries = new Map<string, Entry>();
  /** Bumped by every change, so a load that raced with one is not kept. */
  private readonly generations = new Map<string, number>();
  private subscription: Channel<MembersChangedEvent> | null = null;
  private readonly maxConversations: number;
  private readonly maxAgeMs: number;

  /** @param rootEm the ORM's own EntityManager, forked per load */
  constructor(
    private readonly bus: Bus,
    private readonly rootEm: EntityManager,
    private readonly logger: Logger,
    options: MemberDirectoryOptions = {},
  ) {
    this.maxConversations = options.maxConversations ?? 10_000;
    this.maxAgeMs = options.maxAgeMs ?? 60_000;
  }

  /** Starts listening for other instances' changes; before the server accepts subscriptions. */
  async start(): Promise<void> {
    const subscription = await this.bus.subscribe<MembersChangedEvent>(MEMBERS_CHANGED_TOPIC);
    this.subscription = subscription;
    void (async () => {
      for await (const event of subscription) this.forget(event.conversationId);
    })();
  }

  async stop(): Promise<void> {
    await this.subscription?.return();
    this.subscription = null;
    this.entries.clear();
  }

  /** The user ids of the conversation's members now (empty for a conversation that does not exist). */
  members(conversationId: string): Promise<ReadonlySet<string>> {
    const entry = this.entries.get(conversationId);
    if (entry && Date.now() - entry.loadedAt < this.maxAgeMs) {
      // Most recently used last, so the first key is the one to drop.
      this.entries.delete(conversationId);
      this.entries.set(conversationId, entry);
      return entry.members;
    }
    const generation = this.generations.get(conversationId) ?? 0;
    const members = this.load(conversationId);
    const loaded: Entry = { members, loadedAt: Date.now() };
    this.entries.delete(conversationId);
    this.entries.set(conversationId, loaded);
    if (this.entries.size > this.maxConversations) this.entries.delete(this.entries.keys().next().value!);
    members.then(
      () => {
        // A change while loading: the rows read may predate it.
        if ((this.generations.get(conversationId) ?? 0) !== generation && this.entries.get(conversationId) === loaded) {
          this.entries.delete(conversationId);
        }
      },
      () => {
        if (this.entries.get(conversationId) === loaded) this.entries.delete(conversationId);
      },
    );
    return members;
  }

  /** Whether the user is a member now, as far as the live events are concerned. */
  async has(conversationId: string, userId: string): Promise<boolean> {
    return (await this.members(conversationId)).has(userId);
  }

  /**
   * Call after committing a change to the conversation's members: this instance forgets them at
   * once, the others when the bus tells them. Failures to tell are logged (the change happened;
   * `maxAgeMs` bounds how long other instances may miss it).
   */
  async changed(conversationId: string): Promise<void> {
    this.forget(conversationId);
    try {
      await this.bus.publish<MembersChangedEvent>(MEMBERS_CHANGED_TOPIC, { conversationId });
    } catch (error) {
      this.logger.warn({ err: error, conversationId }, 'members change not published to other instances');
    }
  }

  private forget(conversationId: string): void {
    this.entries.delete(conversationId);
    this.generations.set(conversationId, (this.generations.get(conversationId) ?? 0) + 1);
    // Generations only matter while a load is in flight; keep the map from growing without bound.
    if (this.generations.size > this.maxConversations) this.generations.delete(this.generations.keys().next().value!);
  }

  private async load(conversationId: string): Promise<ReadonlySet<string>> {
    const rows = await this.rootEm
      .fork()
      .execute<Array<{ user_id: string }>>(`select "user_id" from "chat"."member" where "conversation_id" = ?`, [conversationId]);
    return new Set(rows.map((row) => row.user_id));
  }
}
