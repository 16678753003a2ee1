import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { freePort } from '@chirpchat/kit';
import { waitUntil } from './async.js';

/** A `redis-server` of a test's own on a free loopback port, which the test stops and starts again (same port) to inject an outage. */
export interface RedisServer {
  url: string;
  port: number;
  /** Kills the server at once (SIGKILL: no goodbye to its clients, as a crash or a partition looks). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty, and waits until it answers PING. */
  start(): Promise<void>;
  /** Stops it for good. */
  close(): Promise<void>;
}

/**
 * Why no test Redis can be started here (no `redis-server` on the PATH), or undefined when it
 * can. With `CI=true` a missing binary is an error, not a reason to skip.
 */
export function redisServerUnavailable(): string | undefined {
  const probe = spawnSync('redis-server', ['--version'], { stdio: 'ignore' });
  if (!probe.error) return undefined;
  const reason = 'redis-server is not on the PATH (apt-get install redis-server), so no Redis outage can be injected';
  if (process.env.CI === 'true') throw new Error(`CI=true but ${reason}`);
  return reason;
}

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let server: ChildProcess | null = null;
  const kill = () => server?.kill('SIGKILL');
  process.once('exit', kill);
  const start = async () => {
    if (server) return;
    const started = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    server = started;
    started.once('exit', () => {
      if (server === started) server = null;
    });
    const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await waitUntil(
        async () => {
          try {
            if (probe.status !== 'ready') await probe.connect();
            return (await probe.ping()) === 'PONG';
          } catch {
            probe.disconnect();
            return false;
          }
        },
        { timeoutMs: 10_000, intervalMs: 50, message: `redis-server on port ${port} did not answer PING` },
      );
    } finally {
      probe.disconnect();
    }
  };
  const stop = async () => {
    const running = server;
    if (!running) return;
    server = null;
    const exited = once(running, 'exit');
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    start,
    stop,
    async close() {
      process.off('exit', kill);
      await stop();
    },
  };
}
