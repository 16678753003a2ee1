import { BadUserInputError, BatchLoader, type Channel, type EntityManager, type RequestContext, type Viewer } from '@chirpchat/kit';
import type { Message } from '../entities/message.entity.js';
import { MessageStatus } from '../types/message-status.enum.js';
import { ReceiptKind } from '../types/receipt-kind.enum.js';
import type { MemberEventsService } from './member-events.service.js';
import type { MembershipService } from './membership.service.js';

/** What travels on the bus when a member's cursor moves. */
export interface ReceiptBusEvent {
  conversationId: string;
  userId: string;
  kind: ReceiptKind;
  seq: number;
}

/** One member's two cursors. */
interface MemberCursors {
  userId: string;
  delivered: number;
  read: number;
}

/**
 * Moves a cursor forward in one statement, and only forward: `greatest` keeps the higher value
 * and the `<` condition makes the row come back only when the cursor really moved, so two
 * devices marking at once never lower it and a repeated mark publishes nothing. READ raises
 * delivered too (read implies delivered). The conversation's `last_seq` is read in the same
 * statement, so the range check sees sends committed just before, whatever this request's
 * identity map holds. Parameters: conversation id, user id, seq.
 */
const markSql = (cursor: string, set: string) => `
  with input as (select ?::uuid as "conversation_id", ?::text as "user_id", ?::int as "seq"),
  conversation as (select c."last_seq" from "chat"."conversation" c join input on c."id" = input."conversation_id"),
  moved as (
    update "chat"."member" m set ${set} from input
     where m."conversation_id" = input."conversation_id" and m."user_id" = input."user_id"
       and m."${cursor}" < input."seq" and input."seq" <= (select "last_seq" from conversation)
    returning 1)
  select (select "last_seq" from conversation) as "lastSeq", (select count(*) from moved)::int as "moved"`;

const MARK_SQL: Record<ReceiptKind, string> = {
  [ReceiptKind.DELIVERED]: markSql('last_delivered_seq', `"last_delivered_seq" = greatest(m."last_delivered_seq", input."seq")`),
  [ReceiptKind.READ]: markSql(
    'last_read_seq',
    `"last_read_seq" = greatest(m."last_read_seq", input."seq"), "last_delivered_seq" = greatest(m."last_delivered_seq", input."seq")`,
  ),
};

/**
 * Delivered and read cursors, unread counts and message status.
 *
 * - `markDelivered` / `markRead` move the viewer's cursor forward only, and after the commit
 *   tell every other member through `receiptUpdated` (only when the cursor really moved).
 * - `Message.status` is computed, never stored: READ when every other current member's read
 *   cursor has reached the message's seq, else DELIVERED when every other member's delivered
 *   cursor has, else SENT. "Other" means other than the message's sender, whoever is asking —
 *   so every member sees the status its sender sees. With nobody else in the conversation a
 *   message stays SENT: nobody has received it.
 * - `unreadCount` counts the messages after the viewer's read cursor that others sent: one
 *   indexed COUNT on (conversation_id, seq), from the database, so it is exact after a
 *   reconnect and drops to 0 as soon as the viewer marks the last message read.
 *
 * Both reads are batched per tick (BatchLoader): a page of 50 messages costs one query for the
 * members' cursors, a list of 30 conversations one query for their unread counts.
 */
export class ReceiptService {
  private readonly cursorLoaders = new WeakMap<EntityManager, BatchLoader<string, MemberCursors[]>>();
  private readonly unreadLoaders = new WeakMap<EntityManager, BatchLoader<string, number>>();

  constructor(
    private readonly membership: MembershipService,
    private readonly events: MemberEventsService,
  ) {}

  /**
   * Moves the viewer's DELIVERED or READ cursor up to `seq` (never back). Always true once
   * the input is valid; marking a seq already reached changes nothing and tells nobody.
   * @throws BadUserInputError when `seq` is not between 1 and the conversation's lastSeq;
   *   NotFoundError or ForbiddenError unless the viewer is a member
   */
  async mark(em: EntityManager, viewer: Viewer, conversationId: string, seq: number, kind: ReceiptKind): Promise<boolean> {
    if (!Number.isSafeInteger(seq) || seq < 1) throw new BadUserInputError('seq must be the seq of a message: 1 or more.', 'seq');
    // The stored id, not the one given (which may differ in case), names the conversation in events.
    const { id } = (await this.membership.require(em, conversationId, viewer.id)).conversation;
    const [result] = await em.execute<Array<{ lastSeq: number; moved: number }>>(MARK_SQL[kind], [id, viewer.id, seq]);
    if (seq > result!.lastSeq) {
      throw new BadUserInputError(`seq ${seq} is beyond the conversation's last message (seq ${result!.lastSeq}).`, 'seq');
    }
    if (result!.moved > 0) {
      const event: ReceiptBusEvent = { conversationId: id, userId: viewer.id, kind, seq };
      await this.events.publish('receiptUpdated', event, viewer.id);
    }
    return true;
  }

  /**
   * The other members' receipts, in one conversation or all of the viewer's.
   * @throws UnauthenticatedError, NotFoundError or ForbiddenError before anything is subscribed
   */
  subscribe(context: RequestContext, conversationId: string | null): Promise<Channel<ReceiptBusEvent>> {
    return this.events.subscribe<ReceiptBusEvent>(context, 'receiptUpdated', conversationId);
  }

  /** The message's status as its sender sees it (see the class comment). */
  async status(em: EntityManager, message: Message): Promise<MessageStatus> {
    const cursors = (await this.cursorLoader(em).load(message.conversationId)) ?? [];
    const others = cursors.filter((member) => member.userId !== message.senderId);
    if (others.length === 0) return MessageStatus.SENT;
    if (others.every((member) => member.read >= message.seq)) return MessageStatus.READ;
    if (others.every((member) => member.delivered >= message.seq)) return MessageStatus.DELIVERED;
    return MessageStatus.SENT;
  }

  /** Messages after `userId`'s read cursor that others sent; 0 for someone who is not a member. */
  async unreadCount(em: EntityManager, conversationId: string, userId: string): Promise<number> {
    return (await this.unreadLoader(em).load(JSON.stringify([conversationId, userId]))) ?? 0;
  }

  private cursorLoader(em: EntityManager): BatchLoader<string, MemberCursors[]> {
    let loader = this.cursorLoaders.get(em);
    if (!loader) {
      loader = new BatchLoader(async (conversationIds) => {
        const rows = await em.execute<Array<MemberCursors & { conversationId: string }>>(
          `select "conversation_id" as "conversationId", "user_id" as "userId",
                  "last_delivered_seq" as "delivered", "last_read_seq" as "read"
             from "chat"."member"
            where "conversation_id" in (select value::uuid from jsonb_array_elements_text(?::jsonb))`,
          [JSON.stringify(conversationIds)],
        );
        const byConversation = new Map<string, MemberCursors[]>();
        for (const { conversationId, ...cursors } of rows) {
          byConversation.set(conversationId, [...(byConversation.get(conversationId) ?? []), cursors]);
        }
        return byConversation;
      });
      this.cursorLoaders.set(em, loader);
    }
    return loader;
  }

  /** Keys are JSON `[conversationId, userId]` pairs. */
  private unreadLoader(em: EntityManager): BatchLoader<string, number> {
    let loader = this.unreadLoaders.get(em);
    if (!loader) {
      loader = new BatchLoader(async (keys) => {
        const pairs = keys.map((key) => JSON.parse(key) as [string, string]);
        const rows = await em.execute<Array<{ conversationId: string; userId: string; unread: number }>>(
          `select me."conversation_id" as "conversationId", me."user_id" as "userId", count(m."id")::int as "unread"
             from jsonb_to_recordset(?::jsonb) as k("conversation_id" uuid, "user_id" text)
             join "chat"."member" me on me."conversation_id" = k."conversation_id" and me."user_id" = k."user_id"
             left join "chat"."message" m
               on m."conversation_id" = me."conversation_id" and m."seq" > me."last_read_seq" and m."sender_id" <> me."user_id"
            group by me."conversation_id", me."user_id"`,
          [JSON.stringify(pairs.map(([conversationId, userId]) => ({ conversation_id: conversationId, user_id: userId })))],
        );
        return new Map(rows.map((row) => [JSON.stringify([row.conversationId, row.userId]), row.unread]));
      });
      this.unreadLoaders.set(em, loader);
    }
    return loader;
  }
}
