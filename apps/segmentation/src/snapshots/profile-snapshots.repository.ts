import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { quotedSchema } from '../common/schema-name';
import type { ProfileSnapshot } from '../evaluation/profile-snapshot';

interface SnapshotRow {
  profile_id: string;
  version: string;
  deleted: boolean;
  flags: string[];
  attributes: string;
  identities: string;
  events: string;
  merge_policy_id: string;
  updated_at: string;
}

const COLUMNS = `"profile_id", "version", "deleted", "flags", "attributes", "identities", "events", "merge_policy_id",
  (extract(epoch from "updated_at") * 1000)::float8 AS "updated_at"`;
/** Profiles segmentation evaluates: neither deleted nor flagged by a guardrail. */
const ELIGIBLE = `"eligible"`;

function toSnapshot(row: SnapshotRow): ProfileSnapshot {
  return {
    profileId: row.profile_id,
    version: Number(row.version),
    deleted: row.deleted,
    flags: row.flags,
    attributes: row.attributes,
    identities: row.identities,
    events: row.events,
    mergePolicyId: row.merge_policy_id,
    updatedAt: Number(row.updated_at),
  };
}

/** The change-feed-built store of the latest snapshot of every profile. */
@Injectable()
export class ProfileSnapshotsRepository {
  private readonly table: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.table = `${quotedSchema(dataSource)}."profile_snapshots"`;
  }

  /**
   * Stores snapshots unless a newer version is already stored (one multi-row upsert) and returns the ids of those
   * stored. An equal version is stored again, so a redelivered change is re-evaluated (evaluation is idempotent).
   */
  async save(snapshots: readonly ProfileSnapshot[]): Promise<Set<string>> {
    if (!snapshots.length) return new Set();
    const rows = await this.dataSource.query<{ profile_id: string }[]>(
      `INSERT INTO ${this.table} AS t ("profile_id", "version", "deleted", "flags", "attributes", "identities", "events",
         "merge_policy_id", "updated_at", "received_at")
       SELECT u.profile_id, u.version, u.deleted, string_to_array(u.flags, E'\\x1f'), u.attributes, u.identities, u.events,
         u.merge_policy_id, to_timestamp(u.updated_at / 1000.0), now()
       FROM unnest($1::text[], $2::bigint[], $3::boolean[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::float8[])
         AS u(profile_id, version, deleted, flags, attributes, identities, events, merge_policy_id, updated_at)
       ON CONFLICT ("profile_id") DO UPDATE SET
         "version" = excluded."version", "deleted" = excluded."deleted", "flags" = excluded."flags",
         "attributes" = excluded."attributes", "identities" = excluded."identities", "events" = excluded."events",
         "merge_policy_id" = excluded."merge_policy_id", "updated_at" = excluded."updated_at", "received_at" = now()
       WHERE t."version" <= excluded."version"
       RETURNING t."profile_id"`,
      [
        snapshots.map((s) => s.profileId),
        snapshots.map((s) => s.version),
        snapshots.map((s) => s.deleted),
        snapshots.map((s) => s.flags.join('\x1f')),
        snapshots.map((s) => s.attributes),
        snapshots.map((s) => s.identities),
        snapshots.map((s) => s.events),
        snapshots.map((s) => s.mergePolicyId),
        snapshots.map((s) => s.updatedAt),
      ],
    );
    return new Set(rows.map((r) => r.profile_id));
  }

  async byIds(profileIds: readonly string[]): Promise<ProfileSnapshot[]> {
    if (!profileIds.length) return [];
    const rows = await this.dataSource.query<SnapshotRow[]>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE "profile_id" = ANY($1::text[])`,
      [profileIds],
    );
    return rows.map(toSnapshot);
  }

  /** The next page of eligible profiles after `after` (keyset pagination on profile id). */
  async eligiblePage(after: string | null, limit: number): Promise<ProfileSnapshot[]> {
    // Separate texts so the key condition is always an index range the planner can use.
    const rows = await this.dataSource.query<SnapshotRow[]>(
      after === null
        ? `SELECT ${COLUMNS} FROM ${this.table} WHERE ${ELIGIBLE} ORDER BY "profile_id" LIMIT $1`
        : `SELECT ${COLUMNS} FROM ${this.table} WHERE "profile_id" > $2 AND ${ELIGIBLE} ORDER BY "profile_id" LIMIT $1`,
      after === null ? [limit] : [limit, after],
    );
    return rows.map(toSnapshot);
  }

  async countEligible(): Promise<number> {
    const [row] = await this.dataSource.query<{ n: string }[]>(`SELECT count(*) AS n FROM ${this.table} WHERE ${ELIGIBLE}`);
    return Number(row?.n ?? 0);
  }

  /** About `size` eligible profiles picked at random (a Bernoulli sample sized from the total). */
  async sample(size: number, total: number): Promise<ProfileSnapshot[]> {
    const percent = total <= size ? 100 : Math.min(100, ((size * 1.1) / total) * 100);
    const rows = await this.dataSource.query<SnapshotRow[]>(
      `SELECT ${COLUMNS} FROM ${this.table} TABLESAMPLE BERNOULLI ($1) WHERE ${ELIGIBLE} LIMIT $2`,
      [percent, size],
    );
    return rows.map(toSnapshot);
  }
}
