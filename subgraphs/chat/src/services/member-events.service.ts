import {
  requireViewer,
  transformChannel,
  type Bus,
  type Channel,
  type EntityManager,
  type Logger,
  type RequestContext,
} from '@chirpchat/kit';
import type { MembershipService } from './membership.service.js';

/** Any live event about one conversation, as it travels on the bus (JSON-safe). */
export interface ConversationEvent {
  conversationId: string;
}

/** Names the per-user topic of one kind of event, e.g. `typing:<userId>`. */
export type TopicOf = (userId: string) => string;

/**
 * Live events for the members of a conversation (typing, receipts), on one topic per
 * recipient like `messageAdded`: a subscriber hears about all their conversations with one
 * listener. Delivery is at-most-once. Membership is checked when subscribing and again for
 * every event, because people leave conversations while their subscriptions stay open.
 */
export class MemberEventsService {
  /** @param rootEm the ORM's own EntityManager, forked for each check so no identity map grows with a subscription */
  constructor(
    private readonly bus: Bus,
    private readonly rootEm: EntityManager,
    private readonly membership: MembershipService,
    private readonly logger: Logger,
  ) {}

  /**
   * Sends `event` to every member of its conversation but `exceptUserId` (who caused it, when
   * they need not hear of it). Call after the commit. Failures are logged, not thrown: what
   * caused the event has happened.
   */
  async publish<T extends ConversationEvent>(em: EntityManager, topic: TopicOf, event: T, exceptUserId?: string): Promise<void> {
    try {
      const members = await this.membership.members(em, event.conversationId);
      const recipients = members.filter((member) => member.userId !== exceptUserId);
      await Promise.all(recipients.map((member) => this.bus.publish(topic(member.userId), event)));
    } catch (error) {
      this.logger.warn({ err: error, topic: topic('*'), conversationId: event.conversationId }, 'event not published');
    }
  }

  /**
   * The viewer's events of one kind, in one conversation or (with null) in all of theirs.
   * @throws UnauthenticatedError, NotFoundError or ForbiddenError before anything is subscribed
   */
  async subscribe<T extends ConversationEvent>(
    context: RequestContext,
    topic: TopicOf,
    conversationId: string | null,
  ): Promise<Channel<T>> {
    const viewer = requireViewer(context);
    if (conversationId !== null) await this.membership.require(context.em, conversationId, viewer.id);
    const channel = await this.bus.subscribe<T>(topic(viewer.id));
    return transformChannel(channel, async (event) => {
      if (conversationId !== null && event.conversationId !== conversationId) return undefined;
      try {
        return (await this.membership.isMember(this.rootEm.fork(), event.conversationId, viewer.id)) ? event : undefined;
      } catch (error) {
        // Fail closed: these events are hints that the next one or a query brings up to date.
        this.logger.warn({ err: error, topic: topic('*') }, 'event dropped: membership check failed');
        return undefined;
      }
    });
  }
}
