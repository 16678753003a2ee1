import { availableParallelism } from 'node:os';
import type { Cluster, Redis } from 'ioredis';
import {
  BurstyRateLimiter,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
  type RateLimiterStoreAbstract,
} from 'rate-limiter-flexible';
import { z } from 'zod';
import { AppError, ErrorCode } from './errors.js';
import type { Logger } from './logger.js';
import { connectRedis, type RedisTarget } from './redis.js';

/** One limit: at most `points` actions per `durationSeconds`; past it, refused for `blockSeconds` when given (else until the window ends). */
export interface Limit {
  points: number;
  durationSeconds: number;
  blockSeconds?: number;
}

/**
 * Every limit the product applies, with its defaults (README, "Limits"). Keys are who is counted:
 * an account name, a client address, a user, a conversation.
 */
export const defaultRateLimits = {
  /**
   * Wrong passwords per account name tried (existing or not, so a refusal tells nothing): this many
   * are free within the window, then each further one blocks the name for 2^(n − points) s, up to
   * `blockSeconds` (progressive back-off). A successful sign-in clears it.
   */
  signInAccount: { points: 5, durationSeconds: 3600, blockSeconds: 900 },
  /** Wrong passwords per client address, whatever the account; past it the address waits `blockSeconds`. */
  signInAddress: { points: 30, durationSeconds: 900, blockSeconds: 900 },
  /** New accounts per client address. */
  register: { points: 10, durationSeconds: 3600 },
  /** Messages per user, sustained. */
  send: { points: 5, durationSeconds: 1 },
  /** Messages per user on top of `send`, for a burst (pasting, sending several files). */
  sendBurst: { points: 30, durationSeconds: 30 },
  /** Messages per conversation, from everyone in it. */
  sendConversation: { points: 50, durationSeconds: 1 },
  /** Upload tickets per user. */
  upload: { points: 30, durationSeconds: 60 },
  /** Reactions added or removed per user. */
  reaction: { points: 30, durationSeconds: 10 },
  /** `setTyping` calls per user. */
  typing: { points: 20, durationSeconds: 10 },
  /** Message and user searches per user. */
  search: { points: 30, durationSeconds: 60 },
  /** WebSocket connections opened per user (shared by every router). */
  socketConnect: { points: 30, durationSeconds: 60 },
  /** graphql-ws messages (subscribe, complete, ping) per socket; past it the socket is closed with 4029. */
  socketMessages: { points: 100, durationSeconds: 10 },
} satisfies Record<string, Limit>;

export type RateLimitRule = keyof typeof defaultRateLimits;
export type RateLimitTable = Record<RateLimitRule, Limit>;
/** Limits to change from the defaults; `off` turns every limit off (benchmarks of raw capacity only). */
export type RateLimitSettings = Partial<Record<RateLimitRule, Partial<Limit>>> | 'off';

const limitSchema = z
  .object({
    points: z.number().int().min(1),
    durationSeconds: z.number().int().min(1),
    blockSeconds: z.number().int().min(1).optional(),
  })
  .partial()
  .strict();
const rules = Object.keys(defaultRateLimits) as [RateLimitRule, ...RateLimitRule[]];

/**
 * Reads `RATE_LIMITS`: `off`, or JSON naming the limits to change, e.g.
 * `{"send":{"points":10},"register":{"points":50,"durationSeconds":3600}}`. Returns what is wrong as a string.
 */
export function parseRateLimits(value: string): RateLimitSettings | string {
  if (value.trim() === 'off') return 'off';
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return 'must be "off" or JSON such as {"send":{"points":10,"durationSeconds":1}}';
  }
  const parsed = z.partialRecord(z.enum(rules), limitSchema).safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return `is wrong at ${issue.path.join('.') || 'the top'}: ${issue.message} (limits: ${rules.join(', ')})`;
  }
  return parsed.data;
}

/** A refusal: the caller did this too often and may again in `retryAfterSeconds`. Nothing was done. */
export class RateLimitedError extends AppError {
  constructor(message: string, retryAfterSeconds: number) {
    super(ErrorCode.RATE_LIMITED, `${message} Try again in ${retryAfterSeconds} s.`, { retryAfterSeconds });
  }
}

const messages: Record<RateLimitRule, string> = {
  signInAccount: 'Too many wrong passwords for this account.',
  signInAddress: 'Too many wrong passwords from your network.',
  register: 'Too many new accounts from your network.',
  send: 'You are sending messages too fast.',
  sendBurst: 'You are sending messages too fast.',
  sendConversation: 'This conversation is receiving messages too fast.',
  upload: 'You are uploading too many files.',
  reaction: 'You are reacting too fast.',
  typing: 'Too many typing updates.',
  search: 'You are searching too often.',
  socketConnect: 'You are opening too many connections.',
  socketMessages: 'Too many messages on this connection.',
};

export interface RateLimitsOptions extends RedisTarget {
  /** Limits to change from the defaults, or `off`. @default the defaults */
  limits?: RateLimitSettings | undefined;
  /** Put before every Redis key (tests give each product its own). @default 'chirpchat:limit:' */
  prefix?: string;
  logger?: Logger;
}

/**
 * Rate limits on rate-limiter-flexible: in Redis when one is configured, so every instance counts
 * together, else in this process (the embedded mode, one process). A Redis that does not answer
 * within `REDIS_TIMEOUT_MS` (or is away) never blocks a request: that call counts in this
 * process's memory instead (the library's insurance limiter) and the limit holds per instance.
 */
export class RateLimits {
  readonly table: RateLimitTable;
  readonly enabled: boolean;
  readonly store: 'redis' | 'memory';
  private readonly limiters = new Map<RateLimitRule, RateLimiterAbstract>();
  private readonly sendLimiter: BurstyRateLimiter | null;
  /** Where the sign-in back-off is: a key present blocks the account name until it expires. */
  private readonly signInBlocks: RateLimiterAbstract;
  private readonly redis: Redis | Cluster | null;

  constructor(options: RateLimitsOptions = {}) {
    const settings = options.limits ?? {};
    this.enabled = settings !== 'off';
    this.table = Object.fromEntries(
      rules.map((rule) => [rule, { ...defaultRateLimits[rule], ...(settings === 'off' ? {} : settings[rule]) }]),
    ) as RateLimitTable;
    const prefix = options.prefix ?? 'chirpchat:limit:';
    const usesRedis = this.enabled && Boolean(options.redisUrl || options.redisCluster);
    this.store = usesRedis ? 'redis' : 'memory';
    this.redis = usesRedis
      ? connectRedis(options, {
          // Fail fast instead of queueing while Redis is away: the insurance limiter counts meanwhile.
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          commandTimeout: REDIS_TIMEOUT_MS,
          lazyConnect: false,
        })
      : null;
    this.redis?.on('error', (error: Error) => options.logger?.debug({ err: error }, 'rate limits: Redis unavailable, counting in memory'));
    const make = (name: string, limit: Limit): RateLimiterAbstract => {
      const common = {
        keyPrefix: `${prefix}${name}`,
        points: limit.points,
        duration: limit.durationSeconds,
        blockDuration: limit.blockSeconds ?? 0,
      };
      if (!this.redis) return new RateLimiterMemory(common);
      return new RateLimiterRedis({
        ...common,
        storeClient: this.redis,
        insuranceLimiter: new RateLimiterMemory(common),
      }) as RateLimiterStoreAbstract;
    };
    for (const rule of rules) this.limiters.set(rule, make(rule, this.table[rule]));
    this.sendLimiter = new BurstyRateLimiter(this.limiters.get('send')!, this.limiters.get('sendBurst')!);
    this.signInBlocks = make('signInBlock', { points: 1, durationSeconds: this.table.signInAccount.blockSeconds ?? 900 });
  }

  /**
   * Counts one action of `rule` for `key`.
   * @throws RateLimitedError past the limit (the action must then do nothing)
   */
  async consume(rule: Exclude<RateLimitRule, 'send' | 'sendBurst'>, key: string, points = 1): Promise<void> {
    if (!this.enabled) return;
    await refuseOver(rule, this.limiters.get(rule)!.consume(key, points));
  }

  /**
   * Counts one message sent by `userId` into `conversationId`: the user's sustained rate with its
   * burst allowance, then the conversation's.
   * @throws RateLimitedError past either
   */
  async consumeSend(userId: string, conversationId: string): Promise<void> {
    if (!this.enabled) return;
    await refuseOver('send', this.sendLimiter!.consume(userId));
    await refuseOver('sendConversation', this.limiters.get('sendConversation')!.consume(conversationId));
  }

  /**
   * Before a password is checked: refuses an account name in back-off or an address over its
   * failures, so a flood costs no hashing.
   * @throws RateLimitedError
   */
  async beforeSignIn(account: string, address: string | null): Promise<void> {
    if (!this.enabled) return;
    const [blocked, fromAddress] = await Promise.all([
      this.signInBlocks.get(account),
      this.limiters.get('signInAddress')!.get(addressKey(address)),
    ]);
    if (blocked && blocked.consumedPoints > 0) throw refusal('signInAccount', blocked.msBeforeNext);
    if (fromAddress && fromAddress.consumedPoints > this.table.signInAddress.points)
      throw refusal('signInAddress', fromAddress.msBeforeNext);
  }

  /** A wrong password for `account` from `address`: counts it and starts or lengthens the back-off. */
  async signInFailed(account: string, address: string | null): Promise<void> {
    if (!this.enabled) return;
    const failures = await this.limiters
      .get('signInAccount')!
      .penalty(account)
      .catch(() => null);
    await this.limiters
      .get('signInAddress')!
      .consume(addressKey(address))
      .catch(() => undefined);
    const free = this.table.signInAccount.points;
    if (failures && failures.consumedPoints > free) {
      const seconds = Math.min(2 ** (failures.consumedPoints - free), this.table.signInAccount.blockSeconds ?? 900);
      await this.signInBlocks.block(account, seconds).catch(() => undefined);
    }
  }

  /** A right password: the account name's failures are forgotten (the address's are not). */
  async signInSucceeded(account: string): Promise<void> {
    if (!this.enabled) return;
    await Promise.all([this.limiters.get('signInAccount')!.delete(account), this.signInBlocks.delete(account)]).catch(() => undefined);
  }

  /**
   * Resolves once Redis is connected, or after `timeoutMs` when it is not (then calls count in
   * memory until it is): without the wait, the first calls after start-up would count in memory.
   */
  async ready(timeoutMs = 2000): Promise<void> {
    const redis = this.redis;
    if (!redis || redis.status === 'ready') return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        redis.off('ready', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      redis.once('ready', done);
    });
  }

  async close(): Promise<void> {
    this.redis?.disconnect();
  }
}

/** How long a limit waits for Redis before counting in memory. */
const REDIS_TIMEOUT_MS = 1000;

function addressKey(address: string | null): string {
  return address ?? 'unknown';
}

function refusal(rule: RateLimitRule, msBeforeNext: number): RateLimitedError {
  return new RateLimitedError(messages[rule], Math.max(1, Math.ceil(msBeforeNext / 1000)));
}

/** Turns the library's rejection (a RateLimiterRes) into our refusal; a store error is not the caller's fault and lets it through. */
async function refuseOver(rule: RateLimitRule, consumed: Promise<unknown>): Promise<void> {
  try {
    await consumed;
  } catch (error) {
    if (error instanceof RateLimiterRes) throw refusal(rule, error.msBeforeNext);
    // Both Redis and the insurance limiter failed: never refuse (or hang) for that.
  }
}

/** A bound on concurrent work (password hashing): `run` waits its turn, and is refused when `queue` are already waiting. */
export class BoundedQueue {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly concurrency = Math.max(1, Math.floor(availableParallelism() / 2)),
    readonly queue = 32,
  ) {}

  /** @throws RateLimitedError when the queue is full */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.concurrency) {
      if (this.waiting.length >= this.queue) throw new RateLimitedError('Too many sign-ins are being checked right now.', 1);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active += 1;
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }
}
