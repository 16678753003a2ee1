import { requireViewer, transformChannel, type Channel, type EntityManager, type Logger, type RequestContext } from '@chirpchat/kit';
import { HiddenMessage } from '../entities/hidden-message.entity.js';
import { Message } from '../entities/message.entity.js';
import type { MemberEventsService } from './member-events.service.js';

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
  /** The attachments, which the media subgraph resolves from these ids. */
  mediaIds: string[];
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
 * Live message events, on per-member topics through MemberEventsService (which re-checks
 * membership for every event). Publishing happens after the commit (a subscriber may act on
 * the event at once, and must find the message); delivery is at-most-once, clients catch up
 * with `messagesSince`.
 */
export class MessageEventsService {
  /** @param rootEm the ORM's own EntityManager, forked for each event so no identity map grows with the subscription */
  constructor(
    private readonly memberEvents: MemberEventsService,
    private readonly rootEm: EntityManager,
    private readonly logger: Logger,
  ) {}

  /** Tells every member, the sender's other devices included, about a committed message. */
  publishAdded(em: EntityManager, message: Message): Promise<void> {
    return this.memberEvents.publish(em, messageAddedTopic, toEvent(message));
  }

  /**
   * The viewer's new messages, in one conversation or in all of theirs.
   * @throws UnauthenticatedError, NotFoundError or ForbiddenError before anything is subscribed
   */
  subscribeAdded(context: RequestContext, conversationId: string | null): Promise<Channel<MessageAddedEvent>> {
    return this.memberEvents.subscribe<MessageAddedEvent>(context, messageAddedTopic, conversationId);
  }

  /** Tells every member that a committed message changed (edit, delete for everyone, reactions). */
  publishUpdated(em: EntityManager, message: Message): Promise<void> {
    const event: MessageUpdatedEvent = { id: message.id, conversationId: message.conversationId };
    return this.memberEvents.publish(em, messageUpdatedTopic, event);
  }

  /**
   * The viewer's changed messages, each loaded as it is now (so `reactedByMe` is theirs),
   * leaving out those the viewer hid.
   * @throws UnauthenticatedError, NotFoundError or ForbiddenError before anything is subscribed
   */
  async subscribeUpdated(context: RequestContext, conversationId: string | null): Promise<Channel<Message>> {
    const viewerId = requireViewer(context).id;
    const events = await this.memberEvents.subscribe<MessageUpdatedEvent>(context, messageUpdatedTopic, conversationId);
    return transformChannel(events, async (event) => {
      try {
        const em = this.rootEm.fork();
        if (await em.findOne(HiddenMessage, { userId: viewerId, messageId: event.id })) return undefined;
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
    mediaIds: message.mediaIds,
  };
}
