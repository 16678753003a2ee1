import { randomBytes } from 'node:crypto';
import type { LoopbackPushService, TestSubscription } from '../test/notifications/push-service.ts';

/** A person signed up through the API, as the benchmarks act for them. */
export interface Person {
  id: string;
  token: string;
}

/**
 * The product's GraphQL API as the benchmarks call it: `gql` posts one operation (30 s timeout)
 * and throws on any error; `register` signs a new person up; `subscribeBrowser` gives them a
 * browser subscribed to a loopback push service.
 */
export function benchApi(url: string) {
  async function gql<T = Record<string, any>>(query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await response.json()) as { data?: T; errors?: unknown[] };
    if (body.errors || !body.data) throw new Error(JSON.stringify(body.errors));
    return body.data;
  }

  async function register(name: string): Promise<Person> {
    const username = `${name}_${randomBytes(4).toString('hex')}`;
    const { register } = await gql<{ register: { accessToken: string; user: { id: string } } }>(
      `mutation($i: RegisterInput!) { register(input: $i) { accessToken user { id } } }`,
      { i: { username, email: `${username}@example.com`, password: 'bench passphrase 123' } },
    );
    return { id: register.user.id, token: register.accessToken };
  }

  async function subscribeBrowser(push: LoopbackPushService, person: Person): Promise<TestSubscription> {
    const browser = push.subscription();
    await gql(
      `mutation($i: PushSubscriptionInput!) { registerPushSubscription(input: $i) { id } }`,
      { i: { endpoint: browser.endpoint, keys: browser.keys, userAgent: 'bench' } },
      person.token,
    );
    return browser;
  }

  return { gql, register, subscribeBrowser };
}
