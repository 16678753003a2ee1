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
