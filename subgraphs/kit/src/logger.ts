import { pino, type Logger } from 'pino';

export type { Logger };

/** One pino logger per process; services take children of it named after themselves. */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino({
    name: options.name ?? 'chirpchat',
    level: options.level ?? 'info',
    redact: { paths: ['req.headers.authorization', '*.password', '*.refreshToken', '*.accessToken'], censor: '[redacted]' },
  });
}
