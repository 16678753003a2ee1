import { describe, expect, it } from 'vitest';
import { ConfigError, generateSigningKeys, readConfig, redisTarget } from '@chirpchat/kit';

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

describe('readConfig: a Redis Cluster', () => {
  const read = (value: string) => readConfig(['REDIS_CLUSTER_NODES'], { REDIS_CLUSTER_NODES: value }).REDIS_CLUSTER_NODES;

  it('reads host:port entries and redis:// URLs with the credentials they share', () => {
    expect(read('redis-1:6379, redis-2:6380')).toEqual({
      nodes: [
        { host: 'redis-1', port: 6379 },
        { host: 'redis-2', port: 6380 },
      ],
      username: undefined,
      password: undefined,
      tls: false,
    });
    expect(read('rediss://app:s%40cret@10.0.0.1:7000,rediss://app:s%40cret@[::1]:7001')).toEqual({
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '::1', port: 7001 },
      ],
      username: 'app',
      password: 's@cret',
      tls: true,
    });
  });

  it('names a node list that is empty, lacks a port, has a database number or mixes credentials', () => {
    expect(() => read(' , ')).toThrow(/^Invalid configuration: REDIS_CLUSTER_NODES must list at least one node/);
    expect(() => read('redis-1')).toThrow(/REDIS_CLUSTER_NODES has an entry without a host and port: "redis-1"/);
    expect(() => read('http://redis-1:6379')).toThrow(/REDIS_CLUSTER_NODES has an entry that is not redis:/);
    expect(() => read('redis://redis-1:6379/2')).toThrow(/REDIS_CLUSTER_NODES has an entry with a database number/);
    expect(() => read('redis://a:b@redis-1:6379,redis-2:6379')).toThrow(
      /REDIS_CLUSTER_NODES must use one scheme and one user and password/,
    );
  });

  it('refuses REDIS_URL and REDIS_CLUSTER_NODES together', () => {
    const config = readConfig(['REDIS_URL', 'REDIS_CLUSTER_NODES'], { REDIS_URL: 'redis://r:6379', REDIS_CLUSTER_NODES: 'r1:6379' });
    expect(() => redisTarget(config)).toThrow(/^Invalid configuration: REDIS_CLUSTER_NODES is set together with REDIS_URL/);
    expect(redisTarget({ REDIS_URL: 'redis://r:6379' })).toEqual({ redisUrl: 'redis://r:6379', redisCluster: undefined });
  });
});
