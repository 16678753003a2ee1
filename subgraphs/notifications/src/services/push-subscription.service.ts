import {
  AuditAction,
  AuditLog,
  BadUserInputError,
  isBase64urlKey,
  type AuditEntry,
  type ClientInfo,
  type EntityManager,
  type Viewer,
} from '@chirpchat/kit';
import { PushSubscription } from '../entities/push-subscription.entity.js';
import type { PushSubscriptionInput } from '../inputs/push-subscription.input.js';
import type { EndpointPolicy, EndpointProblem } from './endpoint-policy.js';

const MAX_ENDPOINT = 2048;
const MAX_USER_AGENT = 512;
/** Devices per user; registering one more drops the one that was refreshed longest ago. */
const MAX_PER_USER = 20;

const endpointMessages: Record<EndpointProblem, string> = {
  'not-a-url': 'endpoint must be the absolute URL from PushSubscription.endpoint.',
  'not-https': 'endpoint must be an https URL.',
  credentials: 'endpoint must not contain a user name or password.',
  'private-address': 'endpoint must be on a public address: push services are on the internet.',
  unresolvable: 'The endpoint’s host name does not resolve: check the endpoint, or try again later.',
};

/**
 * Registering and removing a user's Web Push subscriptions (one per browser). Each one added
 * or removed at the user's request is audited (`push_subscription.added`, `.removed`) in the
 * same transaction, with their client; refreshing the keys of their own subscription is not.
 */
export class PushSubscriptionService {
  constructor(private readonly policy: EndpointPolicy) {}

  /**
   * Stores the subscription, or updates the one with the same endpoint (new keys, and the viewer
   * as its owner if another account had it: one browser, one subscription).
   * @throws BadUserInputError, storing nothing, for an endpoint that is not an https URL on a public
   *   address (unless allowlisted) or keys of the wrong form
   */
  async register(
    em: EntityManager,
    viewer: Viewer,
    input: PushSubscriptionInput,
    client: ClientInfo | null = null,
  ): Promise<PushSubscription> {
    const endpoint = input.endpoint.trim();
    if (endpoint === '' || endpoint.length > MAX_ENDPOINT) {
      throw new BadUserInputError(`endpoint must have 1 to ${MAX_ENDPOINT} characters.`, 'endpoint');
    }
    // Some encoders pad base64url; the key is the same without it.
    const p256dh = input.keys.p256dh.trim().replace(/=+$/, '');
    const auth = input.keys.auth.trim().replace(/=+$/, '');
    if (!isBase64urlKey(p256dh, 65, 0x04)) {
      throw new BadUserInputError(
        'keys.p256dh must be the browser’s P-256 public key in base64url (65 bytes, uncompressed).',
        'keys.p256dh',
      );
    }
    if (!isBase64urlKey(auth, 16)) {
      throw new BadUserInputError('keys.auth must be the browser’s auth secret in base64url (16 bytes).', 'keys.auth');
    }
    const check = await this.policy.check(endpoint);
    if (!check.ok) throw new BadUserInputError(endpointMessages[check.problem], 'endpoint');
    const userAgent = input.userAgent?.trim().slice(0, MAX_USER_AGENT) || null;

    const row = await em.transactional(async (tx) => {
      // The CTE sees the table as it was before the upsert: who had this browser until now.
      const [stored] = await tx.execute<Array<Record<string, unknown> & { previous_user_id: string | null }>>(
        `with "previous" as (select "user_id" from "notifications"."push_subscription" where "endpoint" = ?)
         insert into "notifications"."push_subscription" ("id", "user_id", "endpoint", "p256dh", "auth", "user_agent", "created_at", "updated_at")
         values (gen_random_uuid(), ?, ?, ?, ?, ?, now(), now())
         on conflict ("endpoint") do update set "user_id" = excluded."user_id", "p256dh" = excluded."p256dh", "auth" = excluded."auth",
           "user_agent" = excluded."user_agent", "updated_at" = excluded."updated_at"
         returning *, (select "user_id" from "previous") as "previous_user_id"`,
        [endpoint, viewer.id, endpoint, p256dh, auth, userAgent],
      );
      const dropped = await tx.execute<Array<{ id: string }>>(
        `delete from "notifications"."push_subscription" where "user_id" = ? and "id" not in
           (select "id" from "notifications"."push_subscription" where "user_id" = ? order by "updated_at" desc limit ?)
         returning "id"`,
        [viewer.id, viewer.id, MAX_PER_USER],
      );
      const { previous_user_id: previous, ...subscription } = stored!;
      const id = String(subscription.id);
      const events: AuditEntry[] = dropped.map((old) => ({
        action: AuditAction.PUSH_SUBSCRIPTION_REMOVED,
        actorId: viewer.id,
        targetUserId: viewer.id,
        subjectId: old.id,
        client,
        detail: { reason: 'device-limit' },
      }));
      if (previous !== viewer.id) {
        events.unshift({ action: AuditAction.PUSH_SUBSCRIPTION_ADDED, actorId: viewer.id, targetUserId: viewer.id, subjectId: id, client });
        // The browser now belongs to another account; its previous owner is not told who.
        if (previous)
          events.push({
            action: AuditAction.PUSH_SUBSCRIPTION_REMOVED,
            targetUserId: previous,
            subjectId: id,
            detail: { reason: 'taken-over' },
          });
      }
      await AuditLog.record(tx, events);
      return subscription;
    });
    return em.map(PushSubscription, row);
  }

  /** Removes the viewer's subscription with this endpoint; false when they have none with it. */
  async unregister(em: EntityManager, viewer: Viewer, endpoint: string, client: ClientInfo | null = null): Promise<boolean> {
    return em.transactional(async (tx) => {
      const removed = await tx.execute<Array<{ id: string }>>(
        `delete from "notifications"."push_subscription" where "user_id" = ? and "endpoint" = ? returning "id"`,
        [viewer.id, endpoint.trim()],
      );
      await AuditLog.record(
        tx,
        removed.map((row) => ({
          action: AuditAction.PUSH_SUBSCRIPTION_REMOVED,
          actorId: viewer.id,
          targetUserId: viewer.id,
          subjectId: row.id,
          client,
        })),
      );
      return removed.length > 0;
    });
  }

  /** The viewer's subscriptions, newest first. */
  list(em: EntityManager, viewer: Viewer): Promise<PushSubscription[]> {
    return em.find(PushSubscription, { userId: viewer.id }, { orderBy: { createdAt: 'desc', id: 'asc' } });
  }
}
