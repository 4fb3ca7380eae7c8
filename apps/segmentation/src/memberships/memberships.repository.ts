import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { MembershipStatus } from '@weft/xdm';
import { quotedSchema } from '../common/schema-name';
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
  private readonly table: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.table = `${quotedSchema(dataSource)}."memberships"`;
  }

  async forProfiles(profileIds: readonly string[]): Promise<StoredMembership[]> {
    if (!profileIds.length) return [];
    const rows = await this.dataSource.query<MembershipRow[]>(
      `SELECT ${STORED} FROM ${this.table} WHERE "profile_id" = ANY($1::text[])`,
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
    const rows = await this.dataSource.query<MembershipRow[]>(
      `SELECT ${STORED} FROM ${this.table}${conditions.length ? ` WHERE ${conditions.join(' AND ')}` : ''}`,
      params,
    );
    return rows.map(toStored);
  }

  /** Writes changes in one multi-row upsert; a row only moves forward in version (idempotent under replays). */
  async save(changes: readonly MembershipChange[]): Promise<void> {
    if (!changes.length) return;
    await this.dataSource.query(
      `INSERT INTO ${this.table} AS t ("profile_id", "segment_id", "status", "version", "last_qualification_time",
         "profile_version", "updated_at")
       SELECT u.profile_id, u.segment_id, u.status, u.version, to_timestamp(u.lqt / 1000.0), u.profile_version, now()
       FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::float8[], $6::bigint[])
         AS u(profile_id, segment_id, status, version, lqt, profile_version)
       ON CONFLICT ("profile_id", "segment_id") DO UPDATE SET
         "status" = excluded."status", "version" = excluded."version",
         "last_qualification_time" = excluded."last_qualification_time",
         "profile_version" = excluded."profile_version", "updated_at" = now()
       WHERE t."version" < excluded."version"`,
      [
        changes.map((c) => c.profileId),
        changes.map((c) => c.segmentId),
        changes.map((c) => c.status),
        changes.map((c) => c.version),
        changes.map((c) => c.lastQualificationTime),
        changes.map((c) => c.profileVersion),
      ],
    );
  }

  /** Profiles realized in any of `segmentIds`, after `after` in id order (keyset pagination). */
  async realizedProfiles(segmentIds: readonly string[], after: string | null, limit: number): Promise<string[]> {
    if (!segmentIds.length) return [];
    const rows = await this.dataSource.query<{ profile_id: string }[]>(
      `SELECT DISTINCT "profile_id" FROM ${this.table}
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
    return this.dataSource.query<MembershipView[]>(
      `SELECT ${VIEW} FROM ${this.table} WHERE ${conditions.join(' AND ')} ORDER BY "profile_id", "segment_id" LIMIT $1`,
      params,
    );
  }

  async countRealized(segmentId: string): Promise<number> {
    const [row] = await this.dataSource.query<{ n: string }[]>(
      `SELECT count(*) AS n FROM ${this.table} WHERE "segment_id" = $1 AND "status" = 'realized'`,
      [segmentId],
    );
    return Number(row?.n ?? 0);
  }
}
