import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { MessagingClient } from '@weft/messaging';
import { CONFIG } from '@weft/platform';
import { topics, type GraphChange } from '@weft/xdm';
import type { IdentityConfig } from '../config';
import { SERVICE_DATABASE, type ServiceDatabase } from './graph-store.provider';
import { PostgresGraphStore } from './postgres-graph-store';

const PAGE = 1_000;

/**
 * Publishes the graph changes the graph store wrote to its outbox table, in the order they were written.
 *
 * Graph changes are written in the same transaction as the graph, so a change cannot be lost between the database
 * and Kafka. Publishing holds one advisory lock for the whole schema (changes are rare; order matters more than
 * parallelism) and deletes the rows it publishes in the same transaction, so each change is published once; only a
 * crash between the broker's acknowledgement and the commit publishes a change again, with the same changeId.
 * Changes of one graph are written by transactions that hold that graph's lock, so their order is their commit order.
 */
@Injectable()
export class GraphChangeOutbox implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(GraphChangeOutbox.name);
  private timer: NodeJS.Timeout | undefined;
  private readonly table: string;
  private readonly lockKey: string;

  constructor(
    @Inject(SERVICE_DATABASE) private readonly db: ServiceDatabase,
    private readonly messaging: MessagingClient,
    private readonly store: PostgresGraphStore,
    @Inject(CONFIG) private readonly config: IdentityConfig,
  ) {
    this.table = `"${db.schema.replace(/"/g, '""')}"."graph_changes"`;
    this.lockKey = createHash('sha1').update(`${db.schema}|outbox`).digest().readBigInt64BE(0).toString();
  }

  onModuleInit(): void {
    // Changes left behind by an instance that stopped between its commit and its publish.
    this.timer = setInterval(() => {
      this.flush().catch((err: unknown) => this.logger.warn(`publishing graph changes failed: ${String(err)}`));
      const retention = this.config.IDENTITY_APPLIED_RECORD_RETENTION_HOURS * 3_600_000;
      this.store
        .forgetAppliedBefore(new Date(Date.now() - retention))
        .catch((err: unknown) => this.logger.warn(`pruning applied record ids failed: ${String(err)}`));
    }, this.config.IDENTITY_OUTBOX_SWEEP_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Publishes every pending change; resolves after the broker acknowledged them. */
  async flush(): Promise<number> {
    let published = 0;
    for (;;) {
      const count = await this.publishPage();
      published += count;
      if (count < PAGE) return published;
    }
  }

  private async publishPage(): Promise<number> {
    const client = await this.db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [this.lockKey]);
      const { rows } = await client.query<{ seq: string; key: string; change: GraphChange }>(
        `DELETE FROM ${this.table} WHERE "seq" IN (SELECT "seq" FROM ${this.table} ORDER BY "seq" LIMIT ${PAGE})
         RETURNING "seq", "key", "change"`,
      );
      rows.sort((x, y) => (BigInt(x.seq) < BigInt(y.seq) ? -1 : 1));
      if (rows.length) {
        await this.messaging.publish(
          topics.identityGraph,
          rows.map((r) => ({ key: r.key, value: r.change })),
        );
      }
      await client.query('COMMIT');
      return rows.length;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }
}
