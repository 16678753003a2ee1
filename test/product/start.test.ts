import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@chirpchat/kit';
import { repoRoot } from '../support/environment.js';
import { graphql, registerUser, subscribe, wsClient } from '../support/graphql.js';
import type { ChildProcess } from 'node:child_process';

// `npm start` on a machine with only Node: no DATABASE_URL, no REDIS_URL.
describe('npm start on the embedded defaults', () => {
  let child: ChildProcess;
  let output = '';
  let dataDir: string;
  let base: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'chirpchat-start-'));
    // As root, the embedded PostgreSQL runs as the `postgres` user, which must reach the folder.
    await chmod(dataDir, 0o755);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
    };
    // The built entry point that `npm start` runs after its build step (npm test has just built).
    child = spawn(process.execPath, [path.join(repoRoot, 'router/dist/src/start.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`))),
    );
    const up = new Promise<void>((resolve) => {
      const check = () => (output.includes('ChirpChat is up') ? resolve() : undefined);
      child.stdout!.on('data', check);
      child.stderr!.on('data', check);
    });
    await Promise.race([up, exited]);
    exited.catch(() => undefined);
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('says which defaults it used', () => {
    expect(output).toMatch(/embedded PostgreSQL/);
    expect(output).toMatch(/in-memory bus/);
  });

  it('answers /health', async () => {
    const response = await fetch(`${base}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('serves the web app at the same URL', async () => {
    const response = await fetch(`${base}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<div id="app"></div>');
    expect((await fetch(`${base}/sw.js`)).status).toBe(200);
  });

  it('carries a message between two users', async () => {
    const url = `${base}/graphql`;
    const alice = await registerUser(url, 'alice');
    const bob = await registerUser(url, 'bob');
    const created = await graphql(
      url,
      `
        mutation ($peer: ID!) {
          createConversation(input: { kind: DIRECT, memberIds: [$peer] }) {
            id
          }
        }
      `,
      { peer: bob.id },
      alice.accessToken,
    );
    const conversationId = created.data!.createConversation.id;
    const client = wsClient(url.replace(/^http/, 'ws'), bob.accessToken);
    const live = subscribe(client, `subscription($id: ID) { messageAdded(conversationId: $id) { seq text sender { displayName } } }`, {
      id: conversationId,
    });

    // Nothing outside the process can see when its in-memory subscription is active, so keep
    // sending until the first message arrives; every later one must then follow in order.
    const send = (n: number) =>
      graphql(
        url,
        `
          mutation ($id: ID!, $c: String!, $t: String) {
            sendMessage(input: { conversationId: $id, clientId: $c, text: $t }) {
              seq
            }
          }
        `,
        { id: conversationId, c: `m${n}`, t: `hello ${n}` },
        alice.accessToken,
      );
    let first: Awaited<ReturnType<typeof live.next>> | undefined;
    for (let n = 1; !first && n <= 50; n++) {
      await send(n);
      first = await live.next(200).catch(() => undefined);
    }
    expect(first?.data?.messageAdded.sender.displayName).toBe(alice.displayName);
    // From the first event on, every message arrives once and in order, up to one sent last.
    const last = await send(1000);
    const lastSeq = last.data!.sendMessage.seq as number;
    const seqs = [first!.data!.messageAdded.seq as number];
    while (seqs.at(-1)! < lastSeq) seqs.push((await live.next()).data!.messageAdded.seq as number);
    expect(seqs).toEqual(Array.from({ length: lastSeq - seqs[0]! + 1 }, (_, i) => seqs[0]! + i));
    await live.close();
    await client.dispose();
  });
});
