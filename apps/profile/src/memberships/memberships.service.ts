import { Injectable } from '@nestjs/common';
import type { SegmentMembership } from '@weft/xdm';
import { ProfileDb } from '../database/profile-db';

/** Segment memberships of profiles, as segmentation publishes them, for the lookup API. */
@Injectable()
export class MembershipsService {
  constructor(private readonly db: ProfileDb) {}

  /** Stores the newest version of each (profile, segment); older or repeated versions change nothing. */
  async apply(memberships: readonly SegmentMembership[]): Promise<void> {
    const newest = new Map<string, SegmentMembership>();
    for (const m of memberships) {
      const key = `${m.profileId}\u0000${m.segmentId}`;
      const seen = newest.get(key);
      if (!seen || seen.version < m.version) newest.set(key, m);
    }
    if (!newest.size) return;
    const list = [...newest.values()];
    await this.db.query(
      `INSERT INTO memberships AS m (profile_id, segment_id, status, last_qualification_time, version)
       SELECT p, s, st, to_timestamp(q / 1000.0), v FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::bigint[]) AS t(p, s, st, q, v)
       ON CONFLICT (profile_id, segment_id) DO UPDATE SET status = EXCLUDED.status,
         last_qualification_time = EXCLUDED.last_qualification_time, version = EXCLUDED.version
       WHERE m.version < EXCLUDED.version`,
      [
        list.map((m) => m.profileId),
        list.map((m) => m.segmentId),
        list.map((m) => m.status),
        list.map((m) => m.lastQualificationTime),
        list.map((m) => m.version),
      ],
    );
  }
}
