import {
  Channel,
  isFanout,
  requireViewer,
  transformChannel,
  withAudience,
  type EntityManager,
  type RequestContext,
  type Viewer,
} from '@chirpchat/kit';
import type { MemberEventsService } from './member-events.service.js';
import type { MembershipService } from './membership.service.js';

/** What travels on the bus when someone starts or stops typing. */
export interface TypingBusEvent {
  conversationId: string;
  userId: string;
  typing: boolean;
  /** ISO-8601: when a `typing: true` stops counting unless renewed. */
  expiresAt: string;
}

/**
 * Typing indicators. Nothing is stored: `setTyping` publishes to the other members, and each
 * subscription keeps, per typist, a timer that ends a `typing: true` that was not renewed in
 * time with a `typing: false` of its own — so a client that crashes or loses its connection
 * mid-sentence never leaves "is typing…" stuck on the others' screens. Clients renew by
 * calling `setTyping(true)` again while the user types (every few seconds is plenty).
 */
export class TypingService {
  /** @param ttlMs how long a `typing: true` lasts without renewal */
  constructor(
    private readonly membership: MembershipService,
    private readonly events: MemberEventsService,
    private readonly ttlMs: number,
  ) {}

  /**
   * Tells the other members that the viewer is (or is no longer) typing. The typist is never
   * told about themself.
   * @throws NotFoundError or ForbiddenError unless the viewer is a member
   */
  async set(em: EntityManager, viewer: Viewer, conversationId: string, typing: boolean): Promise<boolean> {
    const { conversation } = await this.membership.require(em, conversationId, viewer.id);
    const event: TypingBusEvent = {
      conversationId: conversation.id,
      userId: viewer.id,
      typing,
      expiresAt: new Date(Date.now() + this.ttlMs).toISOString(),
    };
    await this.events.publish('typing', event, viewer.id);
    return true;
  }

  /**
   * The others' typing in one conversation: only changes (a renewal is not repeated), and a
   * `typing: false` when a typist's state expires.
   * @throws UnauthenticatedError, NotFoundError or ForbiddenError before anything is subscribed
   */
  async subscribe(context: RequestContext, conversationId: string): Promise<Channel<TypingBusEvent>> {
    if (isFanout(context)) {
      // One set of timers for the whole stream; each event, the expiries included, goes to the members but the typist.
      const source = await this.events.subscribe<TypingBusEvent>(context, 'typing', conversationId);
      return transformChannel(this.expiring(source, null), async (event) =>
        withAudience({ ...event }, await this.events.audience(event.conversationId, event.userId)),
      );
    }
    const viewer = requireViewer(context);
    const source = await this.events.subscribe<TypingBusEvent>(context, 'typing', conversationId);
    return this.expiring(source, viewer.id);
  }

  /** @param viewerId whose own typing to leave out; null for the router's fan-out stream, whose audience leaves the typist out */
  private expiring(source: Channel<TypingBusEvent>, viewerId: string | null): Channel<TypingBusEvent> {
    const target = new Channel<TypingBusEvent>();
    /** Typist → the timer that ends their typing; a typist is typing exactly while they have one. */
    const timers = new Map<string, NodeJS.Timeout>();
    target.onRelease(() => {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
      void source.return();
    });
    void (async () => {
      try {
        for await (const event of source) {
          // Published to the others only; this also guards a viewer with two devices.
          if (event.userId === viewerId) continue;
          const wasTyping = timers.has(event.userId);
          clearTimeout(timers.get(event.userId));
          timers.delete(event.userId);
          if (event.typing) {
            // The typist's instance says how long it counts; capped here so a wrong clock cannot make it stick.
            const left = Date.parse(event.expiresAt) - Date.now();
            const ms = Number.isFinite(left) ? Math.min(Math.max(left, 0), this.ttlMs) : this.ttlMs;
            const timer = setTimeout(() => {
              timers.delete(event.userId);
              target.push({ ...event, typing: false });
            }, ms);
            timers.set(event.userId, timer);
          }
          if (event.typing !== wasTyping) target.push(event);
        }
        target.end();
      } catch (error) {
        target.end(error);
      }
    })();
    return target;
  }
}
