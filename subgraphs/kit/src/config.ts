import { z } from 'zod';
import { parseRateLimits } from './rate-limits.js';

/** A configuration value that is missing or wrong; the message names the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

const port = z.coerce.number().int().min(0).max(65535);
const pem = (kind: 'PUBLIC' | 'PRIVATE') =>
  z
    .string()
    .transform((value) => value.replace(/\\n/g, '\n').trim())
    .refine((value) => value.startsWith(`-----BEGIN ${kind} KEY-----`), {
      message: `must be a PEM-encoded ${kind.toLowerCase()} key (-----BEGIN ${kind} KEY-----); see README, "Configuration"`,
    });
const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

/**
 * True when `value` is base64url (unpadded, as browsers and web-push print keys) that decodes to
 * exactly `bytes` bytes, the first of them `firstByte` when given (0x04: an uncompressed EC point).
 */
export function isBase64urlKey(value: string, bytes: number, firstByte?: number): boolean {
  if (!/^[A-Za-z0-9_-]+$/.test(value)) return false;
  const decoded = Buffer.from(value, 'base64url');
  return decoded.length === bytes && (firstByte === undefined || decoded[0] === firstByte);
}

const base64urlKey = (bytes: number, what: string, firstByte?: number) =>
  z
    .string()
    .trim()
    .refine((value) => isBase64urlKey(value, bytes, firstByte), {
      message: `must be ${what} in base64url (${bytes} bytes decoded); generate a pair with \`npx web-push generate-vapid-keys\``,
    });

/**
 * A Redis Cluster, as `REDIS_CLUSTER_NODES` names it: some of its nodes (ioredis asks them for
 * the rest of the cluster and its slot map) and how to log in, the same for every node.
 */
export interface RedisClusterConfig {
  nodes: Array<{ host: string; port: number }>;
  username?: string | undefined;
  password?: string | undefined;
  /** `rediss://` entries: TLS to every node. */
  tls: boolean;
}

/**
 * Reads `REDIS_CLUSTER_NODES`: comma-separated `host:port` or `redis://[user:password@]host:port`
 * (`rediss://` for TLS) entries. Returns what is wrong as a string.
 */
export function parseRedisClusterNodes(value: string): RedisClusterConfig | string {
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) return 'must list at least one node, e.g. "redis-1:6379,redis-2:6379,redis-3:6379"';
  const parsed: Array<RedisClusterConfig & { host: string; port: number }> = [];
  for (const entry of entries) {
    let url: URL;
    try {
      url = new URL(/^[a-z]+:\/\//i.test(entry) ? entry : `redis://${entry}`);
    } catch {
      return `has an entry that is neither host:port nor a redis:// URL: "${entry}"`;
    }
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return `has an entry that is not redis:// or rediss://: "${entry}"`;
    const port = Number(url.port);
    if (!url.hostname || !url.port || !Number.isInteger(port) || port < 1 || port > 65535) {
      return `has an entry without a host and port: "${entry}" (write host:port, e.g. redis-1:6379)`;
    }
    if (url.pathname !== '' && url.pathname !== '/')
      return `has an entry with a database number, which a cluster does not have: "${entry}"`;
    parsed.push({
      nodes: [],
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port,
      username: url.username ? decodeURIComponent(url.username) : undefined,
      password: url.password ? decodeURIComponent(url.password) : undefined,
      tls: url.protocol === 'rediss:',
    });
  }
  const first = parsed[0]!;
  const same = parsed.every((node) => node.tls === first.tls && node.username === first.username && node.password === first.password);
  if (!same) return 'must use one scheme and one user and password for every node (a cluster has one set of credentials)';
  return {
    nodes: parsed.map(({ host, port }) => ({ host, port })),
    username: first.username,
    password: first.password,
    tls: first.tls,
  };
}

/** The variables every ChirpChat process understands; each service picks what it needs. */
export const configFields = {
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: port,
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  /** A Redis Cluster instead of one Redis (see README, "Scaling out"): some of its nodes, comma-separated. */
  REDIS_CLUSTER_NODES: z
    .string()
    .transform((value, context) => {
      const parsed = parseRedisClusterNodes(value);
      if (typeof parsed === 'string') {
        context.addIssue({ code: 'custom', message: parsed });
        return z.NEVER;
      }
      return parsed;
    })
    .optional(),
  ROUTER_SECRET: z.string().min(16, { message: 'must be at least 16 characters' }),
  JWT_PUBLIC_KEY: pem('PUBLIC'),
  JWT_PRIVATE_KEY: pem('PRIVATE'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(10).max(86_400).default(900),
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /** Where `npm start` keeps the embedded database and generated keys. */
  DATA_DIR: z.string().min(1).default('.data'),
  USERS_URL: url(['http:', 'https:']),
  CHAT_URL: url(['http:', 'https:']),
  NOTIFICATIONS_URL: url(['http:', 'https:']),
  MEDIA_URL: url(['http:', 'https:']),
  /** How long the router waits for a subgraph's answer before the client gets SERVICE_UNAVAILABLE, in seconds. */
  SUBGRAPH_TIMEOUT_SECONDS: z.coerce.number().min(0.1).max(300).default(10),
  /**
   * Which proxies in front of the router to believe about the client's address (X-Forwarded-For),
   * as Express's `trust proxy` takes it: unset or `false` (the socket's own address), `true`
   * (every hop: only behind a proxy that overwrites the header), a number of hops, or a
   * comma-separated list of addresses/CIDRs (`loopback`, `10.0.0.0/8`, …).
   */
  TRUST_PROXY: z
    .string()
    .trim()
    .regex(/^(true|false|\d{1,2}|[\w.:/]+(\s*,\s*[\w.:/]+)*)$/, {
      message: 'must be true, false, a number of hops, or a comma-separated list of addresses/CIDRs',
    })
    .default('false'),
  /**
   * Rate limits to change from the defaults (README, "Limits"): JSON such as
   * `{"send":{"points":10,"durationSeconds":1}}`, or `off`. Unset: the defaults.
   */
  RATE_LIMITS: z
    .string()
    .transform((value, context) => {
      const parsed = parseRateLimits(value);
      if (typeof parsed === 'string') {
        context.addIssue({ code: 'custom', message: parsed });
        return z.NEVER;
      }
      return parsed;
    })
    .optional(),
  /** Signs the local media store's upload and file URLs and its processing notifications. */
  MEDIA_SECRET: z.string().min(32, { message: 'must be at least 32 characters (e.g. `openssl rand -base64 48`)' }),
  /** How long a signed media URL works, in seconds. */
  MEDIA_URL_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(600),
  /** Cloudinary for media (`cloudinary://<api_key>:<api_secret>@<cloud_name>`); unset: the local store. */
  CLOUDINARY_URL: z
    .string()
    .regex(/^cloudinary:\/\/[^:@/]+:[^@/]+@[^/?]+(\?.*)?$/, { message: 'must read cloudinary://<api_key>:<api_secret>@<cloud_name>' })
    .optional(),
  /** Cloudinary's token-based authentication key (hex), so delivery URLs expire; required with CLOUDINARY_URL. */
  CLOUDINARY_AUTH_TOKEN_KEY: z
    .string()
    .regex(/^[0-9a-f]{32,}$/i, { message: 'must be the hex key from Cloudinary’s token-based authentication settings' })
    .optional(),
  /** The router's public origin, e.g. https://chat.example.com: where Cloudinary sends its notifications. */
  PUBLIC_URL: url(['http:', 'https:']).optional(),
  /** The VAPID application server key: an uncompressed P-256 point, as browsers take it in `applicationServerKey`. */
  VAPID_PUBLIC_KEY: base64urlKey(65, 'an uncompressed P-256 public key', 0x04),
  VAPID_PRIVATE_KEY: base64urlKey(32, 'a P-256 private key'),
  /** Who push services contact about our pushes; they require a `mailto:` or `https:` URL. */
  VAPID_SUBJECT: z.string().refine(
    (value) => {
      try {
        const subject = new URL(value);
        return subject.protocol === 'https:' || (subject.protocol === 'mailto:' && subject.pathname.includes('@'));
      } catch {
        return false;
      }
    },
    { message: 'must be a mailto: address or an https: URL, e.g. mailto:admin@example.com' },
  ),
  /**
   * Push endpoints that may be on loopback or private addresses (tests, private deployments):
   * comma-separated `host:port`. Every other endpoint must be an https URL on a public address.
   */
  PUSH_ENDPOINT_ALLOWLIST: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim().toLowerCase())
        .filter((entry) => entry !== ''),
    )
    .refine((entries) => entries.every((entry) => /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+):\d{1,5}$/.test(entry)), {
      message: 'must be a comma-separated list of host:port (e.g. "127.0.0.1:8443,push.internal:443")',
    }),
} as const;

type Fields = typeof configFields;

/**
 * Reads and validates the named variables once, at start-up.
 * @throws ConfigError naming the first variable that is missing or wrong
 */
export function readConfig<K extends keyof Fields>(
  names: readonly K[],
  env: NodeJS.ProcessEnv = process.env,
  defaults: Partial<Record<K, string>> = {},
): { [P in K]: z.output<Fields[P]> } {
  const shape = Object.fromEntries(names.map((name) => [name, configFields[name]])) as Pick<Fields, K>;
  const input = Object.fromEntries(names.map((name) => [name, env[name] === undefined || env[name] === '' ? defaults[name] : env[name]]));
  const result = z.object(shape).safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const variable = String(issue.path[0]);
    const given = input[variable];
    throw new ConfigError(variable, given === undefined ? 'is required but not set' : issue.message);
  }
  return result.data as { [P in K]: z.output<Fields[P]> };
}

/** Runs a process's start-up; a configuration error stops it with a one-line message and exit code 78. */
export async function runMain(start: () => Promise<unknown>): Promise<void> {
  try {
    await start();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    process.stderr.write(`Start-up failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  }
}

/**
 * Closes a process's resources in order on SIGTERM or SIGINT (once), then exits: 0 when all
 * closed, 1 with a log line when one failed.
 */
export function stopOnSignals(
  logger: { info(obj: object, msg: string): void; error(obj: object, msg: string): void },
  ...closers: Array<() => Promise<unknown>>
): void {
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    try {
      for (const close of closers) await close();
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', (signal) => void stop(signal));
  process.once('SIGINT', (signal) => void stop(signal));
}
