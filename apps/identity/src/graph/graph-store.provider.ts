import type { Provider } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import { Logger } from '@nestjs/common';
import { CONFIG } from '@weft/platform';
import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import type { IdentityConfig } from '../config';
import { PostgresGraphStore } from './postgres-graph-store';

/** The pg pool behind TypeORM and the service's schema: the graph store and outbox talk SQL directly, for speed. */
export interface ServiceDatabase {
  pool: Pool;
  schema: string;
}

export const SERVICE_DATABASE = Symbol('SERVICE_DATABASE');

export const graphStoreProviders: Provider[] = [
  {
    provide: SERVICE_DATABASE,
    inject: [getDataSourceToken()],
    useFactory: (dataSource: DataSource): ServiceDatabase => ({
      pool: (dataSource.driver as PostgresDriver).master as Pool,
      schema: (dataSource.options as PostgresConnectionOptions).schema ?? 'public',
    }),
  },
  {
    provide: PostgresGraphStore,
    inject: [SERVICE_DATABASE, CONFIG],
    useFactory: (db: ServiceDatabase, config: IdentityConfig) => {
      const logger = new Logger(PostgresGraphStore.name);
      return new PostgresGraphStore(db.pool, {
        schema: db.schema,
        timeResolutionMs: config.IDENTITY_TIME_RESOLUTION_MS,
        onRefusal: (reason) => logger.warn(reason),
      });
    },
  },
];
