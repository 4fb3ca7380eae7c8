import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { CONFIG, DomainError } from '@weft/platform';
import type { ProfileConfig } from '../config';
import { ProfileDb } from '../database/profile-db';
import { markPrimary, mergeFragments, type JsonObject } from '../merge';
import { attributeMergeOf } from '../merge-policies/merge-policy.dto';
import type { MergePolicyEntity } from '../merge-policies/merge-policy.entity';
import { MergePoliciesService } from '../merge-policies/merge-policies.service';
import { fragmentFromRow } from '../store/materializer.service';
import type { FragmentDto, ProfileDto, ProfileEventDto, ProfileEventsPageDto, SegmentMembershipDto } from './profile.dto';

/**
 * The materialized profile as the lookup API answers it (a ProfileDto), rendered as JSON text by Postgres: the
 * stored attributes and identities go to the client without being parsed and serialized again in between.
 */
const MATERIALIZED_JSON = `json_build_object(
  'profileId', p.profile_id, 'mergePolicyId', p.merge_policy_id, 'version', p.version,
  'attributes', p.attributes, 'identities', p.identities,
  'segmentMemberships', (SELECT coalesce(json_agg(json_build_object('segmentId', m.segment_id, 'status', m.status,
      'lastQualificationTime', m.last_qualification_time, 'version', m.version) ORDER BY m.segment_id), '[]'::json)
    FROM memberships m WHERE m.profile_id = p.profile_id),
  'flags', p.flags, 'eventCount', p.event_count,
  'updatedAt', to_char(p.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text AS body`;

/** The default policy's lookup by identity: one row, the profile as JSON text. */
export const PROFILE_BY_IDENTITY_SQL = `SELECT ${MATERIALIZED_JSON} FROM identities i JOIN profiles p ON p.profile_id = i.profile_id WHERE i.namespace = $1 AND i.id = $2`;

export interface ExportOptions {
  cursor: string;
  limit: number;
  eventDays: number;
  maxEventsPerProfile: number;
  includeFlagged: boolean;
}

export function identityNotFound(namespace: string, id: string): DomainError {
  return new DomainError('profile_not_found', `no profile holds identity ${namespace}:${JSON.stringify(id)}`, HttpStatus.NOT_FOUND);
}

/** Reads of merged profiles: the materialized default, or any other policy computed on read. */
@Injectable()
export class ProfilesService {
  constructor(
    private readonly db: ProfileDb,
    private readonly policies: MergePoliciesService,
    @Inject(CONFIG) private readonly config: ProfileConfig,
  ) {}

  /**
   * The profile holding an identity, as JSON text (a ProfileDto). For the default policy this is one prepared,
   * indexed query.
   */
  async byIdentity(namespace: string, id: string, mergePolicyId?: string): Promise<string> {
    const policy = mergePolicyId ? await this.policies.get(mergePolicyId) : undefined;
    if (!policy || policy.isDefault) {
      const { rows } = await this.db.prepared<{ body: string }>(
        'profile-by-identity',
        PROFILE_BY_IDENTITY_SQL,
        [namespace, id],
      );
      if (!rows.length) throw identityNotFound(namespace, id);
      return rows[0].body;
    }
    const { rows } = await this.db.query<{ profile_id: string }>('SELECT profile_id FROM identities WHERE namespace = $1 AND id = $2', [namespace, id]);
    if (!rows.length) throw identityNotFound(namespace, id);
    return JSON.stringify(await this.computed(rows[0].profile_id, policy, `${namespace}:${id}`));
  }

  /** A profile by id, as JSON text (a ProfileDto). */
  async byProfileId(profileId: string, mergePolicyId?: string): Promise<string> {
    const policy = mergePolicyId ? await this.policies.get(mergePolicyId) : undefined;
    if (!policy || policy.isDefault) {
      const { rows } = await this.db.prepared<{ body: string }>('profile-by-id', `SELECT ${MATERIALIZED_JSON} FROM profiles p WHERE p.profile_id = $1`, [
        profileId,
      ]);
      if (!rows.length) throw await this.profileNotFound(profileId);
      return rows[0].body;
    }
    if (policy.identityStitching === 'none') {
      throw new DomainError(
        'identity_required',
        `mergePolicyId: policy ${policy.id} does not stitch identities; look the profile up by identity (namespace and id) instead`,
        HttpStatus.BAD_REQUEST,
        [{ path: 'mergePolicyId', code: 'identity_required', message: 'identityStitching none needs an identity lookup' }],
      );
    }
    return JSON.stringify(await this.computed(profileId, policy));
  }

  /** A merged profile under a non-default policy. Without stitching only the looked-up identity's data counts. */
  private async computed(profileId: string, policy: MergePolicyEntity, identityKey?: string): Promise<ProfileDto> {
    const unstitched = policy.identityStitching === 'none' && identityKey !== undefined;
    const [fragments, identities, materialized, memberships] = await Promise.all([
      this.db.query<{ dataset_id: string; primary_identity: string; attributes: JsonObject; ts: Date; received_at: Date }>(
        unstitched
          ? 'SELECT dataset_id, primary_identity, attributes, ts, received_at FROM fragments WHERE profile_id = $1 AND primary_identity = $2'
          : 'SELECT dataset_id, primary_identity, attributes, ts, received_at FROM fragments WHERE profile_id = $1',
        unstitched ? [profileId, identityKey] : [profileId],
      ),
      this.db.query<{ namespace: string; id: string; is_primary: boolean }>('SELECT namespace, id, is_primary FROM identities WHERE profile_id = $1', [profileId]),
      this.db.query<{ flags: string[]; event_count: number }>('SELECT flags, event_count FROM profiles WHERE profile_id = $1', [profileId]),
      this.memberships(profileId),
    ]);
    if (!fragments.rows.length && !identities.rows.length) throw await this.profileNotFound(profileId);
    const stored = identities.rows.map((r) => ({ namespace: r.namespace, id: r.id, primary: r.is_primary }));
    const merged = fragments.rows.map(fragmentFromRow);
    return {
      profileId,
      mergePolicyId: policy.id,
      attributes: mergeFragments(merged, attributeMergeOf(policy)),
      identities: markPrimary(
        unstitched ? stored.filter((i) => `${i.namespace}:${i.id}` === identityKey) : stored,
        merged,
        this.config.PRIMARY_NAMESPACE_PRIORITY,
      ),
      segmentMemberships: memberships,
      flags: materialized.rows[0]?.flags ?? [],
      eventCount: materialized.rows[0]?.event_count ?? 0,
    };
  }

  private async memberships(profileId: string): Promise<SegmentMembershipDto[]> {
    const { rows } = await this.db.query<{ segment_id: string; status: string; last_qualification_time: Date; version: string }>(
      'SELECT segment_id, status, last_qualification_time, version FROM memberships WHERE profile_id = $1 ORDER BY segment_id',
      [profileId],
    );
    return rows.map((r) => ({ segmentId: r.segment_id, status: r.status, lastQualificationTime: r.last_qualification_time.toISOString(), version: Number(r.version) }));
  }

  private async profileNotFound(profileId: string): Promise<DomainError> {
    const { rows } = await this.db.query<{ to_id: string }>('SELECT to_id FROM profile_redirects WHERE from_id = $1', [profileId]);
    const merged = rows[0]?.to_id;
    return new DomainError(
      'profile_not_found',
      merged ? `profile ${JSON.stringify(profileId)} was merged into ${JSON.stringify(merged)}` : `profile ${JSON.stringify(profileId)} does not exist`,
      HttpStatus.NOT_FOUND,
    );
  }

  private async requireProfile(profileId: string): Promise<void> {
    const { rowCount } = await this.db.query('SELECT 1 FROM profiles WHERE profile_id = $1', [profileId]);
    if (!rowCount) throw await this.profileNotFound(profileId);
  }

  /** Events of a profile from `since` on, oldest first, keyset-paginated by (timestamp, _id). */
  async events(profileId: string, query: { since?: string; cursor?: string; limit: number }): Promise<ProfileEventsPageDto> {
    await this.requireProfile(profileId);
    const cursor = query.cursor ? { ts: Number(query.cursor.slice(0, query.cursor.indexOf(':'))), id: query.cursor.slice(query.cursor.indexOf(':') + 1) } : null;
    const from = cursor ? cursor.ts : query.since ? Date.parse(query.since) : Date.UTC(1900, 0, 1);
    const { rows } = await this.db.query<{ id: string; ts: Date; event_type: string | null; dataset_id: string; payload: Record<string, unknown> }>(
      `SELECT id, ts, event_type, dataset_id, payload FROM events
       WHERE profile_id = $1 AND ts >= to_timestamp($2 / 1000.0) ${cursor ? 'AND (ts, id) > (to_timestamp($2 / 1000.0), $4)' : ''}
       ORDER BY ts, id LIMIT $3`,
      cursor ? [profileId, from, query.limit + 1, cursor.id] : [profileId, from, query.limit + 1],
    );
    const page = rows.slice(0, query.limit);
    const last = page[page.length - 1];
    const items: ProfileEventDto[] = page.map((r) => ({ id: r.id, timestamp: r.ts.toISOString(), eventType: r.event_type, datasetId: r.dataset_id, payload: r.payload }));
    return { items, next: rows.length > query.limit && last ? `${last.ts.getTime()}:${last.id}` : null };
  }

  async fragments(profileId: string): Promise<{ items: FragmentDto[] }> {
    const { rows } = await this.db.query<{ dataset_id: string; primary_identity: string; attributes: JsonObject; ts: Date; received_at: Date }>(
      'SELECT dataset_id, primary_identity, attributes, ts, received_at FROM fragments WHERE profile_id = $1 ORDER BY dataset_id, primary_identity',
      [profileId],
    );
    if (!rows.length) await this.requireProfile(profileId);
    return {
      items: rows.map((r) => ({
        datasetId: r.dataset_id,
        primaryIdentity: r.primary_identity,
        attributes: r.attributes,
        timestamp: r.ts.toISOString(),
        receivedAt: r.received_at.toISOString(),
      })),
    };
  }

  /** The profile id the page after this one starts after, or null when this page is the last. */
  async exportNextCursor(options: ExportOptions): Promise<string | null> {
    const { rows } = await this.db.query<{ profile_id: string }>(
      `SELECT profile_id FROM profiles WHERE profile_id > $1 ${options.includeFlagged ? '' : "AND flags = '{}'"}
       ORDER BY profile_id OFFSET $2 LIMIT 1`,
      [options.cursor, options.limit - 1],
    );
    return rows[0]?.profile_id ?? null;
  }

  /**
   * Export lines (NDJSON) of materialized profiles after `cursor`, by profile id, read in chunks so memory stays
   * bounded whatever the page size. Flagged profiles are left out unless asked for.
   */
  async *exportLines(options: ExportOptions, chunkSize = 500): AsyncGenerator<string> {
    let after = options.cursor;
    let remaining = options.limit;
    const since = new Date(Date.now() - options.eventDays * 86_400_000);
    while (remaining > 0) {
      const { rows } = await this.db.query<{ profile_id: string; attributes: string; identities: string; flags: string[]; events: string }>(
        `SELECT p.profile_id, p.attributes::text AS attributes, p.identities::text AS identities, p.flags,
           (SELECT coalesce(json_agg(json_build_object('id', e.id, 'timestamp', e.ts, 'eventType', e.event_type,
                'datasetId', e.dataset_id, 'payload', e.payload) ORDER BY e.ts DESC), '[]'::json)::text
            FROM (SELECT * FROM events WHERE profile_id = p.profile_id AND ts > $3 ORDER BY ts DESC LIMIT $4) e) AS events
         FROM profiles p WHERE p.profile_id > $1 ${options.includeFlagged ? '' : "AND p.flags = '{}'"}
         ORDER BY p.profile_id LIMIT $2`,
        [after, Math.min(chunkSize, remaining), since, options.maxEventsPerProfile],
      );
      if (!rows.length) return;
      for (const r of rows) {
        yield `{"profileId":${JSON.stringify(r.profile_id)},"attributes":${r.attributes},"identities":${r.identities},"events":${r.events},"flags":${JSON.stringify(r.flags)}}\n`;
      }
      remaining -= rows.length;
      after = rows[rows.length - 1].profile_id;
      if (rows.length < chunkSize) return;
    }
  }
}
