import {
  isFanout,
  requireViewer,
  transformChannel,
  withAudience,
  withViewerGrouping,
  type Channel,
  type EntityManager,
  type Logger,
  type RequestContext,
} from '@chirpchat/kit';
import { HiddenMessage } from '../entities/hidden-message.entity.js';
import { Message } from '../entities/message.entity.js';
import type { MemberEventsService } from './member-events.service.js';
import type { ViewerGroupsService } from './viewer-groups.service.js';

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

/**
 * Live message events, one bus message per event through MemberEventsService (which decides
 * who may see each: one viewer's subscription, or the audience of the router's fan-out
 * stream). Publishing happens after the commit (a subscriber may act on the event at once,
 * and must find the message); delivery is at-most-once, clients catch up with `messagesSince`.
 */
export class MessageEventsService {
  /** @param rootEm the ORM's own EntityManager, forked for each event so no identity map grows with the subscription */
  constructor(
    private readonly memberEvents: MemberEventsService,
    private readonly rootEm: EntityManager,
    private readonly logger: Logger,
    private readonly viewerGroups: ViewerGroupsService,
  ) {}

  /** Tells every member, the sender's other devices included, about a committed message. */
  publishAdded(message: Message): Promise<void> {
    return this.memberEvents.publish('messageAdded', toEvent(message));
  }

  /**
   * The viewer's new messages, in one conversation or in all of theirs (or, for the router's
   * fan-out stream, every new message with its audience).
   * @throws UnauthenticatedError, NotFoundError or ForbiddenError before anything is subscribed
   */
  async subscribeAdded(context: RequestContext, conversationId: string | null): Promise<Channel<MessageAddedEvent>> {
    const events = await this.memberEvents.subscribe<MessageAddedEvent>(context, 'messageAdded', conversationId);
    if (!isFanout(context)) return events;
    // Each event is this stream's own copy (MemberEventsService marks a copy with its audience).
    return transformChannel(events, async (event) => withViewerGrouping(event, this.viewerGroups.grouping(event)));
  }

  /** Tells every member that a committed message changed (edit, delete for everyone, reactions). */
  publishUpdated(message: Message): Promise<void> {
    const event: MessageUpdatedEvent = { id: message.id, conversationId: message.conversationId };
    return this.memberEvents.publish('messageUpdated', event);
  }

  /**
   * The viewer's changed messages, each loaded as it is now (so `reactedByMe` is theirs),
   * leaving out those the viewer hid. For the router's fan-out stream, each message is loaded
   * once and its audience leaves out the members who hid it.
   * @throws UnauthenticatedError, NotFoundError or ForbiddenError before anything is subscribed
   */
  async subscribeUpdated(context: RequestContext, conversationId: string | null): Promise<Channel<Message>> {
    const events = await this.memberEvents.subscribe<MessageUpdatedEvent>(context, 'messageUpdated', conversationId);
    if (isFanout(context)) {
      return transformChannel(events, async (event) => {
        try {
          const em = this.rootEm.fork();
          const message = await em.findOne(Message, { id: event.id, conversationId: event.conversationId });
          if (!message) return undefined;
          const hidden = await em.find(HiddenMessage, { messageId: event.id }, { fields: ['userId'] });
          const hiders = new Set(hidden.map((row) => row.userId));
          const audience = (await this.memberEvents.audience(event.conversationId)).filter((userId) => !hiders.has(userId));
          return withViewerGrouping(withAudience(message, audience), this.viewerGroups.grouping(message));
        } catch (error) {
          this.logger.warn({ err: error, messageId: event.id }, 'messageUpdated event dropped: loading it failed');
          return undefined;
        }
      });
    }
    const viewerId = requireViewer(context).id;
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
