import type { EntityManager, JobQueue } from '@chirpchat/kit';
import { messageSentQueue, type MessageSentEvent } from '@chirpchat/kit/contracts';
import type { Conversation } from '../entities/conversation.entity.js';
import type { Message } from '../entities/message.entity.js';

/** Pushes show the start of a message only; the rest stays out of the job table and the push service. */
const PREVIEW_CHARACTERS = 140;
/** What a push says for a message of files only: notifications never learns what the files are. */
const ATTACHMENT_PREVIEW = '📎 Attachment';

/**
 * The durable "message sent" event that notifications consumes. It is enqueued by the statement
 * or the transaction that stores the message, so it exists exactly when the message does: a
 * failed send (a lost clientId race) leaves no event, and a crash after the commit cannot lose
 * one. The job id is the message id, so one message is never two events.
 */
export class MessageSentService {
  constructor(private readonly jobs: JobQueue) {}

  /**
   * Call inside the transaction that inserts `message`, with that transaction's EntityManager.
   * @param recipientIds the members but the sender, as that transaction read them: the members the message was sent to
   */
  async enqueue(
    tx: EntityManager,
    conversation: Pick<Conversation, 'id' | 'kind' | 'title'>,
    message: Message,
    recipientIds: readonly string[],
  ): Promise<void> {
    const event: MessageSentEvent = {
      messageId: message.id,
      conversationId: conversation.id,
      conversationKind: conversation.kind,
      conversationTitle: conversation.title,
      seq: message.seq,
      senderId: message.senderId,
      text: message.text === null ? ATTACHMENT_PREVIEW : preview(message.text),
      recipientIds: recipientIds.filter((id) => id !== message.senderId),
      mentionedUserIds: message.mentionIds,
    };
    await this.jobs.enqueueInTransaction(tx, messageSentQueue, event, { id: message.id });
  }

  /**
   * The job insert for `message` as a CTE of the one statement that stores it, for a send that
   * needs no transaction (see JobQueue.sendStatement). What that statement decides, the seq, the
   * conversation's kind and title and the recipients (the members but the sender, as it read them),
   * comes from its CTE `"bumped"` (columns `kind`, `title`, `last_seq`, `recipient_ids`); when
   * that is empty (nothing stored), so is the job.
   */
  async enqueueStatement(message: Message): Promise<{ sql: string; params: unknown[] }> {
    const known: Partial<MessageSentEvent> = {
      messageId: message.id,
      conversationId: message.conversationId,
      senderId: message.senderId,
      text: message.text === null ? ATTACHMENT_PREVIEW : preview(message.text),
      mentionedUserIds: message.mentionIds,
    };
    const decided = `select jsonb_build_object('conversationKind', b."kind", 'conversationTitle', b."title", 'seq', b."last_seq",
        'recipientIds', to_jsonb(b."recipient_ids")) from "bumped" b`;
    return this.jobs.sendStatement(messageSentQueue, known, { id: message.id }, decided);
  }

  /** Call after the commit: notifications' workers fetch the new event now, not at their next poll. */
  announce(): void {
    this.jobs.wake(messageSentQueue);
  }
}

function preview(text: string): string {
  const characters = [...text];
  return characters.length <= PREVIEW_CHARACTERS ? text : `${characters.slice(0, PREVIEW_CHARACTERS - 1).join('')}…`;
}
