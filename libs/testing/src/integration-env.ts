export interface IntegrationEnv {
  kafkaBrokers: string[];
  databaseUrl: string;
  schemaRegistryUrl: string | undefined;
}

/**
 * The real Kafka and Postgres that the jest global setup found (see global-setup.js).
 * Throws the setup's one-sentence explanation when there are none, so integration tests fail clearly.
 */
export function integrationEnv(): IntegrationEnv {
  const problem = process.env['WEFT_INFRA_ERROR'];
  if (problem) throw new Error(problem);
  const brokers = process.env['KAFKA_BROKERS'];
  const databaseUrl = process.env['DATABASE_URL'];
  if (!brokers || !databaseUrl) {
    throw new Error('KAFKA_BROKERS and DATABASE_URL are not set: run the tests through jest (npm test), after `npm run infra:up`.');
  }
  return {
    kafkaBrokers: brokers.split(',').map((b) => b.trim()),
    databaseUrl,
    schemaRegistryUrl: process.env['SCHEMA_REGISTRY_URL'],
  };
}

export function requireSchemaRegistry(): string {
  const url = integrationEnv().schemaRegistryUrl;
  if (!url) throw new Error('SCHEMA_REGISTRY_URL is not set and apps/schema-registry could not be started by the test setup.');
  return url;
}
