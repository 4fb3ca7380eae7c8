import { Injectable } from '@nestjs/common';
import type { Sql } from '../database/profile-db';

/** First instant of the UTC month holding `ms`. */
export function monthStart(ms: number): Date {
  const d = new Date(ms);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
}

export function partitionName(month: Date): string {
  return `events_y${month.getUTCFullYear()}m${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
}

/**
 * Monthly partitions of the events table, created when the first event of a month arrives. Creating them
 * outside the batch transaction keeps the parent table's lock short.
 */
@Injectable()
export class EventPartitions {
  private readonly known = new Set<string>();

  async ensure(sql: Sql, timestamps: Iterable<number>): Promise<void> {
    const months = new Map<string, Date>();
    for (const ts of timestamps) {
      const month = monthStart(ts);
      const name = partitionName(month);
      if (!this.known.has(name)) months.set(name, month);
    }
    if (!months.size) return;
    const { rows } = await sql.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'events'::regclass`,
    );
    for (const r of rows) this.known.add(r.name);
    for (const [name, month] of months) {
      if (this.known.has(name)) continue;
      const next = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1));
      try {
        await sql.query(
          `CREATE TABLE IF NOT EXISTS ${name} PARTITION OF events FOR VALUES FROM ('${month.toISOString()}') TO ('${next.toISOString()}')`,
        );
      } catch (err) {
        // Another instance created it at the same moment.
        const code = (err as { code?: string }).code;
        if (code !== '42P07' && code !== '23505') throw err;
      }
      this.known.add(name);
    }
  }

  /** Partitions whose every event is older than `cutoff`, oldest first. */
  async olderThan(sql: Sql, cutoff: Date): Promise<string[]> {
    const { rows } = await sql.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'events'::regclass ORDER BY c.relname`,
    );
    return rows
      .map((r) => r.name)
      .filter((name) => {
        const m = /^events_y(\d{4})m(\d{2})$/.exec(name);
        return m !== null && Date.UTC(Number(m[1]), Number(m[2]), 1) <= cutoff.getTime();
      });
  }

  forget(name: string): void {
    this.known.delete(name);
  }
}
