import { Injectable } from '@nestjs/common';
import { SegmentationDb } from '../database/segmentation-db';
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
  constructor(private readonly db: SegmentationDb) {}

  /**
   * Stores snapshots unless a newer version is already stored (one multi-row upsert) and returns the ids of those
   * stored. An equal version is stored again, so a redelivered change is re-evaluated (evaluation is idempotent).
   */
  async save(snapshots: readonly ProfileSnapshot[]): Promise<Set<string>> {
    if (!snapshots.length) return new Set();
    // Rows travel as one JSON document: serialized natively, where text arrays are escaped element by element.
    const rows = snapshots.map((s) => ({
      p: s.profileId,
      v: s.version,
      d: s.deleted,
      f: s.flags.join('\x1f'),
      a: s.attributes,
      i: s.identities,
      e: s.events,
      m: s.mergePolicyId,
      u: s.updatedAt,
    }));
    const stored = await this.db.prepared<{ profile_id: string }>(
      'profile_snapshots.save',
      `INSERT INTO "profile_snapshots" AS t ("profile_id", "version", "deleted", "flags", "attributes", "identities", "events",
         "merge_policy_id", "updated_at", "received_at")
       SELECT u.p, u.v, u.d, string_to_array(u.f, E'\\x1f'), u.a, u.i, u.e, u.m, to_timestamp(u.u / 1000.0), now()
       FROM json_to_recordset($1::json) AS u(p text, v bigint, d boolean, f text, a text, i text, e text, m text, u float8)
       ON CONFLICT ("profile_id") DO UPDATE SET
         "version" = excluded."version", "deleted" = excluded."deleted", "flags" = excluded."flags",
         "attributes" = excluded."attributes", "identities" = excluded."identities", "events" = excluded."events",
         "merge_policy_id" = excluded."merge_policy_id", "updated_at" = excluded."updated_at", "received_at" = now()
       WHERE t."version" <= excluded."version"
       RETURNING t."profile_id"`,
      [JSON.stringify(rows)],
    );
    return new Set(stored.map((r) => r.profile_id));
  }

  async byIds(profileIds: readonly string[]): Promise<ProfileSnapshot[]> {
    if (!profileIds.length) return [];
    // One primary-key probe per profile (see MembershipsRepository.forProfiles).
    const rows = await this.db.query<SnapshotRow>(
      `SELECT s.* FROM unnest($1::text[]) AS k("id")
       CROSS JOIN LATERAL (SELECT ${COLUMNS} FROM "profile_snapshots" WHERE "profile_id" = k."id" LIMIT 1) s`,
      [profileIds],
    );
    return rows.map(toSnapshot);
  }

  /** The next page of eligible profiles after `after` (keyset pagination on profile id). */
  async eligiblePage(after: string | null, limit: number): Promise<ProfileSnapshot[]> {
    // Separate texts so the key condition is always an index range the planner can use.
    const rows = await this.db.query<SnapshotRow>(
      after === null
        ? `SELECT ${COLUMNS} FROM "profile_snapshots" WHERE ${ELIGIBLE} ORDER BY "profile_id" LIMIT $1`
        : `SELECT ${COLUMNS} FROM "profile_snapshots" WHERE "profile_id" > $2 AND ${ELIGIBLE} ORDER BY "profile_id" LIMIT $1`,
      after === null ? [limit] : [limit, after],
    );
    return rows.map(toSnapshot);
  }

  async countEligible(): Promise<number> {
    const [row] = await this.db.query<{ n: string }>(`SELECT count(*) AS n FROM "profile_snapshots" WHERE ${ELIGIBLE}`);
    return Number(row?.n ?? 0);
  }

  /** About `size` eligible profiles picked at random (a Bernoulli sample sized from the total). */
  async sample(size: number, total: number): Promise<ProfileSnapshot[]> {
    const percent = total <= size ? 100 : Math.min(100, ((size * 1.1) / total) * 100);
    const rows = await this.db.query<SnapshotRow>(
      `SELECT ${COLUMNS} FROM "profile_snapshots" TABLESAMPLE BERNOULLI ($1) WHERE ${ELIGIBLE} LIMIT $2`,
      [percent, size],
    );
    return rows.map(toSnapshot);
  }
}
