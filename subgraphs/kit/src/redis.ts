import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { ConfigError, type RedisClusterConfig } from './config.js';

/**
 * Where a process's Redis is: one server (`redisUrl`), a Redis Cluster (`redisCluster`), or
 * neither (the caller's in-memory fallback). Never both.
 */
export interface RedisTarget {
  redisUrl?: string | undefined;
  redisCluster?: RedisClusterConfig | undefined;
}

/**
 * The Redis a process was configured with (`REDIS_URL` or `REDIS_CLUSTER_NODES`, as read by `readConfig`).
 * @throws ConfigError when both are set
 */
export function redisTarget(config: { REDIS_URL?: string | undefined; REDIS_CLUSTER_NODES?: RedisClusterConfig | undefined }): RedisTarget {
  if (config.REDIS_URL && config.REDIS_CLUSTER_NODES) {
    throw new ConfigError(
      'REDIS_CLUSTER_NODES',
      'is set together with REDIS_URL: set REDIS_URL for one Redis or REDIS_CLUSTER_NODES for a Redis Cluster, not both',
    );
  }
  return { redisUrl: config.REDIS_URL, redisCluster: config.REDIS_CLUSTER_NODES };
}

/** A connection to the target's Redis (one server or a cluster), with `options` for every node connection. */
export function connectRedis(
  target: RedisTarget,
  options: RedisOptions,
  clusterOptions: Omit<ClusterOptions, 'redisOptions'> = {},
): Redis | Cluster {
  if (target.redisUrl && target.redisCluster) throw new Error('Give either redisUrl or redisCluster, not both');
  if (target.redisUrl) return new Redis(target.redisUrl, options);
  if (!target.redisCluster) throw new Error('No Redis configured');
  const { nodes, username, password, tls } = target.redisCluster;
  return new Cluster(nodes, {
    ...clusterOptions,
    redisOptions: { ...options, username, password, ...(tls ? { tls: {} } : {}) },
  });
}
