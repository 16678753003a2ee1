import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { freePort } from '@chirpchat/kit';
import { repoRoot } from '../support/environment.js';

/** The product as `npm start` runs it, seen from outside. */
export interface StartedProduct {
  /** The router's origin, e.g. `http://127.0.0.1:41234`: the app, the API and the media paths. */
  origin: string;
  /** `POST` GraphQL endpoint. */
  url: string;
  /** graphql-ws endpoint. */
  wsUrl: string;
  /** The data directory, absolute: `<checkout>/.data/…`. */
  dataDir: string;
  /** Everything the process has printed so far (stdout and stderr). */
  output(): string;
  /** Stops the process (SIGTERM, as Ctrl-C would) and removes its data directory. */
  stop(): Promise<void>;
}

/**
 * Starts the built entry point that `npm start` runs after its build step (npm test has just
 * built), the way a new user gets it: no DATABASE_URL, REDIS_URL or CLOUDINARY_URL (CI exports
 * the first two, so the environment is built from scratch), hence the embedded PostgreSQL, the
 * in-memory bus and the local media store; and the data directory inside the checkout under the
 * `.data` dot-folder, resolved by the same code as the default `.data` (a folder of its own, so a
 * developer's own `npm start` data is left alone).
 */
export async function startProduct(): Promise<StartedProduct> {
  const relativeDataDir = path.join('.data', `npm-start-test-${randomBytes(4).toString('hex')}`);
  const dataDir = path.join(repoRoot, relativeDataDir);
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/root',
    PORT: String(port),
    DATA_DIR: relativeDataDir,
    LOG_LEVEL: 'info',
  };
  let output = '';
  const child: ChildProcess = spawn(process.execPath, [path.join(repoRoot, 'router/dist/src/start-product.js')], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const up = new Promise<void>((resolve, reject) => {
    const check = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ChirpChat is up')) resolve();
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    void exited.then((code) => reject(new Error(`npm start exited with ${code} before it was up:\n${output}`)));
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    await up;
  } catch (error) {
    await stop();
    throw error;
  }
  const origin = `http://127.0.0.1:${port}`;
  return { origin, url: `${origin}/graphql`, wsUrl: `ws://127.0.0.1:${port}/graphql`, dataDir, output: () => output, stop };
}
