import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTokenSigner, createTokenVerifier, generateSigningKeys } from '@chirpchat/kit';

const keys = generateSigningKeys();

afterEach(() => void vi.useRealTimers());

describe('createTokenVerifier', () => {
  it('remembers a verified token until it expires, and then calls it expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const verify = await createTokenVerifier(keys.publicKey);
    const { token, expiresAt } = await (await createTokenSigner(keys.privateKey, 60))('user-1');
    const first = await verify(`Bearer ${token}`);
    expect(first).toEqual({ ok: true, viewer: { id: 'user-1', expiresAt } });
    expect(await verify(`Bearer ${token}`)).toEqual(first);
    vi.setSystemTime(expiresAt.getTime() - 1);
    expect((await verify(`Bearer ${token}`)).ok).toBe(true);
    vi.setSystemTime(expiresAt);
    expect(await verify(`Bearer ${token}`)).toEqual({ ok: false, reason: 'expired' });
    expect(await verify(`Bearer ${token}`)).toEqual({ ok: false, reason: 'expired' });
  });

  it('remembers nothing that did not verify: another key, a changed signature, no token', async () => {
    const verify = await createTokenVerifier(keys.publicKey);
    const { token } = await (await createTokenSigner(generateSigningKeys().privateKey, 60))('user-1');
    expect(await verify(`Bearer ${token}`)).toEqual({ ok: false, reason: 'invalid' });
    expect(await verify(`Bearer ${token}`)).toEqual({ ok: false, reason: 'invalid' });
    const good = (await (await createTokenSigner(keys.privateKey, 60))('user-2')).token;
    expect((await verify(`Bearer ${good}`)).ok).toBe(true);
    const tampered = `${good.slice(0, -2)}${good.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(await verify(`Bearer ${tampered}`)).toEqual({ ok: false, reason: 'invalid' });
    expect(await verify(undefined)).toEqual({ ok: false, reason: 'missing' });
  });
});
