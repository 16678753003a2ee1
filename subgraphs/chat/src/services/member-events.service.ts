import {
  isFanout,
  requireViewer,
  transformChannel,
  withAudience,
  type Bus,
  type Channel,
  type Logger,
  type RequestContext,
} from '@chirpchat/kit';
import type { MemberDirectory } from './member-directory.service.js';
import type { MembershipService } from './membership.service.js';

/** Any live event about one conversation, as it travels on the bus (JSON-safe). */
export interface ConversationEvent {
  conversationId: string;
}

/** The kinds of live event about a conversation; each has its bus topics (see liveTopic). */
export type LiveEventKind = 'messageAdded' | 'messageUpdated' | 'receiptUpdated' | 'typing';

/** What goes on the bus: the event and who caused it when they need not hear of it. */
interface Envelope<T> {
  event: T;
  except: string | null;
}

/**
 * Each kind's events are spread over this many bus topics by conversation (`live:<kind>:<n>`): on
 * a Redis Cluster each topic is a sharded channel on the shard owning its slot, so the events
 * spread over the shards instead of all landing on one. A conversation's events share a topic,
 * so they stay in order. Every instance must use the same number.
 */
export const LIVE_TOPIC_SHARDS = 16;

/** The topic of `kind` carrying the events of `conversationId`. */
export function liveTopic(kind: LiveEventKind, conversationId: string): string {
  // FNV-1a: cheap, and the same on every instance.
  let hash = 0x811c9dc5;
  for (let i = 0; i < conversationId.length; i++) hash = Math.imul(hash ^ conversationId.charCodeAt(i), 0x01000193);
  return `live:${kind}:${(hash >>> 0) % LIVE_TOPIC_SHARDS}`;
}

/** The topics a subscription listens on: its conversation's, or (null) every topic of the kind. */
function topicsOf(kind: LiveEventKind, conversationId: string | null): string[] {
  if (conversationId !== null) return [liveTopic(kind, conversationId)];
  return Array.from({ length: LIVE_TOPIC_SHARDS }, (_, shard) => `live:${kind}:${shard}`);
}

/**
 * Live events for the members of a conversation (messages, typing, receipts). One bus message
 * per event, whatever the size of the room: every instance hears the events of a kind on its
 * topics and decides locally who may see it, from the MemberDirectory (membership in memory,
 * kept current by membership changes). Delivery is at-most-once.
 *
 * A subscription runs in one of two ways (see LiveMode in the kit):
 * - for one viewer: access is checked when subscribing, and every event is checked against
 *   the directory (people leave conversations while their subscriptions stay open);
 * - as the router's fan-out stream: every event once, with its audience — the members now,
 *   but not the one who caused it when they need not hear of it.
 */
export class MemberEventsService {
  constructor(
    private readonly bus: Bus,
    private readonly membership: MembershipService,
    private readonly directory: MemberDirectory,
    private readonly logger: Logger,
  ) {}

  /**
   * Sends `event` to the members of its conversation but `exceptUserId` (who caused it, when
   * they need not hear of it). Call after the commit. Failures are logged, not thrown: what
   * caused the event has happened.
   */
  async publish<T extends ConversationEvent>(kind: LiveEventKind, event: T, exceptUserId?: string): Promise<void> {
    try {
      await this.bus.publish<Envelope<T>>(liveTopic(kind, event.conversationId), { event, except: exceptUserId ?? null });
    } catch (error) {
      this.logger.warn({ err: error, kind, conversationId: event.conversationId }, 'event not published');
    }
  }

  /**
   * The viewer's events of one kind, in one conversation or (with null) in all of theirs; for
   * the router's fan-out stream, every event with its audience.
   * @throws UnauthenticatedError, NotFoundError or ForbiddenError before anything is subscribed
   */
  async subscribe<T extends ConversationEvent>(
    context: RequestContext,
    kind: LiveEventKind,
    conversationId: string | null,
  ): Promise<Channel<T>> {
    if (isFanout(context)) {
      const source = await this.bus.subscribe<Envelope<T>>(topicsOf(kind, conversationId));
      return transformChannel(source, async ({ event, except }) => {
        if (conversationId !== null && event.conversationId !== conversationId) return undefined;
        return this.withMembers(event, except);
      });
    }
    const viewer = requireViewer(context);
    if (conversationId !== null) await this.membership.require(context.em, conversationId, viewer.id);
    const source = await this.bus.subscribe<Envelope<T>>(topicsOf(kind, conversationId));
    return transformChannel(source, async ({ event, except }) => {
      if (conversationId !== null && event.conversationId !== conversationId) return undefined;
      if (except === viewer.id) return undefined;
      try {
        return (await this.directory.has(event.conversationId, viewer.id)) ? event : undefined;
      } catch (error) {
        // Fail closed: these events are hints that the next one or a query brings up to date.
        this.logger.warn({ err: error, kind }, 'event dropped: membership check failed');
        return undefined;
      }
    });
  }

  /** The conversation's members now but `except`: who may see an event about it. */
  async audience(conversationId: string, except: string | null = null): Promise<string[]> {
    const members = await this.directory.members(conversationId);
    const audience: string[] = [];
    for (const userId of members) if (userId !== except) audience.push(userId);
    return audience;
  }

  /** `event` marked with its audience (a copy: the same bus event may reach several streams), or undefined when the members cannot be read. */
  private async withMembers<T extends object & ConversationEvent>(event: T, except: string | null): Promise<T | undefined> {
    try {
      return withAudience({ ...event }, await this.audience(event.conversationId, except));
    } catch (error) {
      this.logger.warn({ err: error, conversationId: event.conversationId }, 'event dropped: members could not be read');
      return undefined;
    }
  }
}
