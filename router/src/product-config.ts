import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  ConfigError,
  createLogger,
  generateSigningKeys,
  readConfig,
  redisTarget,
  startEmbeddedPostgres,
  type EmbeddedDatabase,
  type Logger,
} from '@chirpchat/kit';
import { generateVapidKeys, type VapidDetails } from '@chirpchat/notifications';
import { cloudinaryOptions } from '@chirpchat/media';
import { repoRoot, webDistPath } from './paths.js';
import type { ProductOptions } from './product.js';
import { trustProxySetting } from './client-info.js';

/** `npm start`'s configuration: the product's options, and what was started to provide them. */
export interface ProductConfig {
  options: ProductOptions;
  logger: Logger;
  /** Stops what the configuration started (the embedded PostgreSQL); call it after the product has closed. */
  release(): Promise<void>;
}

/**
 * Reads `npm start`'s configuration from the environment. Real PostgreSQL and Redis when
 * DATABASE_URL / REDIS_URL (or REDIS_CLUSTER_NODES) are set; otherwise an embedded PostgreSQL under DATA_DIR (started
 * here) and the product's in-memory bus and presence. The JWT key pair, the VAPID key pair and
 * the media secret are generated once and kept under DATA_DIR unless the environment sets them.
 */
export async function productConfig(env: NodeJS.ProcessEnv = process.env): Promise<ProductConfig> {
  const config = readConfig(
    [
      'NODE_ENV',
      'LOG_LEVEL',
      'HOST',
      'PORT',
      'DATABASE_URL',
      'REDIS_URL',
      'REDIS_CLUSTER_NODES',
      'DATA_DIR',
      'ACCESS_TOKEN_TTL_SECONDS',
      'REFRESH_TOKEN_TTL_DAYS',
      'PUSH_ENDPOINT_ALLOWLIST',
      'MEDIA_URL_TTL_SECONDS',
      'CLOUDINARY_URL',
      'CLOUDINARY_AUTH_TOKEN_KEY',
      'PUBLIC_URL',
      'SUBGRAPH_TIMEOUT_SECONDS',
      'TRUST_PROXY',
      'RATE_LIMITS',
    ],
    env,
    { PORT: '4000' },
  );
  const redis = redisTarget(config);
  const logger = createLogger({ level: config.LOG_LEVEL });
  const dataDir = path.resolve(repoRoot, config.DATA_DIR);
  const keys = await signingKeys(env, dataDir, logger);
  const vapid = await vapidKeys(env, dataDir, logger);
  const routerSecret = env.ROUTER_SECRET || randomBytes(32).toString('base64url');
  const mediaSecret = await persistentSecret(env, 'MEDIA_SECRET', path.join(dataDir, 'media-secret'));
  const cloudinary = cloudinaryOptions(config);

  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres(path.join(dataDir, 'pg'), logger);
    databaseUrl = embedded.url;
    logger.info('DATABASE_URL is not set: using the embedded PostgreSQL (data under %s)', path.join(dataDir, 'pg'));
  }
  if (redis.redisCluster) {
    logger.info('REDIS_CLUSTER_NODES is set: live events use the Redis Cluster’s sharded pub/sub, presence one slot of it');
  } else if (!redis.redisUrl) {
    logger.info('REDIS_URL is not set: live events use an in-memory bus, so only this one process can serve subscriptions');
  }
  logger.info(
    cloudinary
      ? 'media: Cloudinary'
      : `media: the local store under ${path.join(dataDir, 'media')} (set CLOUDINARY_URL for Cloudinary); processing needs ffmpeg on the PATH for video and audio`,
  );
  return {
    options: {
      databaseUrl,
      ...redis,
      keys,
      routerSecret,
      vapid,
      dataDir,
      mediaSecret,
      logger,
      production: config.NODE_ENV === 'production',
      host: config.HOST,
      port: config.PORT,
      webApp: webDistPath,
      rateLimits: config.RATE_LIMITS,
      users: { accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS, refreshTokenTtlDays: config.REFRESH_TOKEN_TTL_DAYS },
      notifications: { pushEndpointAllowlist: config.PUSH_ENDPOINT_ALLOWLIST },
      media: { urlTtlSeconds: config.MEDIA_URL_TTL_SECONDS, cloudinary },
      router: { subgraphTimeoutMs: config.SUBGRAPH_TIMEOUT_SECONDS * 1000, trustProxy: trustProxySetting(config.TRUST_PROXY) },
    },
    logger,
    release: async () => {
      await embedded?.stop();
    },
  };
}

/** The variable when set; otherwise a random secret generated once and kept in `file` (URLs signed with it survive restarts). */
async function persistentSecret(env: NodeJS.ProcessEnv, name: 'MEDIA_SECRET', file: string): Promise<string> {
  if (env[name]) return readConfig([name], env)[name];
  const stored = await readFile(file, 'utf8').catch(() => null);
  if (stored && stored.trim().length >= 32) return stored.trim();
  const secret = randomBytes(48).toString('base64url');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/** JWT_PRIVATE_KEY / JWT_PUBLIC_KEY when set; otherwise a pair generated once and kept under DATA_DIR. */
async function signingKeys(env: NodeJS.ProcessEnv, dataDir: string, logger: Logger): Promise<{ publicKey: string; privateKey: string }> {
  if (env.JWT_PRIVATE_KEY || env.JWT_PUBLIC_KEY) {
    const { JWT_PUBLIC_KEY, JWT_PRIVATE_KEY } = readConfig(['JWT_PUBLIC_KEY', 'JWT_PRIVATE_KEY'], env);
    return { publicKey: JWT_PUBLIC_KEY, privateKey: JWT_PRIVATE_KEY };
  }
  const dir = path.join(dataDir, 'keys');
  const files = { publicKey: path.join(dir, 'jwt-public.pem'), privateKey: path.join(dir, 'jwt-private.pem') };
  try {
    return { publicKey: await readFile(files.publicKey, 'utf8'), privateKey: await readFile(files.privateKey, 'utf8') };
  } catch {
    const keys = generateSigningKeys();
    await mkdir(dir, { recursive: true });
    await writeFile(files.privateKey, keys.privateKey, { mode: 0o600 });
    await writeFile(files.publicKey, keys.publicKey);
    logger.info({ dir }, 'generated a JWT signing key pair');
    return keys;
  }
}

/**
 * VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY (and VAPID_SUBJECT) when set; otherwise a pair generated once
 * with web-push and kept in DATA_DIR/vapid.json — browsers subscribe with the public key, so it
 * must survive restarts.
 */
async function vapidKeys(env: NodeJS.ProcessEnv, dataDir: string, logger: Logger): Promise<VapidDetails> {
  const subject = readConfig(['VAPID_SUBJECT'], env, { VAPID_SUBJECT: 'mailto:chirpchat@example.com' }).VAPID_SUBJECT;
  if (env.VAPID_PUBLIC_KEY || env.VAPID_PRIVATE_KEY) {
    const { VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY } = readConfig(['VAPID_PUBLIC_KEY', 'VAPID_PRIVATE_KEY'], env);
    return { publicKey: VAPID_PUBLIC_KEY, privateKey: VAPID_PRIVATE_KEY, subject };
  }
  const file = path.join(dataDir, 'vapid.json');
  const stored = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (stored !== null) {
    try {
      const { publicKey, privateKey } = JSON.parse(stored) as { publicKey?: string; privateKey?: string };
      const checked = readConfig(['VAPID_PUBLIC_KEY', 'VAPID_PRIVATE_KEY'], { VAPID_PUBLIC_KEY: publicKey, VAPID_PRIVATE_KEY: privateKey });
      return { publicKey: checked.VAPID_PUBLIC_KEY, privateKey: checked.VAPID_PRIVATE_KEY, subject };
    } catch {
      throw new ConfigError('DATA_DIR', `holds a damaged ${file}: restore it, or delete it for a new pair (browsers then subscribe again)`);
    }
  }
  const generated = generateVapidKeys();
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${JSON.stringify(generated, null, 2)}\n`, { mode: 0o600 });
  logger.info({ file }, 'generated a VAPID key pair for Web Push');
  return { ...generated, subject };
}
