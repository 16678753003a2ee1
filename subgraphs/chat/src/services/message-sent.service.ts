import type { EntityManager, JobQueue } from '@chirpchat/kit';
import { messageSentQueue, type MessageSentEvent } from '@chirpchat/kit/contracts';
import type { Conversation } from '../entities/conversation.entity.js';
import type { Message } from '../entities/message.entity.js';

/** Pushes show the start of a message only; the rest stays out of the job table and the push service. */
const PREVIEW_CHARACTERS = 140;
/** What a push says for a message of files only: notifications never learns what the files are. */
const ATTACHMENT_PREVIEW = '📎 Attachment';

/**
 * The durable "message sent" event that notifications consumes. It is enqueued through the
 * sending transaction, so it exists exactly when the message does: a rolled-back send (a lost
 * clientId race) leaves no event, and a crash after the commit cannot lose one. The job id is
 * the message id, so one message is never two events.
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

  /** Call after the commit: notifications' workers fetch the new event now, not at their next poll. */
  announce(): void {
    this.jobs.wake(messageSentQueue);
  }
}

function preview(text: string): string {
  const characters = [...text];
  return characters.length <= PREVIEW_CHARACTERS ? text : `${characters.slice(0, PREVIEW_CHARACTERS - 1).join('')}…`;
}
