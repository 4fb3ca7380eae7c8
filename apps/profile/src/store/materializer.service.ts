import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { MessageError, MessagingClient } from '@weft/messaging';
import { CONFIG } from '@weft/platform';
import { topics, type ProfileChanged, type ProfileEvent } from '@weft/xdm';
import type { ProfileConfig } from '../config';
import { ProfileDb, PROFILE_MOVE_LOCK, type Sql } from '../database/profile-db';
import {
  guardrailFlags,
  markPrimary,
  mergeFragments,
  profileChanges,
  type Fragment,
  type GuardrailLimits,
  type JsonObject,
  type MergedProfile,
  type ProfileIdentityValue,
} from '../merge';
import { attributeMergeOf } from '../merge-policies/merge-policy.dto';
import { MergePoliciesService } from '../merge-policies/merge-policies.service';

export const RECENT_EVENTS_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface RecomputeOptions {
  /** Events newly stored per profile by the change being applied. */
  newEvents?: ReadonlyMap<string, number>;
  /** Count the profiles' events again (after data moved between profiles). */
  recount?: boolean;
  /**
   * Profiles whose fragments and identities did not change (they only gained events): their merged attributes are
   * taken from the materialized row instead of being merged again.
   */
  eventsOnly?: ReadonlySet<string>;
}

interface FragmentRow {
  profile_id: string;
  dataset_id: string;
  primary_identity: string;
  attributes: JsonObject;
  ts: Date;
  received_at: Date;
}

/** A fragment as the recompute statement aggregates it: dataset, primary identity, attributes, ts and received_at (epoch ms). */
type FragmentTuple = [string, string, JsonObject, number, number];
/** An event as aggregated: _id, timestamp (epoch ms), event type, dataset, payload (JSON text). */
type EventTuple = [string, number, string | null, string, string];

/** One profile's state as the recompute statement reads it. */
interface StateRow {
  id: string;
  materialized: boolean;
  version: string | null;
  attributes: JsonObject;
  identities: ProfileIdentityValue[];
  flags: string[];
  event_count: number;
  fragments: FragmentTuple[];
  identity_rows: [string, string, boolean][];
  counted: number | null;
  recent: EventTuple[] | null;
}

interface Change {
  id: string;
  /** Version of the materialized row the change was computed from (null: there was none). */
  basedOn: string | null;
  profile: MergedProfile;
  paths: string[];
  recent: EventTuple[] | null;
}

/**
 * Another transaction changed (or created) a materialized profile between this transaction's read and its write,
 * e.g. a batch of another partition writing the same profile through a redirect. The transaction is rolled back and
 * applied again: what it reads then includes the other one's data.
 */
export class ProfileWriteConflict extends MessageError {
  constructor(readonly profileIds: string[]) {
    super('profile_write_conflict', `profiles changed by another transaction meanwhile: ${profileIds.slice(0, 5).join(', ')}`, true);
    this.name = 'ProfileWriteConflict';
  }
}

export function fragmentFromRow(row: Omit<FragmentRow, 'profile_id'>): Fragment {
  return {
    datasetId: row.dataset_id,
    primaryIdentity: row.primary_identity,
    attributes: row.attributes,
    timestamp: row.ts.getTime(),
    receivedAt: row.received_at.getTime(),
  };
}

export function fragmentFromTuple([datasetId, primaryIdentity, attributes, timestamp, receivedAt]: FragmentTuple): Fragment {
  return { datasetId, primaryIdentity, attributes, timestamp, receivedAt };
}

function eventFromTuple([id, timestamp, eventType, datasetId, payload]: EventTuple): ProfileEvent {
  return { id, timestamp, eventType, datasetId, payload };
}

/**
 * Keeps the default merge policy's merged profile of every profile id materialized, and turns each real change
 * into one weft.profile.changed.v1 message (nothing for recomputations that change nothing).
 */
@Injectable()
export class Materializer implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(Materializer.name);
  private readonly limits: GuardrailLimits;
  private subscription?: Subscription;
  private rematerializing: Promise<void> | null = null;
  private rematerializeAgain = false;

  constructor(
    private readonly db: ProfileDb,
    private readonly policies: MergePoliciesService,
    private readonly messaging: MessagingClient,
    @Inject(CONFIG) private readonly config: ProfileConfig,
  ) {
    this.limits = { maxIdentities: config.PROFILE_MAX_IDENTITIES, maxEvents: config.PROFILE_MAX_EVENTS };
  }

  onModuleInit(): void {
    this.subscription = this.policies.defaultChanged.subscribe(() => {
      this.rematerializeAll().catch((err: unknown) => this.logger.error(`rematerializing profiles failed: ${String(err)}`));
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.subscription?.unsubscribe();
    await this.rematerializing;
  }

  /**
   * Recomputes the merged profiles of `profileIds` inside the caller's transaction, writes the ones that changed
   * (a new version each) and returns their change-feed messages; profiles left with no data are deleted.
   *
   * Profiles that only gained events (`eventsOnly`) take one statement (see countNewEvents); the others two,
   * whatever their number: one reads each profile's materialized row with its fragments, identities (and events, as
   * asked) aggregated per profile; one writes every changed row.
   */
  async recompute(sql: Sql, profileIds: Iterable<string>, options: RecomputeOptions = {}): Promise<ProfileChanged[]> {
    let ids = [...new Set(profileIds)];
    if (!ids.length) return [];
    const policy = await this.policies.getDefault();
    const merge = attributeMergeOf(policy);
    const messages: ProfileChanged[] = [];
    const eventsOnly = options.recount ? undefined : options.eventsOnly;
    if (eventsOnly?.size && options.newEvents) {
      const counted = await this.countNewEvents(sql, ids.filter((id) => eventsOnly.has(id)), options.newEvents, policy.id);
      messages.push(...counted);
      // Profiles without a materialized row are merged in full below.
      const done = new Set(counted.map((m) => m.profileId));
      ids = ids.filter((id) => !done.has(id));
      if (!ids.length) return messages;
    }
    // A batch's touched profiles nearly all change, so their recent events are read along; other callers
    // (graph changes, re-materialization) read them only for the profiles that did change.
    const prefetchEvents = options.newEvents !== undefined;
    const since = new Date(Date.now() - RECENT_EVENTS_WINDOW_MS);
    const { rows } = await sql.query<StateRow>(
      `SELECT t.id, p.profile_id IS NOT NULL AS materialized, p.version, p.attributes, p.identities, p.flags, p.event_count,
         (SELECT coalesce(json_agg(json_build_array(f.dataset_id, f.primary_identity, f.attributes,
              floor(extract(epoch FROM f.ts) * 1000), floor(extract(epoch FROM f.received_at) * 1000))), '[]')
          FROM fragments f WHERE f.profile_id = t.id) AS fragments,
         (SELECT coalesce(json_agg(json_build_array(s.namespace, s.id, s.is_primary)), '[]')
          FROM identities s WHERE s.profile_id = t.id) AS identity_rows,
         CASE WHEN $2 THEN (SELECT count(*)::int FROM events c WHERE c.profile_id = t.id) END AS counted,
         CASE WHEN $3 THEN
           (SELECT coalesce(json_agg(json_build_array(e.id, floor(extract(epoch FROM e.ts) * 1000), e.event_type, e.dataset_id, e.payload::text)
                ORDER BY e.ts DESC), '[]')
            FROM (SELECT id, ts, event_type, dataset_id, payload FROM events
                  WHERE profile_id = t.id AND ts > $4 ORDER BY ts DESC LIMIT $5) e) END AS recent
       FROM unnest($1::text[]) WITH ORDINALITY AS t(id, n)
       LEFT JOIN LATERAL (SELECT * FROM profiles WHERE profile_id = t.id LIMIT 1) p ON true -- one key probe per profile
       ORDER BY t.n`,
      [
        ids,
        options.recount ?? false,
        prefetchEvents,
        since,
        this.config.CHANGE_FEED_MAX_EVENTS,
      ],
    );

    const upserts: Change[] = [];
    const deletions: string[] = [];
    for (const row of rows) {
      const id = row.id;
      const before = row.materialized ? row : undefined;
      const newEvents = options.newEvents?.get(id) ?? 0;
      const eventCount = options.recount ? (row.counted ?? 0) : (before?.event_count ?? 0) + newEvents;
      const fragments = row.fragments.map(fragmentFromTuple);
      const identities = markPrimary(
        row.identity_rows.map(([namespace, identity, primary]) => ({ namespace, id: identity, primary })),
        fragments,
        this.config.PRIMARY_NAMESPACE_PRIORITY,
      );
      if (!fragments.length && !identities.length && eventCount === 0) {
        if (before) deletions.push(id);
        continue;
      }
      const profile: MergedProfile = {
        attributes: mergeFragments(fragments, merge),
        identities,
        flags: guardrailFlags(identities.length, eventCount, this.limits),
        eventCount,
      };
      const paths = profileChanges(
        before && { attributes: before.attributes, identities: before.identities, flags: before.flags, eventCount: before.event_count },
        profile,
        newEvents,
      );
      if (paths.length) upserts.push({ id, profile, paths, recent: row.recent, basedOn: before ? row.version : null });
    }

    const changed = upserts;
    if (changed.length) {
      const { rows: written } = await sql.query<{ profile_id: string; version: string; updated_at: Date }>(
        // Rows travel as one JSON document (one native serialization instead of escaping arrays of JSON text);
        // nested documents are taken as text and cast, which is far cheaper than json_to_recordset's own jsonb
        // conversion. A row is written only if it is still the one read (same version, or still absent): a
        // transaction that changed it meanwhile makes this one a conflict (see ProfileWriteConflict).
        `WITH t AS (
           SELECT * FROM json_to_recordset($1::json) AS t(id text, attributes text, identities text, flags text[], event_count int, based_on bigint)
         ), updated AS (
           UPDATE profiles AS p SET version = nextval('profile_version_seq'), merge_policy_id = $2::uuid, attributes = t.attributes::jsonb,
             identities = t.identities::jsonb, flags = t.flags, event_count = t.event_count, updated_at = now()
           FROM t WHERE t.based_on IS NOT NULL AND p.profile_id = t.id AND p.version = t.based_on
           RETURNING p.profile_id, p.version, p.updated_at
         ), inserted AS (
           INSERT INTO profiles AS p (profile_id, version, merge_policy_id, attributes, identities, flags, event_count, updated_at)
           SELECT t.id, nextval('profile_version_seq'), $2::uuid, t.attributes::jsonb, t.identities::jsonb, t.flags, t.event_count, now()
           FROM t WHERE t.based_on IS NULL
           ON CONFLICT (profile_id) DO NOTHING
           RETURNING p.profile_id, p.version, p.updated_at
         )
         SELECT * FROM updated UNION ALL SELECT * FROM inserted`,
        [
          JSON.stringify(
            upserts.map((u) => ({
              id: u.id,
              attributes: u.profile.attributes,
              identities: u.profile.identities,
              flags: u.profile.flags,
              event_count: u.profile.eventCount,
              based_on: u.basedOn,
            })),
          ),
          policy.id,
        ],
      );
      if (written.length !== changed.length) {
        const done = new Set(written.map((r) => r.profile_id));
        throw new ProfileWriteConflict(changed.filter((u) => !done.has(u.id)).map((u) => u.id));
      }
      const versionOf = new Map(written.map((r) => [r.profile_id, r]));
      const events = prefetchEvents ? null : await this.recentEvents(sql, changed.map((u) => u.id));
      for (const u of changed) {
        const row = versionOf.get(u.id) as { version: string; updated_at: Date };
        messages.push({
          profileId: u.id,
          version: Number(row.version),
          deleted: false,
          changedPaths: u.paths,
          attributes: JSON.stringify(u.profile.attributes),
          identities: u.profile.identities,
          events: events ? (events.get(u.id) ?? []) : (u.recent ?? []).map(eventFromTuple),
          flags: u.profile.flags,
          mergePolicyId: policy.id,
          updatedAt: row.updated_at.getTime(),
        });
      }
    }
    if (deletions.length) messages.push(...(await this.deleteProfiles(sql, deletions, policy.id)));
    return messages;
  }

  /**
   * Profiles that only gained events (`newEvents` of them each): one statement raises their event count, flags and
   * version and returns what their change-feed messages carry, recent events included (this transaction's events
   * are visible to it). Attributes and identities stay as materialized: they are neither read beforehand nor merged
   * again, and the attributes go to the message as the JSON text Postgres renders. The count is raised in place, so
   * it stays right whatever else writes the row. Profiles without a materialized row get no message here.
   */
  private async countNewEvents(sql: Sql, profileIds: string[], newEvents: ReadonlyMap<string, number>, mergePolicyId: string): Promise<ProfileChanged[]> {
    if (!profileIds.length) return [];
    const { rows } = await sql.query<{
      profile_id: string;
      version: string;
      updated_at: Date;
      attributes: string;
      identities: ProfileIdentityValue[];
      flags: string[];
      event_count: number;
      recent: EventTuple[];
    }>(
      `WITH t AS (SELECT * FROM json_to_recordset($1::json) AS t(id text, n int)),
       u AS (
         UPDATE profiles AS p SET version = nextval('profile_version_seq'), event_count = p.event_count + t.n,
           flags = array_remove(ARRAY[CASE WHEN jsonb_array_length(p.identities) > $2 THEN 'tooManyIdentities' END,
                                      CASE WHEN p.event_count + t.n > $3 THEN 'tooManyEvents' END], NULL),
           updated_at = now()
         FROM t WHERE p.profile_id = t.id
         RETURNING p.profile_id, p.version, p.updated_at, p.attributes, p.identities, p.flags, p.event_count
       )
       SELECT u.profile_id, u.version, u.updated_at, u.attributes::text AS attributes, u.identities, u.flags, u.event_count,
         (SELECT coalesce(json_agg(json_build_array(e.id, floor(extract(epoch FROM e.ts) * 1000), e.event_type, e.dataset_id, e.payload::text)
              ORDER BY e.ts DESC), '[]')
          FROM (SELECT id, ts, event_type, dataset_id, payload FROM events
                WHERE profile_id = u.profile_id AND ts > $4 ORDER BY ts DESC LIMIT $5) e) AS recent
       FROM u`,
      [
        JSON.stringify(profileIds.map((id) => ({ id, n: newEvents.get(id) ?? 0 }))),
        this.limits.maxIdentities,
        this.limits.maxEvents,
        new Date(Date.now() - RECENT_EVENTS_WINDOW_MS),
        this.config.CHANGE_FEED_MAX_EVENTS,
      ],
    );
    return rows.map((r) => {
      const before = guardrailFlags(r.identities.length, r.event_count - (newEvents.get(r.profile_id) ?? 0), this.limits);
      return {
        profileId: r.profile_id,
        version: Number(r.version),
        deleted: false,
        changedPaths: before.join() === r.flags.join() ? ['events'] : ['events', 'flags'],
        attributes: r.attributes,
        identities: r.identities,
        events: r.recent.map(eventFromTuple),
        flags: r.flags,
        mergePolicyId,
        updatedAt: r.updated_at.getTime(),
      };
    });
  }

  /** Removes materialized profiles and returns their deletion messages (deleted=true, a new version each). */
  async deleteProfiles(sql: Sql, profileIds: string[], mergePolicyId?: string): Promise<ProfileChanged[]> {
    if (!profileIds.length) return [];
    const policyId = mergePolicyId ?? (await this.policies.getDefault()).id;
    const { rows } = await sql.query<{ id: string; version: string }>(
      `WITH deleted AS (DELETE FROM profiles WHERE profile_id = ANY($1))
       SELECT id, nextval('profile_version_seq') AS version FROM unnest($1::text[]) AS t(id)`,
      [profileIds],
    );
    const now = Date.now();
    return rows.map((r) => ({
      profileId: r.id,
      version: Number(r.version),
      deleted: true,
      changedPaths: [],
      attributes: '{}',
      identities: [],
      events: [],
      flags: [],
      mergePolicyId: policyId,
      updatedAt: now,
    }));
  }

  /** Each profile's events of the last 24 hours, newest first, at most CHANGE_FEED_MAX_EVENTS. */
  async recentEvents(sql: Sql, profileIds: string[]): Promise<Map<string, ProfileEvent[]>> {
    const out = new Map<string, ProfileEvent[]>();
    if (!profileIds.length || this.config.CHANGE_FEED_MAX_EVENTS === 0) return out;
    const { rows } = await sql.query<{ profile_id: string; id: string; ts: Date; event_type: string | null; dataset_id: string; payload: string }>(
      `SELECT p.id AS profile_id, e.id, e.ts, e.event_type, e.dataset_id, e.payload::text AS payload
       FROM unnest($1::text[]) AS p(id)
       CROSS JOIN LATERAL (
         SELECT id, ts, event_type, dataset_id, payload FROM events
         WHERE profile_id = p.id AND ts > $2 ORDER BY ts DESC LIMIT $3
       ) e`,
      [profileIds, new Date(Date.now() - RECENT_EVENTS_WINDOW_MS), this.config.CHANGE_FEED_MAX_EVENTS],
    );
    for (const r of rows) {
      const event: ProfileEvent = { id: r.id, timestamp: r.ts.getTime(), eventType: r.event_type, datasetId: r.dataset_id, payload: r.payload };
      const list = out.get(r.profile_id);
      if (list) list.push(event);
      else out.set(r.profile_id, [event]);
    }
    return out;
  }

  /** Publishes change-feed messages in one call, keyed by profile id; resolves once the broker has them all. */
  async publish(messages: ProfileChanged[]): Promise<void> {
    if (!messages.length) return;
    await this.messaging.publish(
      topics.profileChanged,
      messages.map((value) => ({ key: value.profileId, value })),
    );
  }

  /**
   * Recomputes every materialized profile after the default policy changed, in keyset-paginated chunks; each
   * chunk commits with its change-feed messages. A change arriving meanwhile schedules one more full pass.
   */
  rematerializeAll(): Promise<void> {
    if (this.rematerializing) {
      this.rematerializeAgain = true;
      return this.rematerializing;
    }
    this.rematerializing = (async () => {
      do {
        this.rematerializeAgain = false;
        let after = '';
        for (;;) {
          const { rows } = await this.db.query<{ profile_id: string }>(
            'SELECT profile_id FROM profiles WHERE profile_id > $1 ORDER BY profile_id LIMIT 500',
            [after],
          );
          if (!rows.length) break;
          after = rows[rows.length - 1].profile_id;
          // Exclusive: a batch recomputing the same profiles at the same time would overwrite one of the results.
          await this.db.transaction(
            async (client) => this.publish(await this.recompute(client, rows.map((r) => r.profile_id))),
            { key: PROFILE_MOVE_LOCK, mode: 'exclusive' },
          );
        }
      } while (this.rematerializeAgain);
    })().finally(() => {
      this.rematerializing = null;
    });
    return this.rematerializing;
  }
}
