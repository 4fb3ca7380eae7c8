import { Inject, Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { CONFIG } from '@weft/platform';
import type { GraphChange, ResolvedEnvelope } from '@weft/xdm';
import type { ProfileConfig } from '../config';
import { ProfileDb, PROFILE_MOVE_LOCK, type Sql } from '../database/profile-db';
import { applyChange, stableStringify } from '../merge';
import { EventPartitions } from './event-partitions';
import { fragmentFromRow, Materializer } from './materializer.service';
import { foldResolvedBatch, fragmentKey, splitByProfile, type FragmentChange, type ResolvedBatch } from './resolved-batch';

/** What writing one (part of a) batch touched. */
interface Written {
  /** Profiles whose fragments or identities changed (or that lost some to another profile). */
  structural: Set<string>;
  /** Events stored per profile. */
  newEvents: Map<string, number>;
  /** Profiles that only gained events. */
  eventsOnly: Set<string>;
}

/**
 * Writes what identity resolved into the profile store: record fragments, experience events and the identity →
 * profile id table; applies graph merges, splits and deletions; recomputes the touched profiles and publishes
 * their changes. One publish call per consumed batch, made before the commit, so a failure retries the batch
 * instead of losing its change-feed messages.
 *
 * A batch is split by profile id into parts written side by side, each in a transaction of its own, while one
 * coordinating transaction holds the shared move lock (graph changes wait for it). The parts commit together after
 * the publish. If a part moved data away from a profile another part writes (identities changing profile without
 * a graph change), the parts are rolled back and the batch is applied in one transaction instead.
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

    await this.db.transaction(async (coordinator) => {
      await coordinator.query('SELECT pg_advisory_xact_lock_shared($1)', [PROFILE_MOVE_LOCK]);
      // Read under the lock: a merge applied meanwhile has committed its redirects by now.
      const { rows: redirects } = await coordinator.query<{ from_id: string; to_id: string }>(
        'SELECT from_id, to_id FROM profile_redirects WHERE from_id = ANY($1)',
        [[...new Set(envelopes.map((e) => e.profileId))]],
      );
      const redirectOf = new Map(redirects.map((r) => [r.from_id, r.to_id]));
      const batch = foldResolvedBatch(envelopes, (id) => redirectOf.get(id) ?? id);
      const parts = this.parallelism > 1 ? splitByProfile(batch, this.parallelism) : [batch];
      if (parts.length > 1 && (await this.applyInParts(parts))) return;
      const written = await this.write(coordinator, batch);
      await this.materializer.publish(await this.recompute(coordinator, written));
    });
  }

  /** Applies the parts side by side; false (all rolled back) if two parts touched the same profile. */
  private async applyInParts(parts: ResolvedBatch[]): Promise<boolean> {
    const clients: PoolClient[] = [];
    try {
      for (let i = 0; i < parts.length; i++) clients.push(await this.db.connect());
      await Promise.all(clients.map((c) => c.query('BEGIN')));
      const written = await Promise.all(parts.map((part, i) => this.write(clients[i], part)));
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

  private async write(sql: Sql, batch: ResolvedBatch): Promise<Written> {
    const structural = new Set<string>();
    const withEvents = new Set<string>();
    await this.writeFragments(sql, batch.fragments, structural);
    const newEvents = await this.writeEvents(sql, batch, withEvents);
    await this.writeIdentities(sql, batch, structural);
    return { structural, newEvents, eventsOnly: new Set([...withEvents].filter((id) => !structural.has(id))) };
  }

  private recompute(sql: Sql, written: Written) {
    return this.materializer.recompute(sql, [...written.structural, ...written.eventsOnly], {
      newEvents: written.newEvents,
      eventsOnly: written.eventsOnly,
    });
  }

  private async writeFragments(sql: Sql, changes: Map<string, FragmentChange>, touched: Set<string>): Promise<void> {
    if (!changes.size) return;
    const list = [...changes.values()];
    const { rows } = await sql.query<{
      profile_id: string;
      dataset_id: string;
      primary_identity: string;
      attributes: Record<string, unknown>;
      ts: Date;
      received_at: Date;
    }>(
      `SELECT f.profile_id, f.dataset_id, f.primary_identity, f.attributes, f.ts, f.received_at
       FROM fragments f JOIN unnest($1::text[], $2::text[]) AS k(dataset_id, primary_identity) USING (dataset_id, primary_identity)`,
      [list.map((c) => c.fragment.datasetId), list.map((c) => c.fragment.primaryIdentity)],
    );
    const stored = new Map(rows.map((r) => [fragmentKey(r.dataset_id, r.primary_identity), r]));
    const writes: FragmentChange[] = [];
    for (const [key, change] of changes) {
      const row = stored.get(key);
      if (!row) {
        writes.push(change);
        touched.add(change.profileId);
        continue;
      }
      const before = fragmentFromRow(row);
      const after = applyChange(before, change.fragment);
      const moved = row.profile_id !== change.profileId;
      if (moved || stableStringify(after) !== stableStringify(before)) {
        writes.push({ profileId: change.profileId, fragment: after });
        touched.add(change.profileId);
        if (moved) touched.add(row.profile_id);
      }
    }
    if (!writes.length) return;
    await sql.query(
      `INSERT INTO fragments (dataset_id, primary_identity, profile_id, attributes, ts, received_at, updated_at)
       SELECT d, i, p, a, to_timestamp(t / 1000.0), to_timestamp(r / 1000.0), now()
       FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::float8[], $6::float8[]) AS x(d, i, p, a, t, r)
       ON CONFLICT (dataset_id, primary_identity) DO UPDATE SET profile_id = EXCLUDED.profile_id, attributes = EXCLUDED.attributes,
         ts = EXCLUDED.ts, received_at = EXCLUDED.received_at, updated_at = EXCLUDED.updated_at`,
      [
        writes.map((w) => w.fragment.datasetId),
        writes.map((w) => w.fragment.primaryIdentity),
        writes.map((w) => w.profileId),
        writes.map((w) => JSON.stringify(w.fragment.attributes)),
        writes.map((w) => w.fragment.timestamp),
        writes.map((w) => w.fragment.receivedAt),
      ],
    );
  }

  /** Inserts events not stored yet (by _id and timestamp) and returns how many each profile gained. */
  private async writeEvents(sql: Sql, batch: ResolvedBatch, touched: Set<string>): Promise<Map<string, number>> {
    const gained = new Map<string, number>();
    if (!batch.events.length) return gained;
    const e = batch.events;
    const { rows } = await sql.query<{ profile_id: string }>(
      `INSERT INTO events (id, ts, profile_id, dataset_id, primary_identity, event_type, payload, received_at)
       SELECT id, to_timestamp(t / 1000.0), p, d, i, et, pl::jsonb, to_timestamp(r / 1000.0)
       FROM unnest($1::text[], $2::float8[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::float8[]) AS x(id, t, p, d, i, et, pl, r)
       ON CONFLICT DO NOTHING
       RETURNING profile_id`,
      [
        e.map((x) => x.id),
        e.map((x) => x.timestamp),
        e.map((x) => x.profileId),
        e.map((x) => x.datasetId),
        e.map((x) => x.primaryIdentity),
        e.map((x) => x.eventType),
        e.map((x) => x.payload),
        e.map((x) => x.receivedAt),
      ],
    );
    for (const r of rows) {
      gained.set(r.profile_id, (gained.get(r.profile_id) ?? 0) + 1);
      touched.add(r.profile_id);
    }
    return gained;
  }

  /**
   * Points every identity of the batch at its profile; profiles an identity joined or left are touched. Most
   * identities are already known and unchanged, so they are read first and only new or moved ones are written.
   */
  private async writeIdentities(sql: Sql, batch: ResolvedBatch, touched: Set<string>): Promise<void> {
    if (!batch.identities.length) return;
    const { rows: known } = await sql.query<{ namespace: string; id: string; profile_id: string; is_primary: boolean }>(
      `SELECT s.namespace, s.id, s.profile_id, s.is_primary FROM identities s
       JOIN unnest($1::text[], $2::text[]) AS k(namespace, id) USING (namespace, id)`,
      [batch.identities.map((x) => x.namespace), batch.identities.map((x) => x.id)],
    );
    const stored = new Map(known.map((r) => [`${r.namespace}:${r.id}`, r]));
    const writes = batch.identities.filter((x) => {
      const row = stored.get(`${x.namespace}:${x.id}`);
      return !row || row.profile_id !== x.profileId || (x.isPrimary && !row.is_primary);
    });
    if (!writes.length) return;
    await sql.query(
      `INSERT INTO identities AS s (namespace, id, profile_id, is_primary)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bool[])
       ON CONFLICT (namespace, id) DO UPDATE SET profile_id = EXCLUDED.profile_id, is_primary = s.is_primary OR EXCLUDED.is_primary`,
      [writes.map((x) => x.namespace), writes.map((x) => x.id), writes.map((x) => x.profileId), writes.map((x) => x.isPrimary)],
    );
    for (const x of writes) {
      touched.add(x.profileId);
      const before = stored.get(`${x.namespace}:${x.id}`)?.profile_id;
      if (before) touched.add(before);
    }
  }

  /** Applies graph changes in order, once each (by changeId), moving data between profile ids. */
  async applyGraphChanges(changes: readonly GraphChange[]): Promise<void> {
    if (!changes.length) return;
    await this.db.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1)', [PROFILE_MOVE_LOCK]);
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
    });
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
