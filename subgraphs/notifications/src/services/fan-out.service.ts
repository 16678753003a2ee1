import { messageSentQueue, type EntityManager, type Job, type JobQueue, type Logger, type MessageSentEvent } from '@chirpchat/kit';
import { ConversationMute } from '../entities/conversation-mute.entity.js';
import { NotificationSettings } from '../entities/notification-settings.entity.js';
import { PushSubscription } from '../entities/push-subscription.entity.js';
import type { IsOnline } from './presence.js';
import { pushJob, pushQueue, topicFor, type PushJob, type PushRetry } from './push-job.js';

export interface FanOutOptions {
  /** Messages closer together than this (per recipient and conversation) count as one burst. */
  burstWindowSeconds: number;
  pushRetry?: PushRetry;
}

/**
 * Decides who gets a push for a sent message, and enqueues one push job per subscription.
 *
 * A recipient gets one when they have a subscription, hold no live socket (presence), and have
 * not muted the conversation — unless the message mentions them and they asked for mentions in
 * muted conversations. Bursts collapse: each push carries how many this recipient got for the
 * conversation in the current burst (messages less than the window apart) and one Web Push topic
 * per conversation, so a push service replaces the one still waiting with the newer, and the
 * service worker replaces the shown notification (its tag is the conversation id). A recipient
 * seen online starts a new burst.
 *
 * The burst counters, the push jobs and the event's completion commit in one transaction: an
 * event handled again (a crash, a retry) starts from scratch, and push job ids derive from
 * (message, subscription), so nothing is counted or queued twice.
 */
export class FanOutService {
  constructor(
    private readonly rootEm: EntityManager,
    private readonly jobs: JobQueue,
    private readonly isOnline: IsOnline,
    private readonly logger: Logger,
    private readonly options: FanOutOptions,
  ) {}

  async handle(job: Job<MessageSentEvent>): Promise<void> {
    const event = job.data;
    const em = this.rootEm.fork();
    const recipients = [...new Set(event.recipientIds)].filter((id) => id !== event.senderId);
    // Only people with a device to push to need the rest of the checks.
    const subscriptions = recipients.length > 0 ? await em.find(PushSubscription, { userId: { $in: recipients } }) : [];
    const devices = new Map<string, PushSubscription[]>();
    for (const subscription of subscriptions) devices.set(subscription.userId, [...(devices.get(subscription.userId) ?? []), subscription]);
    const candidates = [...devices.keys()];
    const online = await this.onlineAmong(candidates);
    const offline = candidates.filter((userId) => !online.has(userId));
    const [mutes, settings] = offline.length
      ? [
          await em.find(ConversationMute, { userId: { $in: offline }, conversationId: event.conversationId }),
          await em.find(NotificationSettings, { userId: { $in: offline } }),
        ]
      : [[], []];
    const muteOf = new Map(mutes.map((mute) => [mute.userId, mute]));
    const settingsOf = new Map(settings.map((row) => [row.userId, row]));
    const mentioned = new Set(event.mentionedUserIds);
    const due = offline.filter(
      (userId) => !muteOf.get(userId)?.isActive() || (mentioned.has(userId) && settingsOf.get(userId)?.notifyMentionsWhenMuted === true),
    );

    await em.transactional(async (tx) => {
      if (online.size > 0) await this.endBursts(tx, [...online], event.conversationId);
      const counts = due.length > 0 ? await this.countBursts(tx, due, event.conversationId) : new Map<string, number>();
      const pushes = due.flatMap((userId) =>
        devices.get(userId)!.map((subscription) =>
          pushJob(
            {
              messageId: event.messageId,
              subscriptionId: subscription.id,
              userId,
              payload: {
                conversationId: event.conversationId,
                title: titleOf(event),
                senderName: event.senderName,
                preview: settingsOf.get(userId)?.showPreviews === false ? null : event.text,
                seq: event.seq,
                count: counts.get(userId) ?? 1,
              },
              urgency: event.conversationKind === 'DIRECT' || mentioned.has(userId) ? 'high' : 'normal',
              topic: topicFor(event.conversationId),
              rateLimited: 0,
            } satisfies PushJob,
            this.options.pushRetry,
          ),
        ),
      );
      await this.jobs.enqueueManyInTransaction(tx, pushQueue, pushes);
      await this.jobs.completeInTransaction(tx, messageSentQueue, job);
    });
  }

  /** The users among `userIds` who are online; a presence failure counts as offline (a push too many beats a missed one). */
  private async onlineAmong(userIds: string[]): Promise<Set<string>> {
    let failure: unknown = null;
    const online = await Promise.all(
      userIds.map((userId) =>
        this.isOnline(userId).catch((error: unknown) => {
          failure = error;
          return false;
        }),
      ),
    );
    if (failure) this.logger.warn({ err: failure }, 'presence lookup failed; treating those users as offline');
    return new Set(userIds.filter((_userId, index) => online[index]));
  }

  /** Adds this push to each user's burst for the conversation (a new burst after a quiet window); returns the counts. */
  private async countBursts(tx: EntityManager, userIds: string[], conversationId: string): Promise<Map<string, number>> {
    const rows = await tx.execute<Array<{ user_id: string; count: number }>>(
      `insert into "notifications"."burst" as b ("user_id", "conversation_id", "count", "last_at")
       select u, ?, 1, clock_timestamp() from unnest(array[?]::text[]) as u
       on conflict ("user_id", "conversation_id") do update set
         "count" = case when b."last_at" > clock_timestamp() - make_interval(secs => ?) then b."count" + 1 else 1 end,
         "last_at" = clock_timestamp()
       returning "user_id", "count"`,
      [conversationId, userIds, this.options.burstWindowSeconds],
    );
    return new Map(rows.map((row) => [row.user_id, row.count]));
  }

  /** Someone online reads as messages arrive: their next push starts a new burst. */
  private async endBursts(tx: EntityManager, userIds: string[], conversationId: string): Promise<void> {
    await tx.execute(`delete from "notifications"."burst" where "conversation_id" = ? and "user_id" = any(array[?]::text[])`, [
      conversationId,
      userIds,
    ]);
  }
}

/** The notification's heading: the conversation's title, or who wrote for a direct conversation (or an untitled group). */
function titleOf(event: MessageSentEvent): string {
  const title = event.conversationKind === 'DIRECT' ? null : event.conversationTitle;
  return title ?? event.senderName ?? 'New message';
}
