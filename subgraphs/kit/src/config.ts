import { z } from 'zod';

/** A configuration value that is missing or wrong; the message names the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

const port = z.coerce.number().int().min(0).max(65535);
const pem = (kind: 'PUBLIC' | 'PRIVATE') =>
  z
    .string()
    .transform((value) => value.replace(/\\n/g, '\n').trim())
    .refine((value) => value.startsWith(`-----BEGIN ${kind} KEY-----`), {
      message: `must be a PEM-encoded ${kind.toLowerCase()} key (-----BEGIN ${kind} KEY-----); see README, "Configuration"`,
    });
const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}` },
  );

/** The variables every ChirpChat process understands; each service picks what it needs. */
export const configFields = {
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: port,
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  ROUTER_SECRET: z.string().min(16, { message: 'must be at least 16 characters' }),
  JWT_PUBLIC_KEY: pem('PUBLIC'),
  JWT_PRIVATE_KEY: pem('PRIVATE'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(10).max(86_400).default(900),
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /** Where the all-in-one mode keeps the embedded database and generated keys. */
  DATA_DIR: z.string().min(1).default('.data'),
  USERS_URL: url(['http:', 'https:']),
  CHAT_URL: url(['http:', 'https:']),
} as const;

type Fields = typeof configFields;

/**
 * Reads and validates the named variables once, at start-up.
 * @throws ConfigError naming the first variable that is missing or wrong
 */
export function readConfig<K extends keyof Fields>(
  names: readonly K[],
  env: NodeJS.ProcessEnv = process.env,
  defaults: Partial<Record<K, string>> = {},
): { [P in K]: z.output<Fields[P]> } {
  const shape = Object.fromEntries(names.map((name) => [name, configFields[name]])) as Pick<Fields, K>;
  const input = Object.fromEntries(names.map((name) => [name, env[name] === undefined || env[name] === '' ? defaults[name] : env[name]]));
  const result = z.object(shape).safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const variable = String(issue.path[0]);
    const given = input[variable];
    throw new ConfigError(variable, given === undefined ? 'is required but not set' : issue.message);
  }
  return result.data as { [P in K]: z.output<Fields[P]> };
}

/** Runs a process's start-up; a configuration error stops it with a one-line message and exit code 78. */
export async function runMain(start: () => Promise<unknown>): Promise<void> {
  try {
    await start();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    process.stderr.write(`Start-up failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  }
}
