import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort, type RedisClusterConfig } from '@chirpchat/kit';
import { waitUntil } from './async.js';

/** A real Redis Cluster of a few masters on loopback, each its own `redis-server` process. */
export interface RedisCluster {
  /** The masters' ports, in the order they were started. */
  ports: number[];
  /** What `REDIS_CLUSTER_NODES` would say: every node, `127.0.0.1:port,…`. */
  nodesVariable: string;
  /** The same, as `createBus` and `createPresenceStore` take it. */
  config: RedisClusterConfig;
  /** A plain connection to one node (the caller disconnects it). */
  node(port: number): Redis;
  /** The port of the master that owns the slot of `key` (a key or a sharded channel name). */
  ownerOf(key: string): Promise<number>;
  /**
   * Moves the (keyless) slot of `key` to the master at `port`, the way a resharding does it:
   * IMPORTING on the new owner, MIGRATING on the old one, then SETSLOT NODE on every master.
   */
  moveSlot(key: string, port: number): Promise<void>;
  /** Stops every node and removes their files. */
  stop(): Promise<void>;
}

/**
 * Why a Redis Cluster cannot be started here (no `redis-server` or `redis-cli` on the PATH), or
 * undefined when it can. With `CI=true` a missing binary is an error, not a reason to skip.
 */
export function redisClusterUnavailable(): string | undefined {
  for (const binary of ['redis-server', 'redis-cli']) {
    const probe = spawnSync(binary, ['--version'], { stdio: 'ignore' });
    if (probe.error) {
      const reason = `${binary} is not on the PATH (apt-get install redis-server), so no Redis Cluster can be started`;
      if (process.env.CI === 'true') throw new Error(`CI=true but ${reason}`);
      return reason;
    }
  }
  return undefined;
}

/**
 * Starts `masters` redis-server processes with cluster mode on, free ports and their files in a
 * temporary folder, joins them with `redis-cli --cluster create` (no replicas: each master owns a
 * third of the slots) and waits until every node reports `cluster_state:ok`.
 */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const dir = await mkdtemp(path.join(tmpdir(), 'chirpchat-redis-cluster-'));
  const servers: ChildProcess[] = [];
  const ports: number[] = [];
  const output: string[] = [];
  // Should the test process end without stop() (a crash, a timeout), the servers go with it.
  const killAll = () => servers.forEach((server) => server.kill('SIGKILL'));
  process.once('exit', killAll);
  const stop = async () => {
    process.off('exit', killAll);
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            if (server.exitCode !== null || server.signalCode !== null) return resolve();
            server.once('exit', () => resolve());
            server.kill('SIGKILL');
          }),
      ),
    );
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      // The cluster bus port is given explicitly: the default, port + 10000, may be taken or past 65535.
      const [port, busPort] = [await freePort(), await freePort()];
      // prettier-ignore
      const args = [
        '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-port', String(busPort),
        '--cluster-config-file', path.join(dir, `nodes-${port}.conf`), '--dir', dir,
        '--save', '', '--appendonly', 'no', '--daemonize', 'no',
      ];
      const server = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      server.stdout!.on('data', (chunk) => output.push(String(chunk)));
      server.stderr!.on('data', (chunk) => output.push(String(chunk)));
      servers.push(server);
      ports.push(port);
    }
    for (const port of ports) await waitForPing(port);
    const create = spawnSync(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${create.stdout}${create.stderr}`);
    for (const port of ports) {
      const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
      try {
        await waitUntil(async () => (await client.cluster('INFO')).includes('cluster_state:ok'), {
          timeoutMs: 15_000,
          intervalMs: 50,
          message: `Redis Cluster node ${port} never reported cluster_state:ok`,
        });
      } finally {
        client.disconnect();
      }
    }
  } catch (error) {
    await stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\nredis-server output:\n${output.join('')}`, {
      cause: error,
    });
  }
  const node = (port: number) => new Redis({ port, host: '127.0.0.1' });
  const ownerOf = async (key: string): Promise<number> => {
    const client = node(ports[0]!);
    try {
      const slot = await client.cluster('KEYSLOT', key);
      const range = (await client.cluster('SLOTS')).find(([from, to]) => slot >= from && slot <= to);
      if (!range?.[2]) throw new Error(`No node owns slot ${slot}`);
      return range[2][1];
    } finally {
      client.disconnect();
    }
  };
  return {
    ports,
    nodesVariable: ports.map((port) => `127.0.0.1:${port}`).join(','),
    config: { nodes: ports.map((port) => ({ host: '127.0.0.1', port })), tls: false },
    node,
    ownerOf,
    async moveSlot(key, port) {
      const fromPort = await ownerOf(key);
      const [from, to] = [node(fromPort), node(port)];
      try {
        const slot = await from.cluster('KEYSLOT', key);
        const [fromId, toId] = [await from.cluster('MYID'), await to.cluster('MYID')];
        await to.cluster('SETSLOT', slot, 'IMPORTING', fromId);
        await from.cluster('SETSLOT', slot, 'MIGRATING', toId);
        await to.cluster('SETSLOT', slot, 'NODE', toId);
        await from.cluster('SETSLOT', slot, 'NODE', toId);
        // The third master would learn it by gossip; telling it too makes ownerOf() right at once.
        for (const other of ports.filter((p) => p !== port && p !== fromPort)) {
          const client = node(other);
          await client.cluster('SETSLOT', slot, 'NODE', toId).finally(() => client.disconnect());
        }
      } finally {
        from.disconnect();
        to.disconnect();
      }
    },
    stop,
  };
}

async function waitForPing(port: number): Promise<void> {
  // Each PING fails at once while the server is not up yet; the client keeps reconnecting.
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: 0 });
  try {
    await waitUntil(
      () =>
        client.ping().then(
          (reply) => reply === 'PONG',
          () => false,
        ),
      {
        timeoutMs: 10_000,
        message: `redis-server on port ${port} did not answer PING`,
      },
    );
  } finally {
    client.disconnect();
  }
}
