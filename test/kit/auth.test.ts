import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRevocationView, createTokenSigner, createTokenVerifier, generateSigningKeys } from '@chirpchat/kit';

const keys = generateSigningKeys();
const claims = { sessionId: 'session-1', generation: 0 };

afterEach(() => void vi.useRealTimers());

describe('createTokenVerifier', () => {
  it('remembers a verified token until it expires, and then calls it expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const verify = await createTokenVerifier(keys.publicKey);
    const { token, expiresAt } = await (await createTokenSigner(keys.privateKey, 60))('user-1', claims);
    const first = await verify(`Bearer ${token}`);
    expect(first).toEqual({ ok: true, viewer: { id: 'user-1', expiresAt, sessionId: 'session-1', generation: 0 } });
    expect(await verify(`Bearer ${token}`)).toEqual(first);
    vi.setSystemTime(expiresAt.getTime() - 1);
    expect((await verify(`Bearer ${token}`)).ok).toBe(true);
    vi.setSystemTime(expiresAt);
    expect(await verify(`Bearer ${token}`)).toEqual({ ok: false, reason: 'expired' });
    expect(await verify(`Bearer ${token}`)).toEqual({ ok: false, reason: 'expired' });
  });

  it('remembers nothing that did not verify: another key, a changed signature, no token', async () => {
    const verify = await createTokenVerifier(keys.publicKey);
    const { token } = await (await createTokenSigner(generateSigningKeys().privateKey, 60))('user-1', claims);
    expect(await verify(`Bearer ${token}`)).toEqual({ ok: false, reason: 'invalid' });
    expect(await verify(`Bearer ${token}`)).toEqual({ ok: false, reason: 'invalid' });
    const good = (await (await createTokenSigner(keys.privateKey, 60))('user-2', claims)).token;
    expect((await verify(`Bearer ${good}`)).ok).toBe(true);
    const tampered = `${good.slice(0, -2)}${good.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(await verify(`Bearer ${tampered}`)).toEqual({ ok: false, reason: 'invalid' });
    expect(await verify(undefined)).toEqual({ ok: false, reason: 'missing' });
  });

  it('refuses a remembered token as revoked once its session or an older generation is revoked', async () => {
    const revocations = await createRevocationView();
    const verify = await createTokenVerifier(keys.publicKey, revocations);
    const sign = await createTokenSigner(keys.privateKey, 60);
    const laptop = (await sign('user-3', { sessionId: 'laptop', generation: 2 })).token;
    const phone = (await sign('user-3', { sessionId: 'phone', generation: 2 })).token;
    const afterChange = (await sign('user-3', { sessionId: 'tablet', generation: 3 })).token;
    expect((await verify(`Bearer ${laptop}`)).ok).toBe(true);
    expect((await verify(`Bearer ${phone}`)).ok).toBe(true);
    const expiresAt = Date.now() + 60_000;
    await revocations.revoke({ kind: 'session', userId: 'user-3', sessionId: 'laptop', expiresAt });
    expect(await verify(`Bearer ${laptop}`)).toEqual({ ok: false, reason: 'revoked' });
    expect((await verify(`Bearer ${phone}`)).ok).toBe(true);
    await revocations.revoke({ kind: 'generation', userId: 'user-3', generation: 3, expiresAt });
    expect(await verify(`Bearer ${phone}`)).toEqual({ ok: false, reason: 'revoked' });
    expect((await verify(`Bearer ${afterChange}`)).ok).toBe(true);
    await revocations.close();
  });
});
