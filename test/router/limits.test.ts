import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildSchema,
  Kind,
  parse,
  specifiedRules,
  validate,
  visit,
  type DefinitionNode,
  type DocumentNode,
  type FragmentDefinitionNode,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, operationProtection } from '../../router/src/limits.js';
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
    expect(response.errors?.[0]?.message).toMatch(/Query depth limit of 12 exceeded/);
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
    expect(result.errors?.[0]?.message).toMatch(/Query depth limit of 12 exceeded/);
    expect(result.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    await client.dispose();
  });

  it('refuses too many directives, tokens or too high a cost, over HTTP and WebSocket', async () => {
    const client = wsClient(stack.wsUrl, alice.accessToken);
    const directives = Array.from({ length: 51 }, () => '@include(if: true)').join(' ');
    const ids = Array.from({ length: 2000 }, () => 'id').join(' ');
    // Within the depth and alias limits, but each level multiplies the cost below it by 1.5.
    const aliased = (n: number, selection: string) => Array.from({ length: n }, (_, i) => `a${i}: ${selection}`).join(' ');
    const cases = [
      {
        http: `{ me ${directives} { id } }`,
        ws: `subscription { messageAdded ${directives} { id } }`,
        refusal: /Directives limit of 50 exceeded/,
      },
      // Over 2,000 tokens: the braces and two thousand field names.
      {
        http: `{ me { ${ids} } }`,
        ws: `subscription { messageAdded { ${ids} } }`,
        refusal: /Token limit of 2000 exceeded|contains more th\w+ 2000 tokens/,
      },
      {
        http: `{ conversations { edges { node { ${aliased(25, nested(9))} } } } }`,
        ws: `subscription { messageAdded { ${aliased(25, nested(10, 'conversation'))} } }`,
        refusal: /Query Cost limit of 5000 exceeded/,
      },
    ];
    for (const { http, ws, refusal } of cases) {
      const response = await graphql(stack.url, http, {}, alice.accessToken);
      expect(response.errors?.[0]?.message).toMatch(refusal);
      expect(['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED']).toContain(errorCode(response));
      const overSocket = await subscribe(client, ws).next();
      expect(overSocket.errors?.[0]?.message).toMatch(refusal);
      expect(['GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED']).toContain(overSocket.errors?.[0]?.extensions?.code);
    }
    await client.dispose();
  });

  it('lets every document the web app sends through', () => {
    const schema = buildSchema(readFileSync(path.join(import.meta.dirname, '../../schema/api.graphql'), 'utf8'));
    const operations = path.join(import.meta.dirname, '../../web/src/graphql/operations');
    const text = readdirSync(operations)
      .filter((name) => name.endsWith('.graphql'))
      .map((name) => readFileSync(path.join(operations, name), 'utf8'))
      .join('\n');
    const definitions = parse(text).definitions;
    const fragments = new Map(
      definitions.filter((d): d is FragmentDefinitionNode => d.kind === 'FragmentDefinition').map((d) => [d.name.value, d]),
    );
    const { validationRules, maxTokens } = operationProtection();
    const checked = definitions.filter((d) => d.kind === 'OperationDefinition');
    expect(checked.length).toBeGreaterThan(30);
    for (const operation of checked) {
      const used = new Set<DefinitionNode>();
      const collect = (node: DefinitionNode) =>
        visit(node, {
          FragmentSpread(spread) {
            const fragment = fragments.get(spread.name.value)!;
            if (!used.has(fragment)) {
              used.add(fragment);
              collect(fragment);
            }
          },
        });
      collect(operation);
      const document: DocumentNode = { kind: Kind.DOCUMENT, definitions: [operation, ...used] };
      const name = operation.kind === 'OperationDefinition' ? operation.name?.value : '';
      expect({ name, errors: validate(schema, document, [...specifiedRules, ...validationRules]).map((e) => e.message) }).toEqual({
        name,
        errors: [],
      });
    }
    expect(maxTokens).toBe(DEFAULT_LIMITS.maxTokens);
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
