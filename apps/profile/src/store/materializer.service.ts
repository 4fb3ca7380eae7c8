import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { MessagingClient } from '@weft/messaging';
import { CONFIG } from '@weft/platform';
import { topics, type ProfileChanged, type ProfileEvent } from '@weft/xdm';
import type { ProfileConfig } from '../config';
import { ProfileDb, PROFILE_MOVE_LOCK, type Sql } from '../database/profile-db';
import {
  guardrailFlags,
  mergeFragments,
  profileChanges,
  sortIdentities,
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

interface ProfileRow {
  profile_id: string;
  attributes: JsonObject;
  identities: ProfileIdentityValue[];
  flags: string[];
  event_count: number;
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

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = out.get(k);
    if (list) list.push(row);
    else out.set(k, [row]);
  }
  return out;
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
   */
  async recompute(sql: Sql, profileIds: Iterable<string>, options: RecomputeOptions = {}): Promise<ProfileChanged[]> {
    const ids = [...new Set(profileIds)];
    if (!ids.length) return [];
    const policy = await this.policies.getDefault();
    const merge = attributeMergeOf(policy);
    // One client runs one statement at a time, so these run in sequence.
    const oldRows = await sql.query<ProfileRow>(
      'SELECT profile_id, attributes, identities, flags, event_count FROM profiles WHERE profile_id = ANY($1)',
      [ids],
    );
    const old = new Map(oldRows.rows.map((r) => [r.profile_id, r]));
    const eventsOnly = options.recount ? new Set<string>() : new Set(ids.filter((id) => options.eventsOnly?.has(id) && old.has(id)));
    const toMerge = ids.filter((id) => !eventsOnly.has(id));
    const fragmentRows = toMerge.length
      ? await sql.query<FragmentRow>(
          'SELECT profile_id, dataset_id, primary_identity, attributes, ts, received_at FROM fragments WHERE profile_id = ANY($1)',
          [toMerge],
        )
      : { rows: [] as FragmentRow[] };
    const identityRows = toMerge.length
      ? await sql.query<{ profile_id: string; namespace: string; id: string; is_primary: boolean }>(
          'SELECT profile_id, namespace, id, is_primary FROM identities WHERE profile_id = ANY($1)',
          [toMerge],
        )
      : { rows: [] };
    const counts = options.recount
      ? await sql.query<{ profile_id: string; n: number }>(
          'SELECT profile_id, count(*)::int AS n FROM events WHERE profile_id = ANY($1) GROUP BY profile_id',
          [ids],
        )
      : { rows: [] as { profile_id: string; n: number }[] };
    const fragmentsOf = groupBy(fragmentRows.rows, (r) => r.profile_id);
    const identitiesOf = groupBy(identityRows.rows, (r) => r.profile_id);
    const counted = new Map(counts.rows.map((r) => [r.profile_id, r.n]));

    const upserts: { id: string; profile: MergedProfile; paths: string[] }[] = [];
    const counters: { id: string; profile: MergedProfile; paths: string[] }[] = [];
    const deletions: string[] = [];
    for (const id of ids) {
      const before = old.get(id);
      const newEvents = options.newEvents?.get(id) ?? 0;
      const eventCount = options.recount ? (counted.get(id) ?? 0) : (before?.event_count ?? 0) + newEvents;
      if (before && eventsOnly.has(id)) {
        if (newEvents === 0) continue;
        const flags = guardrailFlags(before.identities.length, eventCount, this.limits);
        const profile: MergedProfile = { attributes: before.attributes, identities: before.identities, flags, eventCount };
        counters.push({ id, profile, paths: flags.join() === before.flags.join() ? ['events'] : ['events', 'flags'] });
        continue;
      }
      const fragments = (fragmentsOf.get(id) ?? []).map(fragmentFromRow);
      const identities = sortIdentities((identitiesOf.get(id) ?? []).map((r) => ({ namespace: r.namespace, id: r.id, primary: r.is_primary })));
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
      if (paths.length) upserts.push({ id, profile, paths });
    }

    const written = new Map<string, { version: string; updated_at: Date }>();
    if (counters.length) {
      // Only the event count (and flags) changed: no need to rewrite the attributes.
      const { rows } = await sql.query<{ profile_id: string; version: string; updated_at: Date }>(
        `UPDATE profiles AS p SET version = nextval('profile_version_seq'), event_count = t.event_count, flags = t.flags::text[], updated_at = now()
         FROM unnest($1::text[], $2::int[], $3::text[]) AS t(id, event_count, flags)
         WHERE p.profile_id = t.id
         RETURNING p.profile_id, p.version, p.updated_at`,
        [counters.map((c) => c.id), counters.map((c) => c.profile.eventCount), counters.map((c) => `{${c.profile.flags.join(',')}}`)],
      );
      for (const r of rows) written.set(r.profile_id, r);
    }
    if (upserts.length) {
      const { rows } = await sql.query<{ profile_id: string; version: string; updated_at: Date }>(
        `INSERT INTO profiles AS p (profile_id, version, merge_policy_id, attributes, identities, flags, event_count, updated_at)
         SELECT t.id, nextval('profile_version_seq'), $2::uuid, t.attributes, t.identities, t.flags::text[], t.event_count, now()
         FROM unnest($1::text[], $3::jsonb[], $4::jsonb[], $5::text[], $6::int[]) AS t(id, attributes, identities, flags, event_count)
         ON CONFLICT (profile_id) DO UPDATE SET version = EXCLUDED.version, merge_policy_id = EXCLUDED.merge_policy_id,
           attributes = EXCLUDED.attributes, identities = EXCLUDED.identities, flags = EXCLUDED.flags,
           event_count = EXCLUDED.event_count, updated_at = EXCLUDED.updated_at
         RETURNING profile_id, version, updated_at`,
        [
          upserts.map((u) => u.id),
          policy.id,
          upserts.map((u) => JSON.stringify(u.profile.attributes)),
          upserts.map((u) => JSON.stringify(u.profile.identities)),
          upserts.map((u) => `{${u.profile.flags.join(',')}}`),
          upserts.map((u) => u.profile.eventCount),
        ],
      );
      for (const r of rows) written.set(r.profile_id, r);
    }
    const messages: ProfileChanged[] = [];
    const changed = [...upserts, ...counters];
    if (changed.length) {
      const events = await this.recentEvents(sql, changed.map((u) => u.id));
      for (const u of changed) {
        const row = written.get(u.id) as { version: string; updated_at: Date };
        messages.push({
          profileId: u.id,
          version: Number(row.version),
          deleted: false,
          changedPaths: u.paths,
          attributes: JSON.stringify(u.profile.attributes),
          identities: u.profile.identities,
          events: events.get(u.id) ?? [],
          flags: u.profile.flags,
          mergePolicyId: policy.id,
          updatedAt: row.updated_at.getTime(),
        });
      }
    }
    if (deletions.length) messages.push(...(await this.deleteProfiles(sql, deletions, policy.id)));
    return messages;
  }

  /** Removes materialized profiles and returns their deletion messages (deleted=true, a new version each). */
  async deleteProfiles(sql: Sql, profileIds: string[], mergePolicyId?: string): Promise<ProfileChanged[]> {
    if (!profileIds.length) return [];
    const policyId = mergePolicyId ?? (await this.policies.getDefault()).id;
    await sql.query('DELETE FROM profiles WHERE profile_id = ANY($1)', [profileIds]);
    const { rows } = await sql.query<{ id: string; version: string }>(
      `SELECT id, nextval('profile_version_seq') AS version FROM unnest($1::text[]) AS t(id)`,
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
          await this.db.transaction(async (client) => {
            // Exclusive: a batch recomputing the same profiles at the same time would overwrite one of the results.
            await client.query('SELECT pg_advisory_xact_lock($1)', [PROFILE_MOVE_LOCK]);
            await this.publish(await this.recompute(client, rows.map((r) => r.profile_id)));
          });
        }
      } while (this.rematerializeAgain);
    })().finally(() => {
      this.rematerializing = null;
    });
    return this.rematerializing;
  }
}
