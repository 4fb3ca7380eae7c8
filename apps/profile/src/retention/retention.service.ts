import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { CONFIG } from '@weft/platform';
import type { ProfileConfig } from '../config';
import { ProfileDb, PROFILE_MOVE_LOCK, type Sql } from '../database/profile-db';
import { EventPartitions } from '../store/event-partitions';

const DAY_MS = 86_400_000;

export interface RetentionRun {
  droppedPartitions: string[];
  deletedEvents: number;
}

/**
 * Experience event retention. Monthly partitions older than the longest retention of any dataset are dropped
 * whole (cheap); datasets with a shorter retention lose their older events by a delete that only touches the old
 * partitions. Profiles' event counts follow; the change feed is not involved (it only carries the last 24 hours).
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RetentionService.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly db: ProfileDb,
    private readonly partitions: EventPartitions,
    @Inject(CONFIG) private readonly config: ProfileConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.RETENTION_INTERVAL_MINUTES) return;
    this.timer = setInterval(() => {
      this.run().catch((err: unknown) => this.logger.error(`retention failed: ${String(err)}`));
    }, this.config.RETENTION_INTERVAL_MINUTES * 60_000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async list(): Promise<{ defaultTtlDays: number; datasets: { datasetId: string; ttlDays: number }[] }> {
    const { rows } = await this.db.query<{ dataset_id: string; ttl_days: number }>('SELECT dataset_id, ttl_days FROM dataset_retention ORDER BY dataset_id');
    return { defaultTtlDays: this.config.EVENT_RETENTION_DAYS, datasets: rows.map((r) => ({ datasetId: r.dataset_id, ttlDays: r.ttl_days })) };
  }

  async set(datasetId: string, ttlDays: number): Promise<void> {
    await this.db.query(
      'INSERT INTO dataset_retention (dataset_id, ttl_days) VALUES ($1, $2) ON CONFLICT (dataset_id) DO UPDATE SET ttl_days = EXCLUDED.ttl_days',
      [datasetId, ttlDays],
    );
  }

  async run(now = Date.now()): Promise<RetentionRun> {
    const { datasets, defaultTtlDays } = await this.list();
    const longest = Math.max(defaultTtlDays, ...datasets.map((d) => d.ttlDays));
    const result: RetentionRun = { droppedPartitions: [], deletedEvents: 0 };
    for (const name of await this.partitions.olderThan(this.db, new Date(now - longest * DAY_MS))) {
      await this.db.transaction(async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [PROFILE_MOVE_LOCK]);
        const { rows } = await client.query<{ profile_id: string; n: number }>(`SELECT profile_id, count(*)::int AS n FROM ${name} GROUP BY profile_id`);
        await client.query(`ALTER TABLE events DETACH PARTITION ${name}`);
        await client.query(`DROP TABLE ${name}`);
        await decrementCounts(client, rows);
        result.deletedEvents += rows.reduce((n, r) => n + r.n, 0);
      });
      this.partitions.forget(name);
      result.droppedPartitions.push(name);
    }
    for (const { datasetId, ttlDays } of datasets.filter((d) => d.ttlDays < longest)) {
      result.deletedEvents += await this.deleteOlder('dataset_id = $2', [datasetId], new Date(now - ttlDays * DAY_MS));
    }
    if (defaultTtlDays < longest) {
      result.deletedEvents += await this.deleteOlder(
        'dataset_id <> ALL($2)',
        [datasets.map((d) => d.datasetId)],
        new Date(now - defaultTtlDays * DAY_MS),
      );
    }
    return result;
  }

  private deleteOlder(condition: string, values: unknown[], cutoff: Date): Promise<number> {
    return this.db.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock_shared($1)', [PROFILE_MOVE_LOCK]);
      const { rows } = await client.query<{ profile_id: string; n: number }>(
        `WITH gone AS (DELETE FROM events WHERE ts < $1 AND ${condition} RETURNING profile_id)
         SELECT profile_id, count(*)::int AS n FROM gone GROUP BY profile_id`,
        [cutoff, ...values],
      );
      await decrementCounts(client, rows);
      return rows.reduce((n, r) => n + r.n, 0);
    });
  }
}

async function decrementCounts(sql: Sql, rows: { profile_id: string; n: number }[]): Promise<void> {
  if (!rows.length) return;
  await sql.query(
    `UPDATE profiles p SET event_count = greatest(0, p.event_count - t.n) FROM unnest($1::text[], $2::int[]) AS t(id, n) WHERE p.profile_id = t.id`,
    [rows.map((r) => r.profile_id), rows.map((r) => r.n)],
  );
}
