import { describe, expect, it } from 'vitest';
import { ConfigError, generateSigningKeys, readConfig } from '@chirpchat/kit';

describe('readConfig', () => {
  it('names a required variable that is not set', () => {
    expect(() => readConfig(['ROUTER_SECRET'], {})).toThrow(new ConfigError('ROUTER_SECRET', 'is required but not set'));
  });

  it('names a variable whose value is wrong and says what it must be', () => {
    expect(() => readConfig(['PORT'], { PORT: 'eighty' })).toThrow(/^Invalid configuration: PORT /);
    expect(() => readConfig(['DATABASE_URL'], { DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL must be a URL starting with postgres:/);
    expect(() => readConfig(['JWT_PUBLIC_KEY'], { JWT_PUBLIC_KEY: 'not a key' })).toThrow(
      /JWT_PUBLIC_KEY must be a PEM-encoded public key/,
    );
  });

  it('applies defaults and accepts PEM keys with escaped newlines', () => {
    const { publicKey } = generateSigningKeys();
    const config = readConfig(
      ['PORT', 'LOG_LEVEL', 'JWT_PUBLIC_KEY'],
      { JWT_PUBLIC_KEY: publicKey.replace(/\n/g, '\\n') },
      { PORT: '4001' },
    );
    expect(config.PORT).toBe(4001);
    expect(config.LOG_LEVEL).toBe('info');
    expect(config.JWT_PUBLIC_KEY).toBe(publicKey.trim());
  });
});

describe('readConfig: Web Push', () => {
  const publicKey = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 7)]).toString('base64url');
  const privateKey = Buffer.alloc(32, 9).toString('base64url');

  it('accepts VAPID keys of the right decoded lengths and a mailto: or https: subject', () => {
    const config = readConfig(['VAPID_PUBLIC_KEY', 'VAPID_PRIVATE_KEY', 'VAPID_SUBJECT', 'PUSH_ENDPOINT_ALLOWLIST'], {
      VAPID_PUBLIC_KEY: publicKey,
      VAPID_PRIVATE_KEY: privateKey,
      VAPID_SUBJECT: 'mailto:ops@example.com',
      PUSH_ENDPOINT_ALLOWLIST: '127.0.0.1:8443, Push.Internal:443',
    });
    expect(config.VAPID_PUBLIC_KEY).toBe(publicKey);
    expect(config.PUSH_ENDPOINT_ALLOWLIST).toEqual(['127.0.0.1:8443', 'push.internal:443']);
    expect(readConfig(['VAPID_SUBJECT'], { VAPID_SUBJECT: 'https://chat.example.com' }).VAPID_SUBJECT).toBe('https://chat.example.com');
    expect(readConfig(['PUSH_ENDPOINT_ALLOWLIST'], {}).PUSH_ENDPOINT_ALLOWLIST).toEqual([]);
  });

  it('names a VAPID key of the wrong length, a bad subject and an allowlist entry without a port', () => {
    expect(() => readConfig(['VAPID_PUBLIC_KEY'], { VAPID_PUBLIC_KEY: privateKey })).toThrow(/VAPID_PUBLIC_KEY must be .*65 bytes/);
    expect(() => readConfig(['VAPID_PRIVATE_KEY'], { VAPID_PRIVATE_KEY: publicKey })).toThrow(/VAPID_PRIVATE_KEY must be .*32 bytes/);
    expect(() => readConfig(['VAPID_PRIVATE_KEY'], { VAPID_PRIVATE_KEY: 'not+base64url/' })).toThrow(/VAPID_PRIVATE_KEY/);
    expect(() => readConfig(['VAPID_SUBJECT'], { VAPID_SUBJECT: 'http://example.com' })).toThrow(/VAPID_SUBJECT must be a mailto:/);
    expect(() => readConfig(['PUSH_ENDPOINT_ALLOWLIST'], { PUSH_ENDPOINT_ALLOWLIST: '127.0.0.1' })).toThrow(/PUSH_ENDPOINT_ALLOWLIST/);
  });
});
