import { z } from 'zod';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const list = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
  .pipe(z.array(z.string()).min(1, 'must list at least one value'));

/** Settings every Weft service reads; each service extends this with its own. */
export const baseConfigShape = {
  PORT: z.coerce.number().int().min(0).max(65535),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  KAFKA_BROKERS: list.default(['127.0.0.1:9092']),
  DATABASE_URL: z.string().url('must be a postgres:// URL').default('postgres://postgres@127.0.0.1:5432/weft'),
  SCHEMA_REGISTRY_URL: z.string().url('must be an http(s) URL').default('http://127.0.0.1:8081'),
  WEFT_API_KEYS: list,
  /** Partitions given to topics this service creates. */
  KAFKA_TOPIC_PARTITIONS: z.coerce.number().int().min(1).default(3),
};

export const baseConfigSchema = z.object(baseConfigShape);
export type BaseConfig = z.infer<typeof baseConfigSchema>;

/**
 * Validates `env` once at boot into a typed object. Every problem is reported at once, naming the variable and
 * the rule, so a misconfigured deployment fails fast with a message an operator can act on.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const input: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== '') input[key] = value;
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = issue.path.join('.');
      const got = name in input ? ` (got ${JSON.stringify(input[name])})` : ' (not set)';
      return `${name}: ${issue.message}${got}`;
    }),
  );
}
