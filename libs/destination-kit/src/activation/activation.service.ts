import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { PermanentMessageError } from '@weft/messaging';
import type { ProfileChanged, SegmentMembership } from '@weft/xdm';
import type { DataSource, EntityManager } from 'typeorm';
import { queryRows, quotedSchema } from '../database/schema';
import { DataflowRegistry } from '../dataflows/dataflow-registry';
import type { DataflowEntity } from '../dataflows/dataflow.entity';
import { prepareExport, type ProfileSnapshot } from '../export/prepare-export';
import type { MembershipEntry, ProfileIdentityRef } from '../export/profile-document';
import { touchesMapping } from '../mapping/attribute-mapping';

interface RunCounts {
  received: number;
  excluded: number;
  reasons: Record<string, number>;
}

/** What one handler call writes to the outbox, and the run counters it bumps. */
class Enqueue {
  readonly connectionIds: string[] = [];
  readonly dataflowIds: string[] = [];
  readonly profileIds: string[] = [];
  readonly documents: string[] = [];
  readonly limits: number[] = [];
  readonly counts = new Map<string, RunCounts>();

  constructor(private readonly maxBatchProfiles: (connectionId: string) => number) {}

  add(flow: DataflowEntity, profileId: string, profile: ProfileSnapshot, memberships: MembershipEntry[]): void {
    const counts = this.counts.get(flow.id) ?? { received: 0, excluded: 0, reasons: {} };
    this.counts.set(flow.id, counts);
    counts.received++;
    const prepared = prepareExport(flow, profile, memberships);
    if ('excluded' in prepared) {
      counts.excluded++;
      counts.reasons[prepared.excluded] = (counts.reasons[prepared.excluded] ?? 0) + 1;
      return;
    }
    this.connectionIds.push(flow.connectionId);
    this.dataflowIds.push(flow.id);
    this.profileIds.push(profileId);
    this.documents.push(prepared.document);
    this.limits.push(this.maxBatchProfiles(flow.connectionId));
  }
}

const key = (profileId: string, segmentId: string) => `${profileId}\u0000${segmentId}`;

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new PermanentMessageError('invalid_json', `${what} is not valid JSON`);
  }
}

/**
 * Turns membership and profile changes into outbox rows, durably and idempotently: each handler call is one
 * transaction that records the latest membership status / profile version (older or repeated events change
 * nothing), writes the profile documents to send, and bumps the dataflows' run counters. Delivery happens later,
 * per connection, from the outbox.
 */
@Injectable()
export class ActivationService {
  private readonly s: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly registry: DataflowRegistry,
  ) {
    this.s = quotedSchema(dataSource);
  }

  /** Returns the connections that have new work. */
  async onMemberships(events: readonly SegmentMembership[]): Promise<string[]> {
    await this.registry.ready();
    const latest = new Map<string, SegmentMembership>();
    for (const e of events) {
      if (!this.registry.forSegment(e.segmentId).length) continue;
      const k = key(e.profileId, e.segmentId);
      const seen = latest.get(k);
      if (!seen || seen.version < e.version) latest.set(k, e);
    }
    if (!latest.size) return [];
    const list = [...latest.values()];
    // Documents are prepared for every candidate first (a read, outside any transaction); one statement then records
    // the new statuses and keeps only the candidates whose status really changed (newer version), writing their
    // documents (grouped per dataflow into outbox rows of up to maxBatchProfiles) and run counters atomically: a
    // redelivered or older event changes nothing.
    const projections = await this.projections(this.dataSource.manager, [...new Set(list.map((e) => e.profileId))]);
    const work = {
      profile: [] as string[],
      segment: [] as string[],
      dataflow: [] as string[],
      connection: [] as string[],
      document: [] as (string | null)[],
      reason: [] as (string | null)[],
      limit: [] as number[],
    };
    for (const event of list) {
      const profile = projections.get(event.profileId) ?? {
        attributes: event.attributes ? parseJson(event.attributes, 'SegmentMembership.attributes') : {},
        identities: event.identities,
      };
      const membership: MembershipEntry = { segmentId: event.segmentId, status: event.status, lastQualificationTime: event.lastQualificationTime };
      for (const flow of this.registry.forSegment(event.segmentId)) {
        const prepared = prepareExport(flow, profile, [membership]);
        work.profile.push(event.profileId);
        work.segment.push(event.segmentId);
        work.dataflow.push(flow.id);
        work.connection.push(flow.connectionId);
        work.document.push('document' in prepared ? prepared.document : null);
        work.reason.push('excluded' in prepared ? prepared.excluded : null);
        work.limit.push(this.registry.maxBatchProfiles(flow.connectionId));
      }
    }
    const queued = await queryRows<{ connection_id: string }>(
      this.dataSource,
      `WITH accepted AS (
         INSERT INTO ${this.s}."membership_state" (profile_id, segment_id, status, last_qualification_time, version)
         SELECT p, s, st, to_timestamp(t::double precision / 1000), v
         FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[]) AS u(p, s, st, t, v)
         ON CONFLICT (profile_id, segment_id) DO UPDATE
           SET status = excluded.status, last_qualification_time = excluded.last_qualification_time, version = excluded.version
           WHERE membership_state.version < excluded.version
         RETURNING profile_id, segment_id
       ), chosen AS (
         SELECT w.* FROM unnest($6::text[], $7::text[], $8::uuid[], $9::uuid[], $10::text[], $11::text[], $12::int[])
           WITH ORDINALITY AS w(p, s, d, c, doc, reason, lim, n)
         JOIN accepted a ON a.profile_id = w.p AND a.segment_id = w.s
       ), grouped AS (
         SELECT c, d, p, doc, n, (row_number() OVER (PARTITION BY d ORDER BY n) - 1) / lim AS g FROM chosen WHERE doc IS NOT NULL
       ), queued AS (
         INSERT INTO ${this.s}."outbox" (connection_id, dataflow_id, profile_ids, documents)
         SELECT c, d, array_agg(p ORDER BY n), '[' || string_agg(doc, ',' ORDER BY n) || ']' FROM grouped GROUP BY c, d, g ORDER BY min(n)
         RETURNING connection_id
       ), reasons AS (
         SELECT d, jsonb_object_agg(reason, k) AS er
         FROM (SELECT d, reason, count(*) AS k FROM chosen WHERE reason IS NOT NULL GROUP BY d, reason) AS r GROUP BY d
       ), runs AS (
         INSERT INTO ${this.s}."dataflow_runs" (dataflow_id, window_start, received, excluded_total, excluded_reasons)
         SELECT c.d, date_trunc('hour', now()), count(*), count(*) FILTER (WHERE c.reason IS NOT NULL), coalesce(min(r.er::text), '{}')::jsonb
         FROM chosen c LEFT JOIN reasons r ON r.d = c.d GROUP BY c.d ORDER BY c.d
         ON CONFLICT (dataflow_id, window_start) DO UPDATE SET
           received = dataflow_runs.received + excluded.received,
           excluded_total = dataflow_runs.excluded_total + excluded.excluded_total,
           excluded_reasons = ${this.s}."add_counts"(dataflow_runs.excluded_reasons, excluded.excluded_reasons),
           updated_at = now()
       )
       SELECT DISTINCT connection_id FROM queued`,
      [
        list.map((e) => e.profileId),
        list.map((e) => e.segmentId),
        list.map((e) => e.status),
        list.map((e) => e.lastQualificationTime),
        list.map((e) => e.version),
        work.profile,
        work.segment,
        work.dataflow,
        work.connection,
        work.document,
        work.reason,
        work.limit,
      ],
    );
    return queued.map((r) => r.connection_id);
  }

  /** Keeps the attribute projection; with `sendAttributeChanges`, also exports mapped-attribute changes of members. */
  async onProfiles(events: readonly ProfileChanged[]): Promise<string[]> {
    await this.registry.ready();
    const latest = new Map<string, ProfileChanged>();
    for (const e of events) {
      const seen = latest.get(e.profileId);
      if (!seen || seen.version < e.version) latest.set(e.profileId, e);
    }
    const deleted = [...latest.values()].filter((e) => e.deleted);
    const live = [...latest.values()].filter((e) => !e.deleted);
    const attributes = new Map(live.map((e) => [e.profileId, parseJson(e.attributes, 'ProfileChanged.attributes')]));
    return this.dataSource.transaction(async (em) => {
      if (deleted.length) {
        await em.query(`DELETE FROM ${this.s}."profile_projection" WHERE profile_id = ANY($1::text[])`, [deleted.map((e) => e.profileId)]);
      }
      if (!live.length) return [];
      const updated = await queryRows<{ profile_id: string }>(
        em,
        `INSERT INTO ${this.s}."profile_projection" (profile_id, version, attributes, identities, updated_at)
         SELECT p, v, a::jsonb, i::jsonb, now() FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[]) AS u(p, v, a, i)
         ON CONFLICT (profile_id) DO UPDATE
           SET version = excluded.version, attributes = excluded.attributes, identities = excluded.identities, updated_at = now()
           WHERE profile_projection.version < excluded.version
         RETURNING profile_id`,
        [
          live.map((e) => e.profileId),
          live.map((e) => e.version),
          live.map((e) => e.attributes),
          live.map((e) => JSON.stringify(e.identities.map(({ namespace, id, primary }) => ({ namespace, id, primary: !!primary })))),
        ],
      );
      const flows = this.registry.withAttributeChanges();
      if (!flows.length || !updated.length) return [];
      return this.exportAttributeChanges(em, flows, updated.map((u) => latest.get(u.profile_id) as ProfileChanged), attributes);
    });
  }

  private async exportAttributeChanges(
    em: EntityManager,
    flows: readonly DataflowEntity[],
    changes: ProfileChanged[],
    attributes: Map<string, unknown>,
  ): Promise<string[]> {
    const candidates = changes.flatMap((change) =>
      flows
        .filter((f) => touchesMapping(change.changedPaths, f.mapping) || change.changedPaths.some((p) => p.startsWith('identityMap')))
        .map((flow) => ({ change, flow })),
    );
    if (!candidates.length) return [];
    const segments = [...new Set(candidates.flatMap((c) => c.flow.segmentIds))];
    const rows: { profile_id: string; segment_id: string; lqt: string }[] = await em.query(
      `SELECT profile_id, segment_id, (extract(epoch FROM last_qualification_time) * 1000)::bigint AS lqt
       FROM ${this.s}."membership_state"
       WHERE profile_id = ANY($1::text[]) AND segment_id = ANY($2::text[]) AND status = 'realized'`,
      [[...new Set(candidates.map((c) => c.change.profileId))], segments],
    );
    const memberships = new Map<string, MembershipEntry[]>();
    for (const r of rows) {
      memberships.set(r.profile_id, [
        ...(memberships.get(r.profile_id) ?? []),
        { segmentId: r.segment_id, status: 'existing', lastQualificationTime: Number(r.lqt) },
      ]);
    }
    const out = new Enqueue((id) => this.registry.maxBatchProfiles(id));
    for (const { change, flow } of candidates) {
      const current = (memberships.get(change.profileId) ?? []).filter((m) => flow.segmentIds.includes(m.segmentId));
      if (!current.length) continue;
      const profile = { attributes: attributes.get(change.profileId), identities: change.identities };
      out.add(flow, change.profileId, profile, current);
    }
    await this.write(em, out);
    return [...new Set(out.connectionIds)];
  }

  private async projections(em: Pick<EntityManager, 'query'>, profileIds: string[]): Promise<Map<string, ProfileSnapshot>> {
    const rows: { profile_id: string; attributes: unknown; identities: ProfileIdentityRef[] }[] = await em.query(
      `SELECT profile_id, attributes, identities FROM ${this.s}."profile_projection" WHERE profile_id = ANY($1::text[])`,
      [profileIds],
    );
    return new Map(rows.map((r) => [r.profile_id, { attributes: r.attributes, identities: r.identities }]));
  }

  private async write(em: EntityManager, out: Enqueue): Promise<void> {
    if (out.documents.length) {
      await em.query(
        `INSERT INTO ${this.s}."outbox" (connection_id, dataflow_id, profile_ids, documents)
         SELECT c, d, array_agg(p ORDER BY n), '[' || string_agg(doc, ',' ORDER BY n) || ']'
         FROM (SELECT u.*, (row_number() OVER (PARTITION BY d ORDER BY n) - 1) / lim AS g
               FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::int[]) WITH ORDINALITY AS u(c, d, p, doc, lim, n)) AS w
         GROUP BY c, d, g ORDER BY min(n)`,
        [out.connectionIds, out.dataflowIds, out.profileIds, out.documents, out.limits],
      );
    }
    if (out.counts.size) {
      const ids = [...out.counts.keys()].sort(); // one lock order for concurrent counter upserts
      const counts = ids.map((id) => out.counts.get(id) as RunCounts);
      await em.query(
        `INSERT INTO ${this.s}."dataflow_runs" (dataflow_id, window_start, received, excluded_total, excluded_reasons)
         SELECT d, date_trunc('hour', now()), r, e, er::jsonb
         FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::text[]) AS u(d, r, e, er)
         ON CONFLICT (dataflow_id, window_start) DO UPDATE SET
           received = dataflow_runs.received + excluded.received,
           excluded_total = dataflow_runs.excluded_total + excluded.excluded_total,
           excluded_reasons = ${this.s}."add_counts"(dataflow_runs.excluded_reasons, excluded.excluded_reasons),
           updated_at = now()`,
        [ids, counts.map((c) => c.received), counts.map((c) => c.excluded), counts.map((c) => JSON.stringify(c.reasons))],
      );
    }
  }
}
