import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { createTestSchema, integrationEnv, type TestSchema } from '@weft/testing';
import { CreateIdentityTables1767312000000 } from '../src/migrations/1767312000000-create-identity-tables';
import { LeaveRoomForTimeRefreshes1767398400000 } from '../src/migrations/1767398400000-leave-room-for-time-refreshes';
import { PostgresGraphStore, type GraphStoreOptions } from '../src/graph/postgres-graph-store';

export interface GraphStoreDatabase {
  schema: TestSchema;
  pools: Pool[];
  /** A store on its own pool, as another service instance would have. */
  store(options?: Partial<GraphStoreOptions>): PostgresGraphStore;
  close(): Promise<void>;
}

/** A fresh schema with the service's migrations applied. */
export async function graphStoreDatabase(): Promise<GraphStoreDatabase> {
  const schema = await createTestSchema('identity');
  const dataSource = new DataSource({
    type: 'postgres',
    url: integrationEnv().databaseUrl,
    schema: schema.name,
    migrations: [CreateIdentityTables1767312000000, LeaveRoomForTimeRefreshes1767398400000],
    migrationsTableName: 'migrations',
  });
  await dataSource.initialize();
  await dataSource.runMigrations();
  await dataSource.destroy();
  const pools: Pool[] = [];
  return {
    schema,
    pools,
    store(options = {}) {
      const pool = new Pool({ connectionString: schema.databaseUrl, max: 4 });
      pools.push(pool);
      return new PostgresGraphStore(pool, { schema: schema.name, ...options });
    },
    async close() {
      await Promise.all(pools.map((p) => p.end()));
      await schema.drop();
    },
  };
}
