import { Injectable } from '@nestjs/common';
import type { MembershipStatus } from '@weft/xdm';
import { SegmentationDb } from '../database/segmentation-db';
import type { MembershipChange, StoredMembership } from '../evaluation/membership-diff';

interface MembershipRow {
  profile_id: string;
  segment_id: string;
  status: MembershipStatus;
  version: number;
  profile_version: string;
}

/** A membership as the API shows it. */
export interface MembershipView {
  profileId: string;
  segmentId: string;
  status: MembershipStatus;
  version: number;
  lastQualificationTime: string;
  updatedAt: string;
}

const toStored = (r: MembershipRow): StoredMembership => ({
  profileId: r.profile_id,
  segmentId: r.segment_id,
  status: r.status,
  version: r.version,
  profileVersion: Number(r.profile_version),
});

const STORED = `"profile_id", "segment_id", "status", "version", "profile_version"`;
const VIEW = `"profile_id" AS "profileId", "segment_id" AS "segmentId", "status", "version",
  to_char("last_qualification_time" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "lastQualificationTime",
  to_char("updated_at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "updatedAt"`;

/** Membership rows keyed (profile id, segment id), with a version that grows with every status change. */
@Injectable()
export class MembershipsRepository {
  constructor(private readonly db: SegmentationDb) {}

  async forProfiles(profileIds: readonly string[]): Promise<StoredMembership[]> {
    if (!profileIds.length) return [];
    // One primary-key probe per profile: `= ANY(…)` over a table without statistics is planned as a whole-table scan.
    // OFFSET 0 keeps the subquery from being flattened into a join the planner could hash.
    const rows = await this.db.prepared<MembershipRow>(
      'memberships.forProfiles',
      `SELECT m.* FROM unnest($1::text[]) AS k("id")
       CROSS JOIN LATERAL (SELECT ${STORED} FROM "memberships" WHERE "profile_id" = k."id" OFFSET 0) m`,
      [profileIds],
    );
    return rows.map(toStored);
  }

  /** Rows of profiles with ids in (after, upTo]; open-ended where null. */
  async inRange(after: string | null, upTo: string | null): Promise<StoredMembership[]> {
    // Only the bounds that exist go into the text, so the planner always sees an index range.
    const conditions: string[] = [];
    const params: string[] = [];
    if (after !== null) conditions.push(`"profile_id" > $${params.push(after)}`);
    if (upTo !== null) conditions.push(`"profile_id" <= $${params.push(upTo)}`);
    const rows = await this.db.query<MembershipRow>(
      `SELECT ${STORED} FROM "memberships"${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''}`,
      params,
    );
    return rows.map(toStored);
  }

  /** Writes changes in one multi-row upsert; a row only moves forward in version (idempotent under replays). */
  async save(changes: readonly MembershipChange[]): Promise<void> {
    if (!changes.length) return;
    // Rows travel as one JSON document: serialized natively, where text arrays are escaped element by element.
    const rows = changes.map((c) => ({ p: c.profileId, s: c.segmentId, st: c.status, v: c.version, t: c.lastQualificationTime, pv: c.profileVersion }));
    await this.db.prepared(
      'memberships.save',
      `INSERT INTO "memberships" AS t ("profile_id", "segment_id", "status", "version", "last_qualification_time",
         "profile_version", "updated_at")
       SELECT u.p, u.s, u.st, u.v, to_timestamp(u.t / 1000.0), u.pv, now()
       FROM json_to_recordset($1::json) AS u(p text, s text, st text, v int, t float8, pv bigint)
       ON CONFLICT ("profile_id", "segment_id") DO UPDATE SET
         "status" = excluded."status", "version" = excluded."version",
         "last_qualification_time" = excluded."last_qualification_time",
         "profile_version" = excluded."profile_version", "updated_at" = now()
       WHERE t."version" < excluded."version"`,
      [JSON.stringify(rows)],
    );
  }

  /** Profiles realized in any of `segmentIds`, after `after` in id order (keyset pagination). */
  async realizedProfiles(segmentIds: readonly string[], after: string | null, limit: number): Promise<string[]> {
    if (!segmentIds.length) return [];
    const rows = await this.db.query<{ profile_id: string }>(
      `SELECT DISTINCT "profile_id" FROM "memberships"
       WHERE "status" = 'realized' AND "segment_id" = ANY($1::text[]) AND "profile_id" > $2
       ORDER BY "profile_id" LIMIT $3`,
      [segmentIds, after ?? '', limit],
    );
    return rows.map((r) => r.profile_id);
  }

  async list(filter: { profileId?: string; segmentId?: string; status?: MembershipStatus }, after: string | null, limit: number): Promise<MembershipView[]> {
    const conditions = ['true'];
    const params: unknown[] = [limit];
    if (filter.profileId !== undefined) conditions.push(`"profile_id" = $${params.push(filter.profileId)}`);
    if (filter.segmentId !== undefined) conditions.push(`"segment_id" = $${params.push(filter.segmentId)}`);
    if (filter.status !== undefined) conditions.push(`"status" = $${params.push(filter.status)}`);
    if (after !== null) conditions.push(`"profile_id" > $${params.push(after)}`);
    return this.db.query<MembershipView>(
      `SELECT ${VIEW} FROM "memberships" WHERE ${conditions.join(' AND ')} ORDER BY "profile_id", "segment_id" LIMIT $1`,
      params,
    );
  }

  async countRealized(segmentId: string): Promise<number> {
    const [row] = await this.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM "memberships" WHERE "segment_id" = $1 AND "status" = 'realized'`,
      [segmentId],
    );
    return Number(row?.n ?? 0);
  }
}
