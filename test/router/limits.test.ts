import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, graphql, registerUser, subscribe, wsClient, type TestUser } from '../support/graphql.js';
import { startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let alice: TestUser;

beforeAll(async () => {
  stack = await startStack();
  alice = await registerUser(stack.url, 'alice');
});

afterAll(async () => {
  await stack?.close();
});

/** `lastMessage { conversation { lastMessage { … } } }` nested `levels` times, starting with `outer`. */
function nested(levels: number, outer: 'lastMessage' | 'conversation' = 'lastMessage'): string {
  const inner = outer === 'lastMessage' ? 'conversation' : 'lastMessage';
  let selection = 'id';
  for (let i = levels - 1; i >= 0; i--) selection = `${i % 2 ? inner : outer} { ${selection} }`;
  return selection;
}

describe('operation limits', () => {
  it('refuses an operation deeper than the limit before fetching anything', async () => {
    const response = await graphql(stack.url, `{ conversations { edges { node { ${nested(12)} } } } }`, {}, alice.accessToken);
    expect(errorCode(response)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(response.errors?.[0]?.message).toMatch(/levels deep; the limit is 12/);
  });

  it('accepts an ordinary operation', async () => {
    const response = await graphql(stack.url, `{ conversations { edges { node { ${nested(4)} } } } }`, {}, alice.accessToken);
    expect(response.errors).toBeUndefined();
  });

  it('refuses an operation with too many aliases', async () => {
    const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: me { id }`).join(' ');
    const response = await graphql(stack.url, `{ ${aliases} }`, {}, alice.accessToken);
    expect(errorCode(response)).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('applies the same limits to subscriptions', async () => {
    const client = wsClient(stack.wsUrl, alice.accessToken);
    const result = await subscribe(client, `subscription { messageAdded { ${nested(12, 'conversation')} } }`).next();
    expect(result.errors?.[0]?.message).toMatch(/levels deep/);
    expect(result.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    await client.dispose();
  });

  it('refuses a subscribe message that does not parse, or is not a subscription, with a code that says so', async () => {
    const client = wsClient(stack.wsUrl, alice.accessToken);
    const broken = await subscribe(client, `subscription { messageAdded { id `).next();
    expect(broken.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    const query = await subscribe(client, `query { me { id } }`).next();
    expect(query.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/Only subscriptions/),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    // The same broken text again (now answered from the cache) is refused the same way.
    const again = await subscribe(client, `subscription { messageAdded { id `).next();
    expect(again.errors?.[0]?.extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    await client.dispose();
  });
});
