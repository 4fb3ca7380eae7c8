import { Client } from 'pg';
import { integrationEnv } from './integration-env';
import { uniqueIdentifier } from './unique';

export interface TestSchema {
  /** The schema's name; pass it as the service's DATABASE_SCHEMA. */
  name: string;
  databaseUrl: string;
  drop(): Promise<void>;
}

/** A fresh Postgres schema for one test file, so files can run in parallel without seeing each other's rows. */
export async function createTestSchema(prefix = 't'): Promise<TestSchema> {
  const { databaseUrl } = integrationEnv();
  const name = uniqueIdentifier(prefix);
  await withClient(databaseUrl, (c) => c.query(`CREATE SCHEMA "${name}"`));
  return {
    name,
    databaseUrl,
    drop: () => withClient(databaseUrl, (c) => c.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`)).then(() => undefined),
  };
}

export async function withClient<T>(databaseUrl: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
