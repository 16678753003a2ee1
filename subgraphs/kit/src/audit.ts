import type pg from 'pg';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ClientInfo } from './auth.js';
import { withAdvisoryLock } from './database.js';
import { BadUserInputError } from './errors.js';

/**
 * What the audit trail records. The names are stored, so they never change; a new kind of
 * event gets a new name.
 */
export const AuditAction = {
  SIGN_IN_SUCCEEDED: 'sign_in.succeeded',
  SIGN_IN_FAILED: 'sign_in.failed',
  REFRESH_TOKEN_REUSED: 'refresh_token.reused',
  PASSWORD_CHANGED: 'password.changed',
  SESSION_REVOKED: 'session.revoked',
  ACCOUNT_DELETED: 'account.deleted',
  PUSH_SUBSCRIPTION_ADDED: 'push_subscription.added',
  PUSH_SUBSCRIPTION_REMOVED: 'push_subscription.removed',
  MEMBER_ADDED: 'member.added',
  MEMBER_REMOVED: 'member.removed',
  MEMBER_LEFT: 'member.left',
  MEMBER_ROLE_CHANGED: 'member.role_changed',
  MESSAGE_DELETED_FOR_EVERYONE: 'message.deleted_for_everyone',
  MEDIA_DELETED: 'media.deleted',
} as const;
export type AuditAction = (typeof AuditAction)[keyof typeof AuditAction];

/** What a person sees of their own account in `mySecurityEvents`. */
export const SECURITY_ACTIONS: readonly AuditAction[] = [
  AuditAction.SIGN_IN_SUCCEEDED,
  AuditAction.SIGN_IN_FAILED,
  AuditAction.REFRESH_TOKEN_REUSED,
  AuditAction.PASSWORD_CHANGED,
  AuditAction.SESSION_REVOKED,
  AuditAction.ACCOUNT_DELETED,
  AuditAction.PUSH_SUBSCRIPTION_ADDED,
  AuditAction.PUSH_SUBSCRIPTION_REMOVED,
];

/** What a conversation's owners see in `conversationAuditLog`: membership and moderation. */
export const CONVERSATION_ACTIONS: readonly AuditAction[] = [
  AuditAction.MEMBER_ADDED,
  AuditAction.MEMBER_REMOVED,
  AuditAction.MEMBER_LEFT,
  AuditAction.MEMBER_ROLE_CHANGED,
  AuditAction.MESSAGE_DELETED_FOR_EVERYONE,
];

/** One event to record. Ids are the owning subgraphs' ids, kept as they are (no foreign keys across schemas). */
export interface AuditEntry {
  action: AuditAction;
  /** Who did it; null for the system (a job) or an unknown person (a failed sign-in). */
  actorId?: string | null;
  /** Whom it concerns, when that is a person other than (or as well as) the actor. */
  targetUserId?: string | null;
  conversationId?: string | null;
  /** The thing acted on: a message, a media file, a session family, a push subscription. */
  subjectId?: string | null;
  /** The person's client as the router forwarded it; null for the system. */
  client?: ClientInfo | null;
  /** Anything else worth keeping (the login tried, the old and new role). Never secrets. */
  detail?: Record<string, unknown>;
}

/** A recorded event, as read back. */
export interface AuditRecord {
  id: string;
  at: Date;
  action: string;
  actorId: string | null;
  targetUserId: string | null;
  conversationId: string | null;
  subjectId: string | null;
  address: string | null;
  userAgent: string | null;
  detail: Record<string, unknown>;
}

/** Which events to read, newest first. */
export interface AuditQuery {
  actions: readonly string[];
  /** Events this person did or that concern them. */
  userId?: string;
  conversationId?: string;
  first: number;
  /** An event id: only events older than it. */
  before?: string | null;
}

/** The most events one page may ask for. */
export const AUDIT_FIRST_MAX = 100;
const MAX_TEXT = 512;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface AuditRow {
  id: string;
  at: Date | string;
  action: string;
  actor_id: string | null;
  target_user_id: string | null;
  conversation_id: string | null;
  subject_id: string | null;
  address: string | null;
  user_agent: string | null;
  detail: Record<string, unknown> | string | null;
}

/**
 * The audit trail every subgraph writes to: one append-only table, `audit.events`, shared like
 * pg-boss's `pgboss` schema. Record an event through the EntityManager of the action's own
 * transaction (`tx` inside `em.transactional`), so an action that rolls back leaves no event;
 * where an action has no transaction, record right after it succeeded.
 */
export const AuditLog = {
  /** Inserts the events, in the transaction `em` is in (if any). */
  async record(em: EntityManager, entries: AuditEntry | readonly AuditEntry[]): Promise<void> {
    const list: readonly AuditEntry[] = Array.isArray(entries) ? entries : [entries as AuditEntry];
    if (list.length === 0) return;
    const values = list.map(() => '(gen_random_uuid(), ?, ?, ?, ?, ?, ?, ?, ?::jsonb)').join(', ');
    const params = list.flatMap((entry) => [
      entry.action,
      entry.actorId ?? null,
      entry.targetUserId ?? null,
      entry.conversationId ?? null,
      entry.subjectId ?? null,
      clip(entry.client?.address),
      clip(entry.client?.userAgent),
      JSON.stringify(entry.detail ?? {}),
    ]);
    await em.execute(
      `insert into "audit"."events" ("id", "action", "actor_id", "target_user_id", "conversation_id", "subject_id", "address", "user_agent", "detail")
       values ${values}`,
      params,
    );
  },

  /**
   * The events that match, newest first (ties in the order they were written).
   * @throws BadUserInputError for `first` outside 1–100 or a `before` that is no event id
   */
  async list(em: EntityManager, query: AuditQuery): Promise<AuditRecord[]> {
    if (!Number.isInteger(query.first) || query.first < 1 || query.first > AUDIT_FIRST_MAX) {
      throw new BadUserInputError(`Ask for 1 to ${AUDIT_FIRST_MAX} events at a time.`, 'first');
    }
    const where = ['"action" = any(?::text[])'];
    const params: unknown[] = [em.getPlatform().marshallArray([...query.actions])];
    if (query.userId !== undefined) {
      where.push('("actor_id" = ?::uuid or "target_user_id" = ?::uuid)');
      params.push(query.userId, query.userId);
    }
    if (query.conversationId !== undefined) {
      where.push('"conversation_id" = ?::uuid');
      params.push(query.conversationId);
    }
    if (query.before) {
      if (!UUID.test(query.before)) throw new BadUserInputError('before must be the id of an event from an earlier page.', 'before');
      where.push('("at", "seq") < (select "at", "seq" from "audit"."events" where "id" = ?::uuid)');
      params.push(query.before);
    }
    const rows = await em.execute<AuditRow[]>(
      `select * from "audit"."events" where ${where.join(' and ')} order by "at" desc, "seq" desc limit ?`,
      [...params, query.first],
    );
    return rows.map(toRecord);
  },
};

/**
 * Creates the `audit` schema, its table, indexes and the trigger that keeps it append-only,
 * idempotently; every subgraph runs it at start, instances taking turns through an advisory lock.
 */
export async function ensureAuditLog(databaseUrl: string): Promise<void> {
  await withAdvisoryLock(databaseUrl, 'migrate:audit', (client) => createAuditLog(client));
}

async function createAuditLog(client: pg.Client): Promise<void> {
  await client.query(`
    create schema if not exists "audit";
    create table if not exists "audit"."events" (
      "id" uuid primary key,
      "seq" bigint generated always as identity,
      "at" timestamptz not null default clock_timestamp(),
      "action" text not null,
      "actor_id" uuid null,
      "target_user_id" uuid null,
      "conversation_id" uuid null,
      "subject_id" text null,
      "address" text null,
      "user_agent" text null,
      "detail" jsonb not null default '{}'
    );
    create index if not exists "events_actor_index" on "audit"."events" ("actor_id", "at" desc) where "actor_id" is not null;
    create index if not exists "events_target_user_index" on "audit"."events" ("target_user_id", "at" desc) where "target_user_id" is not null;
    create index if not exists "events_conversation_index" on "audit"."events" ("conversation_id", "at" desc) where "conversation_id" is not null;
    create or replace function "audit"."refuse_change"() returns trigger language plpgsql as $$
      begin
        raise exception 'audit.events is append-only: % is not allowed', tg_op using errcode = 'insufficient_privilege';
      end
    $$;
    drop trigger if exists "events_append_only" on "audit"."events";
    create trigger "events_append_only" before update or delete on "audit"."events"
      for each row execute function "audit"."refuse_change"();
    drop trigger if exists "events_no_truncate" on "audit"."events";
    create trigger "events_no_truncate" before truncate on "audit"."events"
      for each statement execute function "audit"."refuse_change"();
  `);
}

function clip(value: string | null | undefined): string | null {
  return value ? value.slice(0, MAX_TEXT) : null;
}

function toRecord(row: AuditRow): AuditRecord {
  return {
    id: row.id,
    at: new Date(row.at),
    action: row.action,
    actorId: row.actor_id,
    targetUserId: row.target_user_id,
    conversationId: row.conversation_id,
    subjectId: row.subject_id,
    address: row.address,
    userAgent: row.user_agent,
    detail: typeof row.detail === 'string' ? (JSON.parse(row.detail) as Record<string, unknown>) : (row.detail ?? {}),
  };
}
