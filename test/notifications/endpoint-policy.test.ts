import { request } from 'node:https';
import { describe, expect, it } from 'vitest';
import { EndpointPolicy, isForbiddenAddress, retryAfterSeconds, topicFor } from '@chirpchat/notifications';

describe('isForbiddenAddress', () => {
  it('refuses loopback, private, link-local, reserved and IPv4-embedding IPv6 addresses', () => {
    const forbidden = [
      '127.0.0.1',
      '127.255.0.9',
      '10.0.0.1',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fc00::1',
      'fd12:3456::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      '64:ff9b::a00:1',
      '2002:7f00:1::',
      'not an address',
    ];
    expect(forbidden.filter((address) => !isForbiddenAddress(address))).toEqual([]);
  });

  it('allows public addresses', () => {
    const allowed = ['142.250.74.110', '8.8.8.8', '172.32.0.1', '2607:f8b0:4004:c1b::5f', '2a00:1450:4001:82b::200a'];
    expect(allowed.filter(isForbiddenAddress)).toEqual([]);
  });
});

describe('EndpointPolicy.check', () => {
  const policy = new EndpointPolicy({ allowlist: ['127.0.0.1:8443', '[::1]:9443'] });

  it('accepts an allowlisted host:port even on loopback, and nothing else there', async () => {
    expect(await policy.check('https://127.0.0.1:8443/push/1')).toMatchObject({ ok: true, allowlisted: true });
    expect(await policy.check('https://[::1]:9443/push/1')).toMatchObject({ ok: true, allowlisted: true });
    expect(await policy.check('https://127.0.0.1:8444/push/1')).toEqual({ ok: false, problem: 'private-address' });
    expect(await policy.check('https://127.0.0.1/push/1')).toEqual({ ok: false, problem: 'private-address' });
  });

  it('names what is wrong with an endpoint', async () => {
    expect(await policy.check('fcm.googleapis.com/fcm/send/x')).toEqual({ ok: false, problem: 'not-a-url' });
    expect(await policy.check('http://8.8.8.8/push')).toEqual({ ok: false, problem: 'not-https' });
    expect(await policy.check('https://a:b@8.8.8.8/push')).toEqual({ ok: false, problem: 'credentials' });
    expect(await policy.check('https://localhost/push')).toEqual({ ok: false, problem: 'private-address' });
    expect(await policy.check('https://does-not-exist.invalid/push')).toEqual({ ok: false, problem: 'unresolvable' });
    expect(await policy.check('https://8.8.8.8/push')).toMatchObject({ ok: true, allowlisted: false });
  });
});

describe('EndpointPolicy.agentFor', () => {
  it('refuses to connect where the name resolves to a private address by the time of sending (DNS rebinding)', async () => {
    const policy = new EndpointPolicy();
    // As if the name had resolved to a public address when it was checked.
    const agent = policy.agentFor({ ok: true, url: new URL('https://localhost:1/push'), allowlisted: false });
    const error = await new Promise<NodeJS.ErrnoException>((resolve) =>
      request('https://localhost:1/push', { agent, method: 'POST' }, () => resolve(new Error('connected') as NodeJS.ErrnoException))
        .on('error', resolve)
        .end(),
    );
    policy.close();
    expect(error.code).toBe('EADDRNOTPUBLIC');
  });
});

describe('retryAfterSeconds', () => {
  const now = Date.parse('2026-11-22T10:00:00Z');

  it('reads delta-seconds and HTTP dates, within a second and an hour', () => {
    expect(retryAfterSeconds('120', now)).toBe(120);
    expect(retryAfterSeconds('Sun, 22 Nov 2026 10:00:30 GMT', now)).toBe(30);
    expect(retryAfterSeconds('0', now)).toBe(1);
    expect(retryAfterSeconds('Sun, 22 Nov 2026 09:00:00 GMT', now)).toBe(1);
    expect(retryAfterSeconds('86400', now)).toBe(3600);
  });

  it('waits a minute when the header is missing or unreadable', () => {
    expect(retryAfterSeconds(undefined, now)).toBe(60);
    expect(retryAfterSeconds('soon', now)).toBe(60);
  });
});

describe('topicFor', () => {
  it('gives each conversation a stable topic of at most 32 URL-safe characters', () => {
    const topic = topicFor('0b9f4c3e-2d1a-4c8b-9e7f-6a5d4c3b2a10');
    expect(topic).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
    expect(topicFor('0b9f4c3e-2d1a-4c8b-9e7f-6a5d4c3b2a10')).toBe(topic);
    expect(topicFor('another conversation')).not.toBe(topic);
  });
});
