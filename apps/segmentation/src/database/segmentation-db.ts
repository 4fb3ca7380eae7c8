import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { CONFIG, type BaseConfig } from '@weft/platform';
import { Pool, type QueryResultRow } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';

/**
 * The pool of the membership and snapshot statements (TypeORM keeps migrations, segments and jobs), with
 * search_path set to the service's schema so statements name tables plainly.
 */
@Injectable()
export class SegmentationDb implements OnApplicationShutdown {
  readonly schema: string;
  private readonly pool: Pool;

  constructor(@Inject(CONFIG) config: BaseConfig, @InjectDataSource() dataSource: DataSource) {
    this.schema = (dataSource.options as PostgresConnectionOptions).schema ?? 'public';
    this.pool = new Pool({
      connectionString: config.DATABASE_URL,
      max: 10,
      application_name: 'weft-segmentation',
      // Statements here touch a bounded set of rows by key, but over young tables without statistics the planner
      // estimates them costly enough to JIT-compile them, which costs far more than running them.
      options: `-c search_path="${this.schema.replace(/"/g, '""')}" -c jit=off`,
    });
  }

  async query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<R[]> {
    return (await this.pool.query<R>(text, values)).rows;
  }

  /** A statement each connection parses and plans once (the streaming and batch hot paths). */
  async prepared<R extends QueryResultRow = QueryResultRow>(name: string, text: string, values: unknown[]): Promise<R[]> {
    return (await this.pool.query<R>({ name, text, values })).rows;
  }

  /** After the platform drained Kafka (beforeApplicationShutdown): no handler writes through the pool any more. */
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
