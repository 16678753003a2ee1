import { spawn } from 'node:child_process';
import path from 'node:path';
import { generateSigningKeys } from '@chirpchat/kit';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/environment.js';

/** Runs the users process to its exit and returns what it said. */
function runMain(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'subgraphs/users/dist/src/main.js')], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

describe('the users process', () => {
  it('stops with a configuration error naming DATABASE_URL when it is not set', async () => {
    const keys = generateSigningKeys();
    const result = await runMain({ ROUTER_SECRET: 'x'.repeat(32), JWT_PUBLIC_KEY: keys.publicKey, JWT_PRIVATE_KEY: keys.privateKey });
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/^Invalid configuration: DATABASE_URL /);
  });

  it('stops with a configuration error naming REDIS_URL, which presence needs, when it is not set', async () => {
    const keys = generateSigningKeys();
    const result = await runMain({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
      ROUTER_SECRET: 'x'.repeat(32),
      JWT_PUBLIC_KEY: keys.publicKey,
      JWT_PRIVATE_KEY: keys.privateKey,
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/^Invalid configuration: REDIS_URL .*presence/);
  });

  it('names DATABASE_URL first even when nothing is configured', async () => {
    const result = await runMain({});
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('DATABASE_URL');
  });
});
