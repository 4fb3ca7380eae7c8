import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Pool, type PoolClient, type QueryResultRow } from 'pg';
import { CONFIG, PLATFORM_OPTIONS, type PlatformOptions } from '@weft/platform';
import type { ProfileConfig } from '../config';

/** Anything that runs SQL: the pool, or one client inside a transaction. */
export interface Sql {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
}

/**
 * The service's own connection pool for the hot paths (batch upserts, lookups), with search_path set to the
 * service's schema so statements name tables plainly. TypeORM keeps migrations and the small CRUD entities.
 */
@Injectable()
export class ProfileDb implements Sql, OnApplicationShutdown {
  readonly schema: string;
  private readonly pool: Pool;

  constructor(@Inject(CONFIG) config: ProfileConfig, @Inject(PLATFORM_OPTIONS) options: PlatformOptions) {
    this.schema = process.env['DATABASE_SCHEMA'] || options.name.replace(/-/g, '_');
    this.pool = new Pool({
      connectionString: config.DATABASE_URL,
      max: 20,
      application_name: `weft-${options.name}`,
      // JIT compilation costs hundreds of milliseconds and pays off only for long analytical queries; every statement
      // here touches a bounded set of rows by index, but batch statements over young, unanalyzed tables are
      // estimated costly enough to trigger it.
      options: `-c search_path="${this.schema.replace(/"/g, '""')}" -c jit=off`,
    });
  }

  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]) {
    return this.pool.query<R>(text, values);
  }

  /** A statement the server parses and plans once per connection (hot read paths). */
  prepared<R extends QueryResultRow = QueryResultRow>(name: string, text: string, values: unknown[]) {
    return this.pool.query<R>({ name, text, values });
  }

  /**
   * Runs `fn` in one transaction; rolls back if it throws. With `lock`, the transaction starts holding that
   * advisory lock (shared or exclusive): BEGIN and the lock go to the server in one round trip.
   */
  async transaction<T>(fn: (client: PoolClient) => Promise<T>, lock?: { key: number; mode: 'shared' | 'exclusive' }): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query(
        lock ? `BEGIN; SELECT pg_advisory_xact_lock${lock.mode === 'shared' ? '_shared' : ''}(${Math.trunc(lock.key)})` : 'BEGIN',
      );
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** A client of its own, e.g. for a streaming export with a server-side cursor. */
  connect(): Promise<PoolClient> {
    return this.pool.connect();
  }

  /** After the platform drained Kafka (beforeApplicationShutdown): no handler writes through the pool any more. */
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

/**
 * Graph changes move data between profiles; batches of resolved documents must not interleave with them.
 * Batches take this advisory lock shared (they run side by side), graph changes and privacy deletions exclusive.
 */
export const PROFILE_MOVE_LOCK = 0x70726f66;
