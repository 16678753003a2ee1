import {
  requireViewer,
  transformChannel,
  type Bus,
  type Channel,
  type EntityManager,
  type Logger,
  type RequestContext,
} from '@chirpchat/kit';
import { HiddenMessage } from '../entities/hidden-message.entity.js';
import { Message } from '../entities/message.entity.js';
import type { MembershipService } from './membership.service.js';

/** What travels on the bus for a new message: JSON-safe, so Redis and the in-memory bus carry the same thing. */
export interface MessageAddedEvent {
  id: string;
  conversationId: string;
  seq: number;
  clientId: string;
  senderId: string;
  text: string | null;
  /** ISO-8601 */
  createdAt: string;
  replyToId: string | null;
  mentionIds: string[];
}

/**
 * What travels on the bus when a message changes (edit, delete for everyone, reactions): only
 * which message. Each subscriber loads it as it is then, so `reactedByMe` is theirs and two
 * quick changes never arrive in the wrong order of state.
 */
export interface MessageUpdatedEvent {
  id: string;
  conversationId: string;
}

/** Events go to one topic per recipient, so a subscriber hears about every conversation they are in with one listener. */
const messageAddedTopic = (userId: string) => `messageAdded:${userId}`;
const messageUpdatedTopic = (userId: string) => `messageUpdated:${userId}`;

/**
 * Live message events. Publishing happens after the commit (a subscriber may act on the
 * event at once, and must find the message); delivery is at-most-once, clients catch up with
 * `messagesSince`. Membership is checked when subscribing and again for every event, because
 * people leave conversations while their subscriptions stay open.
 */
export class MessageEventsService {
  /** @param rootEm the ORM's own EntityManager, forked for each check so no identity map grows with the subscription */
  constructor(
    private readonly bus: Bus,
    private readonly rootEm: EntityManager,
    private readonly membership: MembershipService,
    private readonly logger: Logger,
  ) {}

  /** Tells every member about a committed message. Failures are logged, not thrown: the send has already succeeded. */
  async publishAdded(em: EntityManager, message: Message): Promise<void> {
    try {
      const members = await this.membership.members(em, message.conversationId);
      const event = toEvent(message);
      await Promise.all(members.map((member) => this.bus.publish(messageAddedTopic(member.userId), event)));
    } catch (error) {
      this.logger.warn({ err: error, messageId: message.id }, 'messageAdded event not published');
    }
  }

  /**
   * The viewer's new messages, in one conversation or in all of theirs.
   * @throws UnauthenticatedError, NotFoundError or ForbiddenError before anything is subscribed
   */
  async subscribeAdded(context: RequestContext, conversationId: string | null): Promise<Channel<MessageAddedEvent>> {
    const viewer = requireViewer(context);
    if (conversationId !== null) await this.membership.require(context.em, conversationId, viewer.id);
    const channel = await this.bus.subscribe<MessageAddedEvent>(messageAddedTopic(viewer.id));
    return transformChannel(channel, async (event) => {
      if (conversationId !== null && event.conversationId !== conversationId) return undefined;
      try {
        return (await this.membership.isMember(this.rootEm.fork(), event.conversationId, viewer.id)) ? event : undefined;
      } catch (error) {
        // Fail closed; the subscriber can fetch the message by seq once the database answers again.
        this.logger.warn({ err: error, messageId: event.id }, 'messageAdded event dropped: membership check failed');
        return undefined;
      }
    });
  }

  /** Tells every member that a committed message changed. Failures are logged, not thrown: the change has already succeeded. */
  async publishUpdated(em: EntityManager, message: Message): Promise<void> {
    try {
      const members = await this.membership.members(em, message.conversationId);
      const event: MessageUpdatedEvent = { id: message.id, conversationId: message.conversationId };
      await Promise.all(members.map((member) => this.bus.publish(messageUpdatedTopic(member.userId), event)));
    } catch (error) {
      this.logger.warn({ err: error, messageId: message.id }, 'messageUpdated event not published');
    }
  }

  /**
   * The viewer's changed messages, in one conversation or in all of theirs, each loaded fresh
   * for the event. Skips conversations the viewer has left or been removed from since (checked
   * per event) and messages they hid for themselves.
   * @throws UnauthenticatedError, NotFoundError or ForbiddenError before anything is subscribed
   */
  async subscribeUpdated(context: RequestContext, conversationId: string | null): Promise<Channel<Message>> {
    const viewer = requireViewer(context);
    if (conversationId !== null) await this.membership.require(context.em, conversationId, viewer.id);
    const channel = await this.bus.subscribe<MessageUpdatedEvent>(messageUpdatedTopic(viewer.id));
    return transformChannel(channel, async (event) => {
      if (conversationId !== null && event.conversationId !== conversationId) return undefined;
      try {
        const em = this.rootEm.fork();
        if (!(await this.membership.isMember(em, event.conversationId, viewer.id))) return undefined;
        if (await em.findOne(HiddenMessage, { userId: viewer.id, messageId: event.id })) return undefined;
        return (await em.findOne(Message, { id: event.id, conversationId: event.conversationId })) ?? undefined;
      } catch (error) {
        // Fail closed; the subscriber sees the current state the next time it reads the message.
        this.logger.warn({ err: error, messageId: event.id }, 'messageUpdated event dropped: loading it failed');
        return undefined;
      }
    });
  }

  /** The event as the GraphQL `Message` it describes. */
  static toMessage(event: MessageAddedEvent): Message {
    return Object.assign(new Message(), { ...event, createdAt: new Date(event.createdAt) });
  }
}

function toEvent(message: Message): MessageAddedEvent {
  return {
    id: message.id,
    conversationId: message.conversationId,
    seq: message.seq,
    clientId: message.clientId,
    senderId: message.senderId,
    text: message.text,
    createdAt: message.createdAt.toISOString(),
    replyToId: message.replyToId,
    mentionIds: message.mentionIds,
  };
}
