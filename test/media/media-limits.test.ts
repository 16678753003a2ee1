import { KIND_RULES } from '@chirpchat/media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaLimitsTableDocument, type MediaLimitsTableQuery } from '../support/generated/graphql.js';
import { errorCode, graphql, registerUser, type TestUser } from '../support/graphql.js';
import { startStack, type Stack } from '../support/stack.js';
import { mediaAs } from './media-client.js';

let stack: Stack;
let alice: TestUser;

beforeAll(async () => {
  stack = await startStack();
  alice = await registerUser(stack.url, 'alice');
});

afterAll(async () => {
  await stack?.close();
});

async function limitsAsAlice(): Promise<MediaLimitsTableQuery['mediaLimits']['kinds']> {
  const response = await graphql(stack.url, MediaLimitsTableDocument, {}, alice.accessToken);
  expect(response.errors).toBeUndefined();
  return response.data!.mediaLimits.kinds;
}

describe('mediaLimits through the router', () => {
  it('gives every kind’s accepted MIME types and largest file, as the server’s own table has them', async () => {
    expect.assertions(2);
    const kinds = await limitsAsAlice();
    const table = Object.entries(KIND_RULES).map(([kind, rule]) => ({ kind, mimeTypes: [...rule.mimeTypes], maxBytes: rule.maxBytes }));
    expect(kinds).toEqual(table);
  });

  it('states the limits createUpload enforces: a file of maxBytes gets a ticket, one byte more is FILE_TOO_LARGE', async () => {
    const kinds = await limitsAsAlice();
    expect.assertions(1 + kinds.length * 2);
    for (const { mimeType, maxBytes, kind } of kinds.map((limits) => ({ ...limits, mimeType: limits.mimeTypes[0]! }))) {
      const filename = `largest-${kind.toLowerCase()}`;
      const fits = await mediaAs(stack, alice).createUpload({ filename, mimeType, bytes: maxBytes });
      expect(fits.data?.createUpload.maxBytes).toBe(maxBytes);
      expect(errorCode(await mediaAs(stack, alice).createUpload({ filename, mimeType, bytes: maxBytes + 1 }))).toBe('FILE_TOO_LARGE');
    }
  });

  it('asks for a signed-in viewer, as the rest of the media API does', async () => {
    expect.assertions(1);
    expect(errorCode(await graphql(stack.url, MediaLimitsTableDocument, {}))).toBe('UNAUTHENTICATED');
  });
});
