import type { EntityManager, Job, JobQueue, Logger } from '@chirpchat/kit';
import { messageSentQueue, type MessageSentEvent } from '@chirpchat/kit/contracts';
import { ConversationMute } from '../entities/conversation-mute.entity.js';
import { NotificationSettings } from '../entities/notification-settings.entity.js';
import { PushSubscription } from '../entities/push-subscription.entity.js';
import { deliveryKey, type Delivery, type DeliveryService } from './delivery.service.js';
import type { IsOnline } from './presence.js';
import { topicFor, type PushJob } from './push-job.js';
import type { SenderNameService } from './sender-names.service.js';

export interface FanOutOptions {
  /** Messages closer together than this (per recipient and conversation) count as one burst. */
  burstWindowSeconds: number;
}

/** How far a batch got: once its pushes are on their way, handling its events again would push twice. */
interface Progress {
  pushed: boolean;
}

/**
 * Decides who gets a push for each sent message, and sends them.
 *
 * A recipient gets one when they have a subscription, hold no live socket (presence), and have
 * not muted the conversation — unless the message mentions them and they asked for mentions in
 * muted conversations. Bursts collapse: each push carries how many this recipient got for the
 * conversation in the current burst (messages less than the window apart) and one Web Push topic
 * per conversation, so a push service replaces the one still waiting with the newer, and the
 * service worker replaces the shown notification (its tag is the conversation id). A recipient
 * seen online starts a new burst.
 *
 * Events come in batches, and a batch costs the same few statements however many events it
 * holds: one query finds the subscriptions of every recipient of the batch — and when there are
 * none, as in most conversations, the events are completed with nothing else done — then one
 * presence lookup, one query each for mutes and settings, one call to the users subgraph for the
 * senders' display names (cached for a minute), and one transaction in which the burst
 * counters are counted, the pushes are sent (DeliveryService: a job only for a delivery that
 * needs another try) and recorded, and the events are completed, all committing together. An
 * event whose transaction did not commit starts from scratch. When a batch fails before any push
 * went out, its events are handled one by one, so that only the failing one waits for a retry.
 */
export class FanOutService {
  constructor(
    private readonly rootEm: EntityManager,
    private readonly jobs: JobQueue,
    private readonly isOnline: IsOnline,
    private readonly delivery: DeliveryService,
    private readonly senderNames: SenderNameService,
    private readonly logger: Logger,
    private readonly options: FanOutOptions,
  ) {}

  /**
   * Handles a batch of events: completes those it handled and fails (for a retry with backoff)
   * those it could not, or throws, failing the whole batch, when a failure came after its pushes
   * went out.
   */
  async handle(batch: ReadonlyArray<Job<MessageSentEvent>>): Promise<void> {
    const progress: Progress = { pushed: false };
    try {
      await this.fanOut(batch, progress);
      return;
    } catch (error) {
      if (progress.pushed || batch.length === 1) {
        this.logger.warn(
          { err: error, messageIds: batch.map((job) => job.data.messageId) },
          'message-sent events failed; they will be retried',
        );
        throw error;
      }
      this.logger.warn({ err: error, events: batch.length }, 'message-sent batch failed; handling its events one by one');
    }
    const failed: Array<Job<MessageSentEvent>> = [];
    for (const job of batch) {
      const alone: Progress = { pushed: false };
      try {
        await this.fanOut([job], alone);
      } catch (error) {
        this.logger.warn({ err: error, messageId: job.data.messageId, attempt: job.retryCount + 1 }, 'message-sent event failed');
        if (alone.pushed) throw error;
        failed.push(job);
      }
    }
    await this.jobs.failMany(messageSentQueue, failed, 'message-sent event failed');
  }

  private async fanOut(batch: ReadonlyArray<Job<MessageSentEvent>>, progress: Progress): Promise<void> {
    const em = this.rootEm.fork();
    const recipientsOf = new Map(batch.map((job) => [job, new Set(job.data.recipientIds.filter((id) => id !== job.data.senderId))]));
    const everyone = [...new Set([...recipientsOf.values()].flatMap((ids) => [...ids]))];
    // Only people with a device to push to need the rest of the checks.
    const subscriptions = everyone.length > 0 ? await em.find(PushSubscription, { userId: { $in: everyone } }) : [];
    const devices = new Map<string, PushSubscription[]>();
    for (const subscription of subscriptions) devices.set(subscription.userId, [...(devices.get(subscription.userId) ?? []), subscription]);
    if (devices.size === 0) {
      await em.transactional((tx) => this.complete(tx, batch));
      return;
    }

    const candidates = [...devices.keys()];
    const online = await this.onlineAmong(candidates);
    const offline = candidates.filter((userId) => !online.has(userId));
    const conversationIds = [...new Set(batch.map((job) => job.data.conversationId))];
    const [mutes, settings] = offline.length
      ? await Promise.all([
          em.find(ConversationMute, { userId: { $in: offline }, conversationId: { $in: conversationIds } }),
          em.find(NotificationSettings, { userId: { $in: offline } }),
        ])
      : [[], []];
    const muteOf = new Map(mutes.map((mute) => [`${mute.userId}:${mute.conversationId}`, mute]));
    const settingsOf = new Map(settings.map((row) => [row.userId, row]));

    // Per event, in seq order so that a recipient's burst counts rise with the messages.
    const ordered = [...batch].sort((a, b) => a.data.conversationId.localeCompare(b.data.conversationId) || a.data.seq - b.data.seq);
    const dueOf = new Map<Job<MessageSentEvent>, string[]>();
    const onlineRecipients: Array<[string, string]> = [];
    for (const job of ordered) {
      const event = job.data;
      const recipients = recipientsOf.get(job)!;
      const mentioned = new Set(event.mentionedUserIds);
      for (const userId of online) if (recipients.has(userId)) onlineRecipients.push([userId, event.conversationId]);
      dueOf.set(
        job,
        offline.filter(
          (userId) =>
            recipients.has(userId) &&
            (!muteOf.get(`${userId}:${event.conversationId}`)?.isActive() ||
              (mentioned.has(userId) && settingsOf.get(userId)?.notifyMentionsWhenMuted === true)),
        ),
      );
    }

    // Outside the transaction, so no row lock waits on the users subgraph.
    const names = await this.senderNames.namesOf(ordered.filter((job) => dueOf.get(job)!.length > 0).map((job) => job.data.senderId));
    const senderNameOf = (event: MessageSentEvent) => names.get(event.senderId) ?? event.senderName ?? null;

    await em.transactional(async (tx) => {
      if (onlineRecipients.length > 0) await this.endBursts(tx, onlineRecipients);
      const counts = await this.countBursts(tx, ordered, dueOf);
      const deliveries = ordered.flatMap((job) => {
        const event = job.data;
        const mentioned = new Set(event.mentionedUserIds);
        return dueOf.get(job)!.flatMap((userId) =>
          devices.get(userId)!.map((subscription): Delivery => ({
            subscription,
            push: {
              messageId: event.messageId,
              subscriptionId: subscription.id,
              userId,
              payload: {
                conversationId: event.conversationId,
                title: titleOf(event, senderNameOf(event)),
                senderName: senderNameOf(event),
                preview: settingsOf.get(userId)?.showPreviews === false ? null : event.text,
                seq: event.seq,
                count: counts.get(`${job.id}:${userId}`) ?? 1,
              },
              urgency: event.conversationKind === 'DIRECT' || mentioned.has(userId) ? 'high' : 'normal',
              topic: topicFor(event.conversationId),
              rateLimited: 0,
            } satisfies PushJob,
          })),
        );
      });
      // An event handled before (a claim that lapsed while its first run still pushed) skips what that run recorded.
      const runAgain = new Set(batch.filter((job) => job.retryCount > 0).map((job) => job.data.messageId));
      const retried = deliveries.filter((delivery) => runAgain.has(delivery.push.messageId));
      const recorded = await this.delivery.delivered(
        tx,
        retried.map((delivery) => delivery.push),
      );
      const due = deliveries.filter((delivery) => !recorded.has(deliveryKey(delivery.push)));
      progress.pushed = due.length > 0;
      await this.delivery.attemptInTransaction(tx, due);
      await this.complete(tx, batch);
    });
  }

  /**
   * Completes the batch's events in `tx`. An event whose claim lapsed (its batch outlived its
   * expiry) is another attempt's now; what this run pushed for it is recorded, so that attempt
   * sends only the rest.
   */
  private async complete(tx: EntityManager, batch: ReadonlyArray<Job<MessageSentEvent>>): Promise<void> {
    const settled = await this.jobs.completeManyInTransaction(tx, messageSentQueue, batch);
    const lapsed = batch.filter((job) => !settled.has(job.id));
    if (lapsed.length > 0)
      this.logger.warn({ messageIds: lapsed.map((job) => job.data.messageId) }, 'message-sent events outlived their claim');
  }

  /** The users among `userIds` who are online; a presence failure counts as offline (a push too many beats a missed one). */
  private async onlineAmong(userIds: string[]): Promise<ReadonlySet<string>> {
    try {
      return await this.isOnline(userIds);
    } catch (error) {
      this.logger.warn({ err: error }, 'presence lookup failed; treating those users as offline');
      return new Set();
    }
  }

  /**
   * Adds the batch's pushes to each recipient's burst for the conversation (a new burst after a
   * quiet window), in one statement: each (user, conversation) pair is counted up by its number
   * of pushes in the batch, and the events get the counts in seq order.
   * @returns the count for each push, keyed `${jobId}:${userId}`
   */
  private async countBursts(
    tx: EntityManager,
    ordered: ReadonlyArray<Job<MessageSentEvent>>,
    dueOf: ReadonlyMap<Job<MessageSentEvent>, string[]>,
  ): Promise<Map<string, number>> {
    // One entry per (user, conversation) pair: the batch's pushes for it, in seq order.
    const pairs = new Map<string, { userId: string; conversationId: string; jobIds: string[] }>();
    for (const job of ordered) {
      for (const userId of dueOf.get(job)!) {
        const key = JSON.stringify([userId, job.data.conversationId]);
        const pair = pairs.get(key) ?? { userId, conversationId: job.data.conversationId, jobIds: [] };
        pair.jobIds.push(job.id);
        pairs.set(key, pair);
      }
    }
    const counts = new Map<string, number>();
    if (pairs.size === 0) return counts;
    const entries = [...pairs.values()];
    const rows = await tx.execute<Array<{ user_id: string; conversation_id: string; count: number }>>(
      `insert into "notifications"."burst" as b ("user_id", "conversation_id", "count", "last_at")
       select u, c, n, clock_timestamp() from unnest(array[?]::text[], array[?]::text[], array[?]::int[]) as t(u, c, n)
       on conflict ("user_id", "conversation_id") do update set
         "count" = case when b."last_at" > clock_timestamp() - make_interval(secs => ?) then b."count" + excluded."count" else excluded."count" end,
         "last_at" = clock_timestamp()
       returning "user_id", "conversation_id", "count"`,
      [
        entries.map((pair) => pair.userId),
        entries.map((pair) => pair.conversationId),
        entries.map((pair) => pair.jobIds.length),
        this.options.burstWindowSeconds,
      ],
    );
    for (const row of rows) {
      const { jobIds } = pairs.get(JSON.stringify([row.user_id, row.conversation_id]))!;
      // The pair's last push in this batch has the final count; the ones before count up to it.
      jobIds.forEach((jobId, index) => counts.set(`${jobId}:${row.user_id}`, row.count - (jobIds.length - 1 - index)));
    }
    return counts;
  }

  /** Someone online reads as messages arrive: their next push starts a new burst. */
  private async endBursts(tx: EntityManager, pairs: ReadonlyArray<[string, string]>): Promise<void> {
    await tx.execute(
      `delete from "notifications"."burst" where ("user_id", "conversation_id") in (select * from unnest(array[?]::text[], array[?]::text[]))`,
      [pairs.map(([user]) => user), pairs.map(([, conversation]) => conversation)],
    );
  }
}

/** The notification's heading: the conversation's title, or who wrote for a direct conversation (or an untitled group). */
function titleOf(event: MessageSentEvent, senderName: string | null): string {
  const title = event.conversationKind === 'DIRECT' ? null : event.conversationTitle;
  return title ?? senderName ?? 'New message';
}
