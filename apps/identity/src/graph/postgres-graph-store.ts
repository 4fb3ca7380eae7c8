import { createHash, randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import {
  applyRecord,
  compareIdentities,
  identityKey,
  InMemoryGraphStore,
  primaryIdentity,
  resolveRecord,
  validateRecord,
  type GraphConfig,
  type Identity,
  type IdentityGraph,
  type Link,
  type StoredIdentity,
} from '@weft/identity-graph';
import type { GraphChange } from '@weft/xdm';
import { graphChangeKey, graphChangesOf } from './graph-changes';
import { newGraphId, soloHashOf, soloProfileId } from './profile-ids';

/** One record or event to stitch: when it happened and the identities it carries. */
export interface RecordToResolve {
  /** Envelope id: a record applied once is not applied again when it is delivered again. */
  id?: string;
  at: Date;
  identities: readonly Identity[];
}

export type Resolution =
  | { profileId: string; primary: Identity }
  | { profileId: null; reason: string };

export interface BatchResolution {
  /** One per record, in order. */
  resolutions: Resolution[];
  /** Graph changes written to the outbox. */
  changes: number;
}

export interface IdentityRow {
  namespace: string;
  id: string;
  graphId: string | null;
  firstSeen: Date;
  lastSeen: Date;
  linkedAt: Date | null;
  linkRefusal: string | null;
}

export interface StoredGraph {
  profileId: string;
  identities: IdentityRow[];
  links: Link[];
}

export interface GraphStoreOptions {
  /** Schema of the service's tables (unquoted). */
  schema: string;
  /** Times are refreshed only when a record is at least this much newer (see IDENTITY_TIME_RESOLUTION_MS). */
  timeResolutionMs?: number;
  onRefusal?: (reason: string, identity: Identity) => void;
}

export class GraphStoreError extends Error {
  constructor(
    readonly code: 'not_found',
    message: string,
  ) {
    super(message);
    this.name = GraphStoreError.name;
  }
}

const MAX_ATTEMPTS = 10;
const DEADLOCK = '40P01';

interface Classified {
  index: number;
  record: RecordToResolve;
  identities: Identity[];
  primary: Identity;
}

/**
 * The identity graphs in Postgres, driven by the framework-free algorithm of @weft/identity-graph.
 *
 * Batches: a batch of records is resolved with few round trips. One indexed SELECT reads every identity of the batch
 * and one reads the links between identities of each record; a record whose identities are all in one graph with
 * every pair already linked (the common case) needs nothing else, apart from time refreshes that are written for the
 * whole batch at once. The other records are applied together in one transaction.
 *
 * Concurrency (several instances on different partitions): the transaction takes transaction-scoped advisory locks,
 * first on every identity of its records (sorted by lock key), then on every graph those identities belong to
 * (sorted). It then reads the identities again: if one of them moved to a graph it has not locked (another
 * transaction merged or split it in between), it rolls back and starts over. Holding both kinds of lock, no other
 * transaction can change any graph it reads nor add one of its identities elsewhere, so transactions that touch
 * overlapping graphs apply one after the other, and the result is that of some sequential order. Locks are always
 * taken identities first, then graphs, each kind in ascending key order, so waits cannot form a cycle; a deadlock
 * reported by Postgres anyway (row locks of concurrent time refreshes) restarts the transaction.
 *
 * The fast path takes no lock: it reads only committed state and changes no structure. It may resolve a record to a
 * graph that a concurrent transaction is about to merge or split, which is the outcome of ordering the record first.
 */
export class PostgresGraphStore {
  private readonly t: (table: string) => string;
  private readonly timeResolutionMs: number;

  constructor(
    private readonly pool: Pool,
    private readonly options: GraphStoreOptions,
  ) {
    const schema = `"${options.schema.replace(/"/g, '""')}"`;
    this.t = (table) => `${schema}."${table}"`;
    this.timeResolutionMs = options.timeResolutionMs ?? 0;
  }

  /** Resolves every record to a profile id, linking its identities; graph changes go to the outbox. */
  async resolveBatch(records: readonly RecordToResolve[], config: GraphConfig): Promise<BatchResolution> {
    let changes = 0;
    const resolutions: Resolution[] = new Array<Resolution>(records.length);
    const linking: Classified[] = [];
    const lookups: { index: number; identity: Identity }[] = [];
    records.forEach((record, index) => {
      const validation = validateRecord(record, config);
      if (validation.status === 'accepted' && validation.identities.length > 0) {
        const identities = [...validation.identities];
        linking.push({ index, record, identities, primary: primaryIdentity(identities, config)! });
        return;
      }
      // A skipped record links nothing but still belongs to the profile of its best valid identity.
      const primary = primaryIdentity(record.identities, config);
      if (primary) lookups.push({ index, identity: primary });
      else {
        const reasons = validation.issues.map((i) => i.message);
        resolutions[index] = {
          profileId: null,
          reason: reasons.length ? reasons.join(' ') : 'the record carries no identity',
        };
      }
    });

    const keys = uniqueIdentities([...linking.flatMap((c) => c.identities), ...lookups.map((l) => l.identity)]);
    const rows = await this.readSightings(keys);
    for (const { index, identity } of lookups) {
      const row = rows.get(identityKey(identity));
      resolutions[index] = { profileId: row?.graphId ?? soloProfileId(identity), primary: identity };
    }

    const candidates = linking.filter((c) => {
      if (c.identities.length === 1) return rows.has(identityKey(c.identities[0]));
      const graphId = rows.get(identityKey(c.identities[0]))?.graphId;
      return !!graphId && c.identities.every((i) => rows.get(identityKey(i))?.graphId === graphId);
    });
    const pairs = uniqueLinks(candidates.flatMap((c) => pairsOf(c.identities, c.record.at)));
    const links = await this.readLinks(pairs);

    const identityRefresh = new Map<string, { identity: Identity; at: Date }>();
    const linkRefresh = new Map<string, Link>();
    const slow: Classified[] = [];
    const fast = new Set(candidates);
    for (const c of linking) {
      const known = fast.has(c) && pairsOf(c.identities, c.record.at).every((p) => links.has(linkId(p)));
      if (!known) {
        slow.push(c);
        continue;
      }
      const row = rows.get(identityKey(c.primary))!;
      resolutions[c.index] = { profileId: row.graphId ?? soloProfileId(c.primary), primary: c.primary };
      for (const identity of c.identities) {
        if (this.isNewer(c.record.at, rows.get(identityKey(identity))!.lastSeen)) {
          raise(identityRefresh, identityKey(identity), { identity, at: c.record.at });
        }
      }
      for (const pair of pairsOf(c.identities, c.record.at)) {
        if (this.isNewer(c.record.at, links.get(linkId(pair))!.at)) raise(linkRefresh, linkId(pair), pair);
      }
    }

    if (slow.length) {
      const applied = await this.inTransaction((client) => this.applySlow(client, slow, config));
      slow.forEach((c, i) => (resolutions[c.index] = { profileId: applied.profiles[i], primary: c.primary }));
      changes = applied.changes;
    }
    await this.refreshTimes([...identityRefresh.values()], [...linkRefresh.values()]);
    return { resolutions, changes };
  }

  /** The graph holding `identity`, or the identity alone when it is known but linked to nothing. */
  async findByIdentity(identity: Identity): Promise<StoredGraph | undefined> {
    const row = (await this.readIdentities(this.pool, [identity])).get(identityKey(identity));
    if (!row) return undefined;
    if (!row.graphId) return { profileId: soloProfileId(identity), identities: [row], links: [] };
    return this.findByProfileId(row.graphId);
  }

  async findByProfileId(profileId: string): Promise<StoredGraph | undefined> {
    const members = await this.readMembers(this.pool, [profileId]);
    if (members.length) {
      const links = await this.readGraphLinks(this.pool, [profileId]);
      return { profileId, identities: members, links: links.map((l) => l.link) };
    }
    const solo = soloHashOf(profileId);
    if (!solo) return undefined;
    const { rows } = await this.pool.query<RawIdentityRow>(
      `SELECT ${IDENTITY_COLUMNS} FROM ${this.t('identities')} WHERE "solo_id" = $1 AND "graph_id" IS NULL`,
      [solo],
    );
    return rows.length ? { profileId, identities: rows.map(toRow), links: [] } : undefined;
  }

  /** Privacy delete of one identity: it and its links go; what is left of its graph may split. */
  async deleteIdentity(identity: Identity, config: GraphConfig, at = new Date()): Promise<GraphChange[]> {
    return this.inTransaction(async (client) => {
      await this.lock(client, 'identity', [identityKey(identity)]);
      const row = (await this.readIdentities(client, [identity])).get(identityKey(identity));
      if (!row) throw new GraphStoreError('not_found', `identity ${identity.namespace}:${identity.id} is not known`);
      if (!row.graphId) {
        await this.deleteRows(client, [identity]);
        return this.enqueue(client, [deleteChange(soloProfileId(identity), [identity], at)]);
      }
      const graphId = row.graphId;
      await this.lock(client, 'graph', [graphId]);
      const members = await this.readMembers(client, [graphId]);
      if (!members.some((m) => identityKey(m) === identityKey(identity))) throw new RetryError();
      const links = (await this.readGraphLinks(client, [graphId])).map((l) => l.link);
      const rest = members.filter((m) => identityKey(m) !== identityKey(identity));
      const component = {
        identities: rest.map((m) => storedOf(m)),
        links: links.filter((l) => identityKey(l.a) !== identityKey(identity) && identityKey(l.b) !== identityKey(identity)),
      };
      // An empty record re-forms the remaining identities into graphs with stable ids, exactly like any other change.
      const result = applyRecord(component, { at, identities: [] }, config, { newGraphId });
      await this.deleteRows(client, [identity]);
      await this.writeGraphs(client, [graphId], result.components, rest, at);
      const [change] = graphChangesOf(result, new Map(), at);
      const split: GraphChange = change ?? { ...deleteChange(graphId, [], at), type: 'split' };
      split.removedIdentities = [{ namespace: identity.namespace, id: identity.id }, ...(split.removedIdentities ?? [])];
      return this.enqueue(client, [split]);
    });
  }

  /** Privacy delete of a whole graph (or of a solo identity by its profile id). */
  async deleteGraph(profileId: string, at = new Date()): Promise<GraphChange[]> {
    return this.inTransaction(async (client) => {
      const found = await this.findByProfileId(profileId);
      if (!found) throw new GraphStoreError('not_found', `profile ${profileId} has no identity graph`);
      await this.lock(client, 'identity', found.identities.map(identityKey));
      await this.lock(client, 'graph', [profileId]);
      const members = found.links.length
        ? await this.readMembers(client, [profileId])
        : [...(await this.readIdentities(client, found.identities)).values()].filter((r) => !r.graphId);
      if (!members.length) throw new RetryError();
      await this.deleteRows(client, members);
      await client.query(`DELETE FROM ${this.t('links')} WHERE "graph_id" = $1`, [profileId]);
      return this.enqueue(client, [deleteChange(profileId, members, at)]);
    });
  }

  /** Every graph with its identities' keys: for tests and tools (not for large stores). */
  async partition(): Promise<Identity[][]> {
    const { rows } = await this.pool.query<{ namespace: string; id: string; graph_id: string }>(
      `SELECT "namespace", "id", "graph_id" FROM ${this.t('identities')} WHERE "graph_id" IS NOT NULL`,
    );
    const graphs = new Map<string, Identity[]>();
    for (const r of rows) graphs.set(r.graph_id, [...(graphs.get(r.graph_id) ?? []), { namespace: r.namespace, id: r.id }]);
    return [...graphs.values()];
  }

  private async applySlow(
    client: PoolClient,
    records: Classified[],
    config: GraphConfig,
  ): Promise<{ profiles: string[]; changes: number }> {
    const recordIdentities = uniqueIdentities(records.flatMap((c) => c.identities));
    await this.lock(client, 'identity', recordIdentities.map(identityKey));
    const before = await this.readIdentities(client, recordIdentities);
    const graphIds = [...new Set([...before.values()].flatMap((r) => (r.graphId ? [r.graphId] : [])))];
    await this.lock(client, 'graph', graphIds);
    const locked = new Set(graphIds);

    const current = await this.readIdentities(client, recordIdentities);
    for (const row of current.values()) if (row.graphId && !locked.has(row.graphId)) throw new RetryError();
    const members = await this.readMembers(client, graphIds);
    const linkRows = await this.readGraphLinks(client, graphIds);

    const state = new Map<string, IdentityRow>();
    for (const row of [...current.values(), ...members]) state.set(identityKey(row), { ...row });
    const initial = new Map([...state].map(([k, row]) => [k, { ...row }]));
    const graphs = groupGraphs(members, linkRows);
    const signatures = new Map(graphs.map((g) => [g.graphId, signatureOf(g)]));
    const store = new InMemoryGraphStore();
    await store.replaceGraphs([], graphs);

    const fresh = await this.markApplied(client, records);
    const profiles: string[] = [];
    let changeCount = 0;
    for (const { record, identities, primary } of records) {
      if (!fresh.has(record)) {
        profiles.push(state.get(identityKey(primary))?.graphId ?? soloProfileId(primary));
        continue;
      }
      const result = await resolveRecord(store, record, config, { newGraphId });
      const joined = new Map<string, string[]>();
      for (const graph of result.components) {
        for (const member of graph.identities) {
          const row = state.get(identityKey(member));
          if (row && !row.graphId) joined.set(graph.graphId, [...(joined.get(graph.graphId) ?? []), soloProfileId(member)]);
        }
      }
      for (const { identity } of result.removedIdentities) {
        const row = state.get(identityKey(identity))!;
        row.graphId = null;
        row.linkedAt = null;
      }
      for (const identity of identities) {
        const row = state.get(identityKey(identity));
        if (row) row.lastSeen = row.lastSeen > record.at ? row.lastSeen : record.at;
        else state.set(identityKey(identity), newRow(identity, record.at));
      }
      for (const graph of result.components) {
        for (const member of graph.identities) {
          const row = state.get(identityKey(member))!;
          row.graphId = graph.graphId;
          row.linkedAt = member.firstSeen;
        }
      }
      for (const identity of result.guarded) {
        const reason =
          `identity ${identity.namespace}:${identity.id} is already linked to ${config.limits.superNodeLinks} or more ` +
          `identities; links to further identities are refused (super-node guard)`;
        state.get(identityKey(identity))!.linkRefusal = reason;
        this.options.onRefusal?.(reason, identity);
      }
      const changes = graphChangesOf(result, joined, record.at);
      if (changes.length) await this.enqueue(client, changes);
      changeCount += changes.length;
      profiles.push(state.get(identityKey(primary))!.graphId ?? soloProfileId(primary));
    }

    // Only graphs the batch changed are rewritten; their old links go, their new links and members are written.
    const all = await store.listGraphs();
    const changed = all.filter((g) => signatures.get(g.graphId) !== signatureOf(g));
    const kept = new Set(all.filter((g) => signatures.get(g.graphId) === signatureOf(g)).map((g) => g.graphId));
    await this.writeState(
      client,
      graphIds.filter((id) => !kept.has(id)),
      changed,
      [...state.values()].filter((row) => !sameRow(row, initial.get(identityKey(row)))),
    );
    return { profiles, changes: changeCount };
  }

  /**
   * Records the ids of `records`; returns the records to apply: those without an id, and the first occurrence of each
   * id not applied before. Runs under the identity locks, so a concurrent delivery of the same record waits for this one.
   */
  private async markApplied(client: PoolClient, records: Classified[]): Promise<Set<RecordToResolve>> {
    const fresh = new Set<RecordToResolve>();
    const firstById = new Map<string, RecordToResolve>();
    for (const { record } of records) {
      if (record.id === undefined) fresh.add(record);
      else if (!firstById.has(record.id)) firstById.set(record.id, record);
    }
    if (!firstById.size) return fresh;
    const { rows } = await client.query<{ record_id: string }>(
      `INSERT INTO ${this.t('applied_records')} ("record_id") SELECT * FROM unnest($1::text[])
       ON CONFLICT DO NOTHING RETURNING "record_id"`,
      [[...firstById.keys()]],
    );
    for (const { record_id } of rows) fresh.add(firstById.get(record_id)!);
    return fresh;
  }

  /** Forgets applied record ids older than `before` (re-deliveries come within minutes, not days). */
  async forgetAppliedBefore(before: Date): Promise<number> {
    const { rowCount } = await this.pool.query(`DELETE FROM ${this.t('applied_records')} WHERE "applied_at" < $1`, [before]);
    return rowCount ?? 0;
  }

  private async writeGraphs(
    client: PoolClient,
    replaced: string[],
    graphs: IdentityGraph[],
    formerMembers: IdentityRow[],
    at: Date,
  ): Promise<void> {
    const state = new Map(formerMembers.map((m) => [identityKey(m), { ...m, graphId: null, linkedAt: null } as IdentityRow]));
    for (const graph of graphs) {
      for (const member of graph.identities) {
        const row = state.get(identityKey(member)) ?? newRow(member, at);
        state.set(identityKey(member), { ...row, graphId: graph.graphId, linkedAt: member.firstSeen });
      }
    }
    await this.writeState(client, replaced, graphs, [...state.values()]);
  }

  /** Replaces the links of `replaced` graphs by those of `graphs` and upserts `rows` (sorted, one statement each). */
  private async writeState(client: PoolClient, replaced: string[], graphs: IdentityGraph[], rows: IdentityRow[]): Promise<void> {
    if (replaced.length) await client.query(`DELETE FROM ${this.t('links')} WHERE "graph_id" = ANY($1)`, [replaced]);
    const links = graphs.flatMap((g) => g.links.map((link) => ({ link, graphId: g.graphId })));
    if (links.length) {
      await client.query(
        `INSERT INTO ${this.t('links')} ("a_namespace", "a_id", "b_namespace", "b_id", "graph_id", "at")
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])`,
        [
          links.map((l) => l.link.a.namespace),
          links.map((l) => l.link.a.id),
          links.map((l) => l.link.b.namespace),
          links.map((l) => l.link.b.id),
          links.map((l) => l.graphId),
          links.map((l) => l.link.at),
        ],
      );
    }
    if (!rows.length) return;
    rows.sort(compareIdentities);
    await client.query(
      `INSERT INTO ${this.t('identities')} AS i
         ("namespace", "id", "graph_id", "first_seen", "last_seen", "linked_at", "link_refusal")
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::timestamptz[], $7::text[])
       ON CONFLICT ("namespace", "id") DO UPDATE SET
         "graph_id" = excluded."graph_id",
         "linked_at" = excluded."linked_at",
         "first_seen" = LEAST(i."first_seen", excluded."first_seen"),
         "last_seen" = GREATEST(i."last_seen", excluded."last_seen"),
         "link_refusal" = COALESCE(excluded."link_refusal", i."link_refusal")`,
      [
        rows.map((r) => r.namespace),
        rows.map((r) => r.id),
        rows.map((r) => r.graphId),
        rows.map((r) => r.firstSeen),
        rows.map((r) => r.lastSeen),
        rows.map((r) => r.linkedAt),
        rows.map((r) => r.linkRefusal),
      ],
    );
  }

  private async deleteRows(client: PoolClient, identities: readonly Identity[]): Promise<void> {
    await client.query(
      `DELETE FROM ${this.t('links')} l USING unnest($1::text[], $2::text[]) AS k("namespace", "id")
       WHERE (l."a_namespace" = k."namespace" AND l."a_id" = k."id") OR (l."b_namespace" = k."namespace" AND l."b_id" = k."id")`,
      [identities.map((i) => i.namespace), identities.map((i) => i.id)],
    );
    await client.query(
      `DELETE FROM ${this.t('identities')} i USING unnest($1::text[], $2::text[]) AS k("namespace", "id")
       WHERE i."namespace" = k."namespace" AND i."id" = k."id"`,
      [identities.map((i) => i.namespace), identities.map((i) => i.id)],
    );
  }

  private async enqueue(client: PoolClient, changes: GraphChange[]): Promise<GraphChange[]> {
    await client.query(`INSERT INTO ${this.t('graph_changes')} ("key", "change") SELECT * FROM unnest($1::text[], $2::jsonb[])`, [
      changes.map(graphChangeKey),
      changes.map((c) => JSON.stringify(c)),
    ]);
    return changes;
  }

  /**
   * Time refreshes of the fast path, in one transaction. The planner is kept on the primary-key indexes: left to
   * itself it hashes the whole table to update a few thousand rows.
   */
  private async refreshTimes(identities: { identity: Identity; at: Date }[], links: Link[]): Promise<void> {
    if (!identities.length && !links.length) return;
    identities.sort((x, y) => compareIdentities(x.identity, y.identity));
    links.sort((x, y) => compareIdentities(x.a, y.a) || compareIdentities(x.b, y.b));
    await this.inTransaction(async (client) => {
      await client.query(`SELECT set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)`);
      if (identities.length) {
        await client.query(
          `UPDATE ${this.t('identities')} AS i SET "last_seen" = u."at"
           FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS u("namespace", "id", "at")
           WHERE i."namespace" = u."namespace" AND i."id" = u."id" AND i."last_seen" < u."at"`,
          [identities.map((r) => r.identity.namespace), identities.map((r) => r.identity.id), identities.map((r) => r.at)],
        );
      }
      if (links.length) {
        await client.query(
          `UPDATE ${this.t('links')} AS l SET "at" = u."at"
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[]) AS u("a_namespace", "a_id", "b_namespace", "b_id", "at")
           WHERE l."a_namespace" = u."a_namespace" AND l."a_id" = u."a_id" AND l."b_namespace" = u."b_namespace"
             AND l."b_id" = u."b_id" AND l."at" < u."at"`,
          [links.map((l) => l.a.namespace), links.map((l) => l.a.id), links.map((l) => l.b.namespace), links.map((l) => l.b.id), links.map((l) => l.at)],
        );
      }
    });
  }

  private isNewer(at: Date, stored: Date): boolean {
    const gap = at.getTime() - stored.getTime();
    return gap > 0 && gap >= this.timeResolutionMs;
  }

  private async readIdentities(db: Pool | PoolClient, identities: readonly Identity[]): Promise<Map<string, IdentityRow>> {
    const found = new Map<string, IdentityRow>();
    if (!identities.length) return found;
    const { rows } = await db.query<RawIdentityRow>(
      `SELECT ${IDENTITY_COLUMNS.replace(/"(\w+)"/g, 'i."$1"')} FROM unnest($1::text[], $2::text[]) AS k("namespace", "id")
       JOIN ${this.t('identities')} i ON i."namespace" = k."namespace" AND i."id" = k."id"`,
      [identities.map((i) => i.namespace), identities.map((i) => i.id)],
    );
    for (const raw of rows) found.set(identityKey(raw), toRow(raw));
    return found;
  }

  /** The fast path's read: graph and last-seen time of each identity, times as numbers (cheaper to decode). */
  private async readSightings(identities: readonly Identity[]): Promise<Map<string, { graphId: string | null; lastSeen: Date }>> {
    const found = new Map<string, { graphId: string | null; lastSeen: Date }>();
    if (!identities.length) return found;
    const { rows } = await this.pool.query<{ namespace: string; id: string; graph_id: string | null; last_seen: number }>(
      `SELECT i."namespace", i."id", i."graph_id", (extract(epoch FROM i."last_seen") * 1000)::float8 AS "last_seen"
       FROM unnest($1::text[], $2::text[]) AS k("namespace", "id")
       JOIN ${this.t('identities')} i ON i."namespace" = k."namespace" AND i."id" = k."id"`,
      [identities.map((i) => i.namespace), identities.map((i) => i.id)],
    );
    for (const r of rows) found.set(identityKey(r), { graphId: r.graph_id, lastSeen: new Date(r.last_seen) });
    return found;
  }

  private async readLinks(pairs: Link[]): Promise<Map<string, Link>> {
    const found = new Map<string, Link>();
    if (!pairs.length) return found;
    const { rows } = await this.pool.query<RawLinkRow>(
      `SELECT l."a_namespace", l."a_id", l."b_namespace", l."b_id", l."graph_id", l."at"
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS k("a_namespace", "a_id", "b_namespace", "b_id")
       JOIN ${this.t('links')} l ON l."a_namespace" = k."a_namespace" AND l."a_id" = k."a_id"
         AND l."b_namespace" = k."b_namespace" AND l."b_id" = k."b_id"`,
      [pairs.map((p) => p.a.namespace), pairs.map((p) => p.a.id), pairs.map((p) => p.b.namespace), pairs.map((p) => p.b.id)],
    );
    for (const raw of rows) {
      const { link } = toLink(raw);
      found.set(linkId(link), link);
    }
    return found;
  }

  private async readMembers(db: Pool | PoolClient, graphIds: readonly string[]): Promise<IdentityRow[]> {
    if (!graphIds.length) return [];
    const { rows } = await db.query<RawIdentityRow>(
      `SELECT ${IDENTITY_COLUMNS} FROM ${this.t('identities')} WHERE "graph_id" = ANY($1) ORDER BY "namespace", "id"`,
      [graphIds],
    );
    return rows.map(toRow);
  }

  private async readGraphLinks(db: Pool | PoolClient, graphIds: readonly string[]): Promise<{ graphId: string; link: Link }[]> {
    if (!graphIds.length) return [];
    const { rows } = await db.query<RawLinkRow>(
      `SELECT "a_namespace", "a_id", "b_namespace", "b_id", "graph_id", "at" FROM ${this.t('links')} WHERE "graph_id" = ANY($1)
       ORDER BY "a_namespace", "a_id", "b_namespace", "b_id"`,
      [graphIds],
    );
    return rows.map(toLink);
  }

  /** Transaction-scoped advisory locks, in ascending key order; keys are scoped to this schema. */
  private async lock(client: PoolClient, kind: 'identity' | 'graph', keys: readonly string[]): Promise<void> {
    if (!keys.length) return;
    const hashed = [...new Set(keys.map((k) => lockKey(this.options.schema, kind, k)))].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
    await client.query(`SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS k`, [hashed.map(String)]);
  }

  private async inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        if (!isRetryable(err) || attempt >= MAX_ATTEMPTS) throw err;
      } finally {
        client.release();
      }
    }
  }
}

/** A graph moved between reading and locking; the transaction starts over. */
class RetryError extends Error {
  constructor() {
    super('an identity moved to another graph while the transaction was taking its locks');
  }
}

function isRetryable(err: unknown): boolean {
  return err instanceof RetryError || (err as { code?: string })?.code === DEADLOCK;
}

function lockKey(schema: string, kind: string, key: string): bigint {
  return createHash('sha1').update(`${schema}|${kind}|${key}`).digest().readBigInt64BE(0);
}

const IDENTITY_COLUMNS = `"namespace", "id", "graph_id", "first_seen", "last_seen", "linked_at", "link_refusal"`;

interface RawIdentityRow {
  namespace: string;
  id: string;
  graph_id: string | null;
  first_seen: Date;
  last_seen: Date;
  linked_at: Date | null;
  link_refusal: string | null;
}

interface RawLinkRow {
  a_namespace: string;
  a_id: string;
  b_namespace: string;
  b_id: string;
  graph_id: string;
  at: Date;
}

function toRow(raw: RawIdentityRow): IdentityRow {
  return {
    namespace: raw.namespace,
    id: raw.id,
    graphId: raw.graph_id,
    firstSeen: raw.first_seen,
    lastSeen: raw.last_seen,
    linkedAt: raw.linked_at,
    linkRefusal: raw.link_refusal,
  };
}

function toLink(raw: RawLinkRow): { graphId: string; link: Link } {
  return {
    graphId: raw.graph_id,
    link: { a: { namespace: raw.a_namespace, id: raw.a_id }, b: { namespace: raw.b_namespace, id: raw.b_id }, at: raw.at },
  };
}

function newRow(identity: Identity, at: Date): IdentityRow {
  return { namespace: identity.namespace, id: identity.id, graphId: null, firstSeen: at, lastSeen: at, linkedAt: null, linkRefusal: null };
}

function storedOf(row: IdentityRow): StoredIdentity {
  return { namespace: row.namespace, id: row.id, firstSeen: row.linkedAt!, graphId: row.graphId! };
}

function sameRow(x: IdentityRow, y: IdentityRow | undefined): boolean {
  return (
    !!y &&
    x.graphId === y.graphId &&
    x.linkedAt?.getTime() === y.linkedAt?.getTime() &&
    x.lastSeen.getTime() === y.lastSeen.getTime() &&
    x.firstSeen.getTime() === y.firstSeen.getTime() &&
    x.linkRefusal === y.linkRefusal
  );
}

function groupGraphs(members: IdentityRow[], links: { graphId: string; link: Link }[]): IdentityGraph[] {
  const graphs = new Map<string, IdentityGraph>();
  for (const m of members) {
    const graph = graphs.get(m.graphId!) ?? { graphId: m.graphId!, identities: [], links: [] };
    graph.identities.push(storedOf(m));
    graphs.set(m.graphId!, graph);
  }
  for (const { graphId, link } of links) graphs.get(graphId)?.links.push(link);
  return [...graphs.values()];
}

/** Content of a graph (members with link times, links with times), to skip rewriting graphs a batch left as they were. */
function signatureOf(graph: IdentityGraph): string {
  const members = graph.identities.map((i) => `${identityKey(i)}@${i.firstSeen.getTime()}`).sort();
  const links = graph.links.map((l) => `${linkId(l)}@${l.at.getTime()}`).sort();
  return `${members.join(',')}|${links.join(',')}`;
}

function deleteChange(old: string, identities: readonly Identity[], at: Date): GraphChange {
  return {
    changeId: randomUUID(),
    type: 'delete',
    at: at.getTime(),
    survivor: null,
    absorbed: [],
    old,
    parts: [],
    removedIdentities: [...identities].sort(compareIdentities).map((i) => ({ namespace: i.namespace, id: i.id })),
  };
}

function uniqueIdentities(identities: readonly Identity[]): Identity[] {
  return [...new Map(identities.map((i) => [identityKey(i), { namespace: i.namespace, id: i.id }])).values()];
}

/** Every pair of `identities`, endpoints in canonical order, stamped `at`. */
function pairsOf(identities: readonly Identity[], at: Date): Link[] {
  const pairs: Link[] = [];
  for (let i = 0; i < identities.length; i++) {
    for (let j = i + 1; j < identities.length; j++) {
      const [a, b] = compareIdentities(identities[i], identities[j]) <= 0 ? [identities[i], identities[j]] : [identities[j], identities[i]];
      pairs.push({ a, b, at });
    }
  }
  return pairs;
}

function linkId(link: Link): string {
  return `${identityKey(link.a)}|${identityKey(link.b)}`;
}

function uniqueLinks(links: Link[]): Link[] {
  return [...new Map(links.map((l) => [linkId(l), l])).values()];
}

function raise<T extends { at: Date }>(map: Map<string, T>, key: string, value: T): void {
  const known = map.get(key);
  if (!known || known.at < value.at) map.set(key, value);
}

