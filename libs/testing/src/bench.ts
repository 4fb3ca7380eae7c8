import type { ChildProcess } from 'node:child_process';

interface TeardownModule {
  deleteRunTopics(prefix: string | undefined): Promise<void>;
}

interface SetupModule {
  readInfraEnv(): Record<string, string>;
  startSchemaRegistry(env: Record<string, string>, schema?: string): Promise<string | undefined>;
}

export interface BenchInfra {
  kafkaBrokers: string[];
  databaseUrl: string;
  schemaRegistryUrl: string;
  stop(): Promise<void>;
}

/**
 * Infrastructure for a benchmark run outside jest: the broker of `npm run infra:up` (or KAFKA_BROKERS/DATABASE_URL),
 * and Weft's schema registry (SCHEMA_REGISTRY_URL, or one started for the run).
 */
export async function benchInfra(): Promise<BenchInfra> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const setup = require('./global-setup.js') as SetupModule;
  const infra = setup.readInfraEnv();
  const env = {
    KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? infra['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
    DATABASE_URL: process.env['DATABASE_URL'] ?? infra['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/weft',
  };
  Object.assign(process.env, env);
  let schemaRegistryUrl = process.env['SCHEMA_REGISTRY_URL'];
  let registry: { child: ChildProcess } | undefined;
  if (!schemaRegistryUrl) {
    schemaRegistryUrl = await setup.startSchemaRegistry(env, 'schema_registry');
    if (!schemaRegistryUrl) throw new Error('SCHEMA_REGISTRY_URL is not set and apps/schema-registry is missing');
    registry = (globalThis as { __WEFT_REGISTRY__?: { child: ChildProcess } }).__WEFT_REGISTRY__;
  }
  const stop = async () => {
    registry?.child.kill('SIGTERM');
    // Only the prefix bench-env.js chose for this run: a prefix set by the user may name an installation's topics.
    if (process.env['WEFT_BENCH_OWNS_TOPIC_PREFIX']) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      await (require('./global-teardown.js') as TeardownModule).deleteRunTopics(process.env['WEFT_TOPIC_PREFIX']);
    }
  };
  return { kafkaBrokers: env.KAFKA_BROKERS.split(','), databaseUrl: env.DATABASE_URL, schemaRegistryUrl, stop };
}

/** The p-th percentile (0–100) of ascending `sorted` values, by nearest rank. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
