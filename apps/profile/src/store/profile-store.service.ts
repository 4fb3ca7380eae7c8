import { Inject, Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { CONFIG } from '@weft/platform';
import type { GraphChange, ResolvedEnvelope } from '@weft/xdm';
import type { ProfileConfig } from '../config';
import { ProfileDb, PROFILE_MOVE_LOCK, type Sql } from '../database/profile-db';
import { applyChange, jsonEqual, type Fragment, type JsonObject } from '../merge';
import { EventPartitions } from './event-partitions';
import { Materializer, ProfileWriteConflict } from './materializer.service';
import {
  emptyBatch,
  foldResolvedBatch,
  fragmentKey,
  redirectBatch,
  splitByProfile,
  type FragmentChange,
  type ResolvedBatch,
} from './resolved-batch';

/** Times a batch is applied when its profiles keep being written by other transactions; then the consumer retries it. */
const MAX_CONFLICT_ATTEMPTS = 3;

/** What writing one (part of a) batch touched. */
interface Written {
  /** Profiles whose fragments or identities changed (or that lost some to another profile). */
  structural: Set<string>;
  /** Events stored per profile. */
  newEvents: Map<string, number>;
  /** Profiles that only gained events. */
  eventsOnly: Set<string>;
}

/** What the store holds under a batch's keys, read in one statement before it is written. */
interface Stored {
  redirects: Map<string, string>;
  /** By fragment key: the owning profile and the fragment. */
  fragments: Map<string, { profileId: string; fragment: Fragment }>;
  /** By `namespace:id`. */
  identities: Map<string, { profileId: string; isPrimary: boolean }>;
}

/**
 * Writes what identity resolved into the profile store: record fragments, experience events and the identity →
 * profile id table; applies graph merges, splits and deletions; recomputes the touched profiles and publishes
 * their changes. One publish call per consumed batch, made before the commit, so a failure retries the batch
 * instead of losing its change-feed messages.
 *
 * A batch is one transaction of a fixed number of statements whatever its size: BEGIN with the shared move lock,
 * one read of what is stored under the batch's keys (redirects, fragments, identities), one write of fragments,
 * identities and events, one statement for the profiles that only gained events, two for the others (read, write),
 * then COMMIT after the publish. The shared move lock is the only lock taken explicitly: graph changes and privacy
 * deletions take it exclusively, so no data moves between profile ids under a batch; rows are otherwise locked by
 * the writes themselves. One partition's batches never run side by side, but batches of different partitions do
 * (as they would in different instances), and a redirect can make two of them write one profile: event counts are
 * raised in place, and a merged profile is written only if it is still the version that was read, otherwise the
 * batch is applied again (ProfileWriteConflict).
 *
 * With PROFILE_WRITE_PARALLELISM > 1 the batch is split by profile id into parts written side by side, each in a
 * transaction of its own, while the coordinating transaction holds the lock; the parts commit together after the
 * publish. If a part moved data away from a profile another part writes (identities changing profile without a
 * graph change), the parts are rolled back and the batch is applied in one transaction instead.
 */
@Injectable()
export class ProfileStore {
  private readonly parallelism: number;

  constructor(
    private readonly db: ProfileDb,
    private readonly partitions: EventPartitions,
    private readonly materializer: Materializer,
    @Inject(CONFIG) config: ProfileConfig,
  ) {
    this.parallelism = config.PROFILE_WRITE_PARALLELISM;
  }

  async applyResolved(envelopes: readonly ResolvedEnvelope[]): Promise<void> {
    if (!envelopes.length) return;
    await this.partitions.ensure(this.db, envelopes.filter((e) => e.kind === 'event').map((e) => e.timestamp));
    const folded = foldResolvedBatch(envelopes, (id) => id);
    const profileIds = [...new Set(envelopes.map((e) => e.profileId))];
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.applyFolded(folded, profileIds);
      } catch (err) {
        // A batch of another partition wrote one of these profiles meanwhile (through a redirect), or the two
        // deadlocked: applied again, the batch reads what the other one committed.
        const deadlock = (err as { code?: unknown }).code === '40P01';
        if (attempt >= MAX_CONFLICT_ATTEMPTS || !(err instanceof ProfileWriteConflict || deadlock)) throw err;
      }
    }
  }

  private async applyFolded(folded: ResolvedBatch, profileIds: string[]): Promise<void> {
    await this.db.transaction(
      async (coordinator) => {
        if (this.parallelism > 1) {
          // Read under the lock: a merge applied meanwhile has committed its redirects by now.
          const { redirects } = await this.read(coordinator, profileIds, emptyBatch());
          const parts = splitByProfile(redirectBatch(folded, (id) => redirects.get(id) ?? id), this.parallelism);
          if (parts.length > 1 && (await this.applyInParts(parts))) return;
        }
        const stored = await this.read(coordinator, profileIds, folded);
        const batch = redirectBatch(folded, (id) => stored.redirects.get(id) ?? id);
        const written = await this.write(coordinator, batch, stored);
        await this.materializer.publish(await this.recompute(coordinator, written));
      },
      { key: PROFILE_MOVE_LOCK, mode: 'shared' },
    );
  }

  /** Applies the parts side by side; false (all rolled back) if two parts touched the same profile. */
  private async applyInParts(parts: ResolvedBatch[]): Promise<boolean> {
    const clients: PoolClient[] = [];
    try {
      for (let i = 0; i < parts.length; i++) clients.push(await this.db.connect());
      await Promise.all(clients.map((c) => c.query('BEGIN')));
      const written = await Promise.all(parts.map(async (part, i) => this.write(clients[i], part, await this.read(clients[i], [], part))));
      const owner = new Map<string, number>();
      let conflict = false;
      written.forEach((w, i) => {
        for (const id of [...w.structural, ...w.eventsOnly]) {
          if (owner.has(id) && owner.get(id) !== i) conflict = true;
          owner.set(id, i);
        }
      });
      if (conflict) {
        await Promise.all(clients.map((c) => c.query('ROLLBACK')));
        return false;
      }
      const changes = await Promise.all(written.map((w, i) => this.recompute(clients[i], w)));
      await this.materializer.publish(changes.flat());
      await Promise.all(clients.map((c) => c.query('COMMIT')));
      return true;
    } catch (err) {
      await Promise.all(clients.map((c) => c.query('ROLLBACK').catch(() => undefined)));
      throw err;
    } finally {
      for (const c of clients) c.release();
    }
  }

  /**
   * One statement: redirects of `profileIds`, and the fragments and identities stored under the batch's keys. Each
   * key is one primary-key probe (LIMIT 1 keeps the planner from hashing the whole table instead).
   */
  private async read(sql: Sql, profileIds: string[], batch: ResolvedBatch): Promise<Stored> {
    const fragments = [...batch.fragments.values()].map((c) => c.fragment);
    const { rows } = await sql.query<{
      redirects: [string, string][];
      fragments: [string, string, string, JsonObject, number, number][];
      identities: [string, string, string, boolean][];
    }>(
      `SELECT
         (SELECT coalesce(json_agg(json_build_array(r.from_id, r.to_id)), '[]') FROM profile_redirects r WHERE r.from_id = ANY($1::text[])) AS redirects,
         (SELECT coalesce(json_agg(json_build_array(f.dataset_id, f.primary_identity, f.profile_id, f.attributes,
              floor(extract(epoch FROM f.ts) * 1000), floor(extract(epoch FROM f.received_at) * 1000))), '[]')
          FROM unnest($2::text[], $3::text[]) AS k(dataset_id, primary_identity)
          CROSS JOIN LATERAL (SELECT * FROM fragments f WHERE f.dataset_id = k.dataset_id AND f.primary_identity = k.primary_identity LIMIT 1) f) AS fragments,
         (SELECT coalesce(json_agg(json_build_array(s.namespace, s.id, s.profile_id, s.is_primary)), '[]')
          FROM unnest($4::text[], $5::text[]) AS k(namespace, id)
          CROSS JOIN LATERAL (SELECT * FROM identities s WHERE s.namespace = k.namespace AND s.id = k.id LIMIT 1) s) AS identities`,
      [
        profileIds,
        fragments.map((f) => f.datasetId),
        fragments.map((f) => f.primaryIdentity),
        batch.identities.map((x) => x.namespace),
        batch.identities.map((x) => x.id),
      ],
    );
    const row = rows[0];
    return {
      redirects: new Map(row.redirects),
      fragments: new Map(
        row.fragments.map(([datasetId, primaryIdentity, profileId, attributes, timestamp, receivedAt]) => [
          fragmentKey(datasetId, primaryIdentity),
          { profileId, fragment: { datasetId, primaryIdentity, attributes, timestamp, receivedAt } },
        ]),
      ),
      identities: new Map(row.identities.map(([namespace, id, profileId, isPrimary]) => [`${namespace}:${id}`, { profileId, isPrimary }])),
    };
  }

  /**
   * One statement writes the fragments that changed (patched over what is stored), the identities that are new or
   * moved (most are known and unchanged), and the events not stored yet (by _id and timestamp); profiles a
   * fragment or identity joined or left are touched.
   */
  private async write(sql: Sql, batch: ResolvedBatch, stored: Stored): Promise<Written> {
    const structural = new Set<string>();
    const fragments: FragmentChange[] = [];
    for (const [key, change] of batch.fragments) {
      const row = stored.fragments.get(key);
      if (!row) {
        fragments.push(change);
        structural.add(change.profileId);
        continue;
      }
      const after = applyChange(row.fragment, change.fragment);
      const moved = row.profileId !== change.profileId;
      if (moved || !jsonEqual(after, row.fragment)) {
        fragments.push({ profileId: change.profileId, fragment: after });
        structural.add(change.profileId);
        if (moved) structural.add(row.profileId);
      }
    }
    const identities = batch.identities.filter((x) => {
      const row = stored.identities.get(`${x.namespace}:${x.id}`);
      return !row || row.profileId !== x.profileId || (x.isPrimary && !row.isPrimary);
    });
    for (const x of identities) {
      structural.add(x.profileId);
      const before = stored.identities.get(`${x.namespace}:${x.id}`)?.profileId;
      if (before) structural.add(before);
    }
    const newEvents = new Map<string, number>();
    const e = batch.events;
    if (fragments.length || identities.length || e.length) {
      const { rows } = await sql.query<{ profile_id: string; n: number }>(
        // Rows travel as one JSON document per table: serializing it is one native call, where arrays of
        // JSON text would be escaped element by element. Nested documents are taken as text and cast: typed
        // jsonb, json_to_recordset converts each one many times slower (~60 µs a profile-sized row).
        `WITH fragment_rows AS (
           INSERT INTO fragments (dataset_id, primary_identity, profile_id, attributes, ts, received_at, updated_at)
           SELECT d, i, p, a::jsonb, to_timestamp(t / 1000.0), to_timestamp(r / 1000.0), now()
           FROM json_to_recordset($1::json) AS x(d text, i text, p text, a text, t float8, r float8)
           ON CONFLICT (dataset_id, primary_identity) DO UPDATE SET profile_id = EXCLUDED.profile_id, attributes = EXCLUDED.attributes,
             ts = EXCLUDED.ts, received_at = EXCLUDED.received_at, updated_at = EXCLUDED.updated_at
         ), identity_rows AS (
           INSERT INTO identities AS s (namespace, id, profile_id, is_primary)
           SELECT namespace, id, profile_id, is_primary FROM json_to_recordset($2::json) AS x(namespace text, id text, profile_id text, is_primary boolean)
           ON CONFLICT (namespace, id) DO UPDATE SET profile_id = EXCLUDED.profile_id, is_primary = s.is_primary OR EXCLUDED.is_primary
         ), event_rows AS (
           INSERT INTO events (id, ts, profile_id, dataset_id, primary_identity, event_type, payload, received_at)
           SELECT id, to_timestamp(t / 1000.0), p, d, i, et, pl::jsonb, to_timestamp(r / 1000.0)
           FROM json_to_recordset($3::json) AS x(id text, t float8, p text, d text, i text, et text, pl text, r float8)
           ON CONFLICT DO NOTHING
           RETURNING profile_id
         )
         SELECT profile_id, count(*)::int AS n FROM event_rows GROUP BY profile_id`,
        [
          JSON.stringify(
            fragments.map((w) => ({
              d: w.fragment.datasetId,
              i: w.fragment.primaryIdentity,
              p: w.profileId,
              a: w.fragment.attributes,
              t: w.fragment.timestamp,
              r: w.fragment.receivedAt,
            })),
          ),
          JSON.stringify(identities.map((x) => ({ namespace: x.namespace, id: x.id, profile_id: x.profileId, is_primary: x.isPrimary }))),
          JSON.stringify(
            e.map((x) => ({ id: x.id, t: x.timestamp, p: x.profileId, d: x.datasetId, i: x.primaryIdentity, et: x.eventType, pl: x.payload, r: x.receivedAt })),
          ),
        ],
      );
      for (const r of rows) newEvents.set(r.profile_id, r.n);
    }
    const eventsOnly = new Set([...newEvents.keys()].filter((id) => !structural.has(id)));
    return { structural, newEvents, eventsOnly };
  }

  private recompute(sql: Sql, written: Written) {
    return this.materializer.recompute(sql, [...written.structural, ...written.eventsOnly], {
      newEvents: written.newEvents,
      eventsOnly: written.eventsOnly,
    });
  }

  /** Applies graph changes in order, once each (by changeId), moving data between profile ids. */
  async applyGraphChanges(changes: readonly GraphChange[]): Promise<void> {
    if (!changes.length) return;
    await this.db.transaction(
      async (client) => {
        const messages = [];
        for (const change of changes) {
          const { rowCount } = await client.query(
            'INSERT INTO graph_changes (change_id, type) VALUES ($1, $2) ON CONFLICT DO NOTHING',
            [change.changeId, change.type],
          );
          if (!rowCount) continue;
          messages.push(...(await this.applyGraphChange(client, change)));
        }
        await this.materializer.publish(messages);
      },
      { key: PROFILE_MOVE_LOCK, mode: 'exclusive' },
    );
  }

  private async applyGraphChange(sql: Sql, change: GraphChange) {
    switch (change.type) {
      case 'merge': {
        const survivor = change.survivor;
        if (!survivor) return [];
        const absorbed = (change.absorbed ?? []).filter((id) => id !== survivor);
        if (!absorbed.length) return [];
        for (const table of ['fragments', 'events', 'identities']) {
          await sql.query(`UPDATE ${table} SET profile_id = $1 WHERE profile_id = ANY($2)`, [survivor, absorbed]);
        }
        // Memberships belong to segmentation's evaluation of the survivor; the absorbed ids' ones are void.
        await sql.query('DELETE FROM memberships WHERE profile_id = ANY($1)', [absorbed]);
        await sql.query('UPDATE profile_redirects SET to_id = $1 WHERE to_id = ANY($2)', [survivor, absorbed]);
        await sql.query(
          `INSERT INTO profile_redirects (from_id, to_id) SELECT a, $1 FROM unnest($2::text[]) AS a
           ON CONFLICT (from_id) DO UPDATE SET to_id = EXCLUDED.to_id`,
          [survivor, absorbed],
        );
        await sql.query('DELETE FROM profile_redirects WHERE from_id = $1', [survivor]);
        return this.materializer.recompute(sql, [survivor, ...absorbed], { recount: true });
      }
      case 'split': {
        const old = change.old;
        if (!old) return [];
        const parts = change.parts ?? [];
        for (const part of parts) {
          const keys = part.identities.map((i) => `${i.namespace}:${i.id}`);
          if (part.profileId === old || !keys.length) continue;
          // Data moves by the identity it is keyed by: its primary identity.
          for (const table of ['fragments', 'events']) {
            await sql.query(`UPDATE ${table} SET profile_id = $1 WHERE profile_id = $2 AND primary_identity = ANY($3)`, [part.profileId, old, keys]);
          }
          await sql.query(
            `UPDATE identities SET profile_id = $1 FROM unnest($2::text[], $3::text[]) AS k(namespace, id)
             WHERE identities.namespace = k.namespace AND identities.id = k.id`,
            [part.profileId, part.identities.map((i) => i.namespace), part.identities.map((i) => i.id)],
          );
          await sql.query('DELETE FROM profile_redirects WHERE from_id = $1', [part.profileId]);
        }
        const removed = change.removedIdentities ?? [];
        if (removed.length) {
          await sql.query(
            `DELETE FROM identities USING unnest($1::text[], $2::text[]) AS k(namespace, id)
             WHERE identities.namespace = k.namespace AND identities.id = k.id AND identities.profile_id = $3`,
            [removed.map((i) => i.namespace), removed.map((i) => i.id), old],
          );
        }
        if (!parts.some((p) => p.profileId === old)) await sql.query('DELETE FROM memberships WHERE profile_id = $1', [old]);
        return this.materializer.recompute(sql, [old, ...parts.map((p) => p.profileId)], { recount: true });
      }
      case 'delete': {
        const old = change.old;
        if (!old) return [];
        await this.deleteProfileData(sql, [old]);
        return this.materializer.recompute(sql, [old], { recount: true });
      }
    }
  }

  /** Removes everything stored under the profile ids (fragments, events, identities, memberships, redirects). */
  async deleteProfileData(sql: Sql, profileIds: string[]): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const table of ['fragments', 'events', 'identities', 'memberships']) {
      const { rowCount } = await sql.query(`DELETE FROM ${table} WHERE profile_id = ANY($1)`, [profileIds]);
      counts[table] = rowCount ?? 0;
    }
    await sql.query('DELETE FROM profile_redirects WHERE to_id = ANY($1) OR from_id = ANY($1)', [profileIds]);
    return counts;
  }
}
