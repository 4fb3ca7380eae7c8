import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { queryRows, quotedSchema } from '../database/schema';
import type { ClaimResult, ClaimedDelivery, DeliveryItem, DeliveryReport, DeliveryStore } from './delivery';

interface OutboxRow {
  delivery_id: string | null;
  attempts: number | null;
  dataflow_id: string | null;
  profile_ids: string[] | null;
  documents: string | null;
  enqueued_ms: string | null;
}

const toItem = (r: OutboxRow): DeliveryItem => ({
  dataflowId: r.dataflow_id as string,
  profileIds: r.profile_ids as string[],
  documents: r.documents as string,
  enqueuedAt: Number(r.enqueued_ms),
});

const leaseInterval = (param: string) => `clock_timestamp() + make_interval(secs => ${param}::double precision / 1000)`;

/**
 * The outbox in Postgres. Each row holds the documents one Kafka batch wrote for one dataflow (a JSON array of up to
 * `maxBatchProfiles`), so the statements below touch a few rows per request, not one per profile. A claim stamps
 * waiting rows (up to `max` profiles in all) with a new delivery id (the idempotency key) and a lease, in one statement
 * with SKIP LOCKED, so any number of workers and instances drain one connection without sending a row twice; a
 * delivery whose lease ran out is taken over whole, with the same id. Completion and dead-lettering delete the rows,
 * write the delivery log and bump the run counters in one statement.
 */
export class PgDeliveryStore implements DeliveryStore {
  private readonly s: string;

  constructor(private readonly dataSource: DataSource) {
    this.s = quotedSchema(dataSource);
  }

  async claimBatch(connectionId: string, max: number, maxWaitMs: number, leaseMs: number): Promise<ClaimResult> {
    const deliveryId = randomUUID();
    const rows: (OutboxRow & { wait_ms: string | null; n: string })[] = await this.dataSource.query(
      `WITH waiting AS (
         SELECT id, enqueued_at, cardinality(profile_ids) AS k FROM ${this.s}."outbox"
         WHERE connection_id = $1 AND delivery_id IS NULL ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED
       ), go AS (
         SELECT count(*) AS n,
                coalesce(sum(k), 0) >= $2 OR min(enqueued_at) <= clock_timestamp() - make_interval(secs => $3::double precision / 1000) AS ok,
                extract(epoch FROM min(enqueued_at) + make_interval(secs => $3::double precision / 1000) - clock_timestamp()) * 1000 AS wait_ms
         FROM waiting
       ), picked AS (
         SELECT id FROM (SELECT id, sum(k) OVER (ORDER BY id) AS upto, row_number() OVER (ORDER BY id) AS rn FROM waiting) AS w
         WHERE upto <= $2 OR rn = 1
       ), claimed AS (
         UPDATE ${this.s}."outbox" o SET delivery_id = $4, attempts = 0, lease_until = ${leaseInterval('$5')}
         FROM picked, go WHERE o.id = picked.id AND go.ok
         RETURNING o.id, o.delivery_id, o.attempts, o.dataflow_id, o.profile_ids, o.documents,
                   (extract(epoch FROM o.enqueued_at) * 1000)::bigint AS enqueued_ms
       )
       SELECT go.n, go.wait_ms, c.delivery_id, c.attempts, c.dataflow_id, c.profile_ids, c.documents, c.enqueued_ms
       FROM go LEFT JOIN claimed c ON true ORDER BY c.id`,
      [connectionId, max, maxWaitMs, deliveryId, leaseMs],
    );
    const claimed = rows.filter((r) => r.delivery_id);
    if (claimed.length) return { delivery: { id: deliveryId, connectionId, attempts: 0, items: claimed.map(toItem) } };
    const n = Number(rows[0]?.n ?? 0);
    return { waitMs: n === 0 ? null : Math.max(1, Math.ceil(Number(rows[0].wait_ms ?? 1))) };
  }

  async claimExpired(connectionId: string, leaseMs: number): Promise<ClaimedDelivery | null> {
    const rows = await queryRows<OutboxRow & { id: string }>(
      this.dataSource,
      `WITH target AS (
         SELECT delivery_id FROM ${this.s}."outbox"
         WHERE connection_id = $1 AND delivery_id IS NOT NULL AND lease_until < clock_timestamp()
         ORDER BY lease_until LIMIT 1 FOR UPDATE SKIP LOCKED
       )
       UPDATE ${this.s}."outbox" o SET lease_until = ${leaseInterval('$2')}
       WHERE o.delivery_id = (SELECT delivery_id FROM target) AND o.lease_until < clock_timestamp()
       RETURNING o.id, o.delivery_id, o.attempts, o.dataflow_id, o.profile_ids, o.documents,
                 (extract(epoch FROM o.enqueued_at) * 1000)::bigint AS enqueued_ms`,
      [connectionId, leaseMs],
    );
    if (!rows.length) return null;
    rows.sort((a, b) => Number(a.id) - Number(b.id));
    return {
      id: rows[0].delivery_id as string,
      connectionId,
      attempts: Math.max(...rows.map((r) => r.attempts ?? 0)),
      items: rows.map(toItem),
    };
  }

  async recordAttempt(deliveryId: string, attempts: number, leaseMs: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE ${this.s}."outbox" SET attempts = $2, lease_until = ${leaseInterval('$3')} WHERE delivery_id = $1`,
      [deliveryId, attempts, leaseMs],
    );
  }

  async release(deliveryId: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE ${this.s}."outbox" SET lease_until = clock_timestamp() - interval '1 second' WHERE delivery_id = $1`,
      [deliveryId],
    );
  }

  async complete(delivery: ClaimedDelivery, report: DeliveryReport): Promise<void> {
    await this.dataSource.query(
      `WITH del AS (
         DELETE FROM ${this.s}."outbox" WHERE delivery_id = $1 RETURNING dataflow_id, cardinality(profile_ids) AS k, enqueued_at
       ), counts AS (
         SELECT dataflow_id, sum(k)::bigint AS n, min(enqueued_at) AS first FROM del GROUP BY dataflow_id
       ), log AS (
         INSERT INTO ${this.s}."delivery_log"
           (delivery_id, connection_id, dataflow_ids, profiles, outcome, status, error, attempts, attempt_log, first_enqueued_at)
         SELECT $1, $2, array_agg(dataflow_id), jsonb_object_agg(dataflow_id, n), 'delivered', $3, NULL, $4, $5::jsonb, min(first)
         FROM counts HAVING count(*) > 0
       )
       INSERT INTO ${this.s}."dataflow_runs" (dataflow_id, window_start, sent)
       SELECT dataflow_id, date_trunc('hour', now()), n FROM counts ORDER BY dataflow_id
       ON CONFLICT (dataflow_id, window_start)
       DO UPDATE SET sent = dataflow_runs.sent + excluded.sent, updated_at = now()`,
      [delivery.id, delivery.connectionId, report.status ?? null, report.attempts, JSON.stringify(report.log)],
    );
  }

  async deadLetter(delivery: ClaimedDelivery, report: DeliveryReport): Promise<void> {
    await this.dataSource.query(
      `WITH del AS (
         DELETE FROM ${this.s}."outbox" WHERE delivery_id = $1
         RETURNING id, dataflow_id, profile_ids, documents, enqueued_at
       ), items AS (
         SELECT del.id, p.n, del.dataflow_id, p.profile_id, d.document::text AS document, del.enqueued_at
         FROM del
         CROSS JOIN LATERAL unnest(del.profile_ids) WITH ORDINALITY AS p(profile_id, n)
         JOIN LATERAL json_array_elements(del.documents::json) WITH ORDINALITY AS d(document, n) ON d.n = p.n
       ), counts AS (
         SELECT dataflow_id, count(*)::bigint AS n, min(enqueued_at) AS first FROM items GROUP BY dataflow_id
       ), dl AS (
         INSERT INTO ${this.s}."dead_letters"
           (id, connection_id, dataflow_ids, items, profile_count, attempts, last_status, last_error, attempt_log)
         SELECT $1, $2, array_agg(DISTINCT dataflow_id),
                jsonb_agg(jsonb_build_object('dataflowId', dataflow_id, 'profileId', profile_id, 'document', document,
                  'enqueuedAt', (extract(epoch FROM enqueued_at) * 1000)::bigint) ORDER BY id, n),
                count(*), $4, $3, $6, $5::jsonb
         FROM items HAVING count(*) > 0
         ON CONFLICT (id) DO UPDATE SET items = excluded.items, profile_count = excluded.profile_count,
           attempts = excluded.attempts, last_status = excluded.last_status, last_error = excluded.last_error,
           attempt_log = excluded.attempt_log, failed_at = now()
       ), log AS (
         INSERT INTO ${this.s}."delivery_log"
           (delivery_id, connection_id, dataflow_ids, profiles, outcome, status, error, attempts, attempt_log, first_enqueued_at)
         SELECT $1, $2, array_agg(dataflow_id), jsonb_object_agg(dataflow_id, n), 'dead_lettered', $3, $6, $4, $5::jsonb, min(first)
         FROM counts HAVING count(*) > 0
       )
       INSERT INTO ${this.s}."dataflow_runs" (dataflow_id, window_start, failed)
       SELECT dataflow_id, date_trunc('hour', now()), n FROM counts ORDER BY dataflow_id
       ON CONFLICT (dataflow_id, window_start)
       DO UPDATE SET failed = dataflow_runs.failed + excluded.failed, updated_at = now()`,
      [delivery.id, delivery.connectionId, report.status ?? null, report.attempts, JSON.stringify(report.log), report.error ?? null],
    );
  }

  /** Puts a dead letter back in the outbox under its own id, leased-out so a worker takes it over at once. */
  async replay(connectionId: string, deadLetterId: string): Promise<number> {
    const rows: unknown[] = await this.dataSource.query(
      `WITH dl AS (
         DELETE FROM ${this.s}."dead_letters" WHERE id = $1 AND connection_id = $2 RETURNING id, connection_id, items
       )
       INSERT INTO ${this.s}."outbox" (connection_id, dataflow_id, profile_ids, documents, enqueued_at, delivery_id, attempts, lease_until)
       SELECT dl.connection_id, (i ->> 'dataflowId')::uuid, ARRAY[i ->> 'profileId'], '[' || (i ->> 'document') || ']',
              to_timestamp((i ->> 'enqueuedAt')::double precision / 1000), dl.id, 0, clock_timestamp() - interval '1 second'
       FROM dl, jsonb_array_elements(dl.items) WITH ORDINALITY AS e(i, n)
       ORDER BY e.n
       RETURNING id`,
      [deadLetterId, connectionId],
    );
    return rows.length;
  }

  async pruneLog(retentionDays: number): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM ${this.s}."delivery_log" WHERE finished_at < now() - make_interval(days => $1)`,
      [retentionDays],
    );
  }
}
