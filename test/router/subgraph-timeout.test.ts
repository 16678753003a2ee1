import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, freePort, generateSigningKeys, readConfig, type RunningServer } from '@chirpchat/kit';
import { createPresenceStore } from '@chirpchat/kit/contracts';
import { createRouter } from '@chirpchat/router';
import { deferred } from '../support/async.js';
import { errorCode, graphql } from '../support/graphql.js';
import { repoRoot } from '../support/environment.js';

const silent = createLogger({ level: 'silent' });
const timeoutMs = 300;

/** A router in front of subgraphs that are all `url`, with a short subgraph timeout. */
async function routerBefore(url: string): Promise<RunningServer & { url: string }> {
  const router = await createRouter({
    supergraphSdl: await readFile(path.join(repoRoot, 'schema', 'supergraph.graphql'), 'utf8'),
    subgraphUrls: { users: url, chat: url, notifications: url, media: url },
    routerSecret: 'test-router-secret-'.padEnd(40, 'x'),
    jwtPublicKey: generateSigningKeys().publicKey,
    logger: silent,
    production: true,
    host: '127.0.0.1',
    port: 0,
    presence: createPresenceStore({}),
    subgraphTimeoutMs: timeoutMs,
  });
  return Object.assign(router, { url: await router.listen() });
}

// The router's calls to subgraphs have a deadline: a subgraph that hangs or is down costs the client a prompt, retryable error.
describe('a subgraph that does not answer', () => {
  let subgraph: Server;
  let router: RunningServer & { url: string };
  const reached = deferred();

  beforeAll(async () => {
    // Takes every request and never answers it.
    subgraph = createServer(() => reached.resolve());
    await new Promise<void>((resolve) => subgraph.listen(0, '127.0.0.1', resolve));
    router = await routerBefore(`http://127.0.0.1:${(subgraph.address() as AddressInfo).port}/graphql`);
  });

  afterAll(async () => {
    await router?.close();
    subgraph?.closeAllConnections();
    await new Promise((resolve) => subgraph?.close(resolve));
  });

  it('gives the client SERVICE_UNAVAILABLE once the subgraph timeout has passed', async () => {
    const started = performance.now();
    const response = await graphql(
      router.url,
      `
        mutation {
          sendMessage(input: { conversationId: "0b6c5f1e-4f0e-4c44-9d1c-3f4c1b1f7a10", clientId: "c1", text: "hi" }) {
            id
          }
        }
      `,
    );
    const elapsed = performance.now() - started;
    await reached.promise;
    expect(errorCode(response)).toBe('SERVICE_UNAVAILABLE');
    expect(response.errors?.[0]?.message).toMatch(/did not answer within 0.3 s\. Try again/);
    expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 10);
    expect(elapsed).toBeLessThan(timeoutMs + 2000);
  });
});

describe('a subgraph that is down', () => {
  let router: RunningServer & { url: string };

  beforeAll(async () => {
    // A port that was free a moment ago: nothing listens there.
    router = await routerBefore(`http://127.0.0.1:${await freePort()}/graphql`);
  });

  afterAll(async () => {
    await router?.close();
  });

  it('gives the client SERVICE_UNAVAILABLE at once', async () => {
    const started = performance.now();
    const response = await graphql(
      router.url,
      `
        {
          me {
            id
          }
        }
      `,
    );
    expect(errorCode(response)).toBe('SERVICE_UNAVAILABLE');
    expect(response.errors?.[0]?.message).toMatch(/could not be reached/);
    expect(performance.now() - started).toBeLessThan(timeoutMs);
  });
});

describe('SUBGRAPH_TIMEOUT_SECONDS', () => {
  it('is 10 s unless set, and takes fractions', () => {
    expect(readConfig(['SUBGRAPH_TIMEOUT_SECONDS'], {}).SUBGRAPH_TIMEOUT_SECONDS).toBe(10);
    expect(readConfig(['SUBGRAPH_TIMEOUT_SECONDS'], { SUBGRAPH_TIMEOUT_SECONDS: '2.5' }).SUBGRAPH_TIMEOUT_SECONDS).toBe(2.5);
    expect(() => readConfig(['SUBGRAPH_TIMEOUT_SECONDS'], { SUBGRAPH_TIMEOUT_SECONDS: '0' })).toThrow(/SUBGRAPH_TIMEOUT_SECONDS/);
  });
});
