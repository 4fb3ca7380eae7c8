import { createHash, hash, randomUUID } from 'node:crypto';
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

export interface ResolveBatchOptions {
  /**
   * Runs once every record is resolved and the batch's graph changes are committed, while the last-seen and link
   * times that the batch's first statement could not refresh (rows changed concurrently) are refreshed by key (those
   * refreshes change no profile id): e.g. publishing the resolved records. resolveBatch settles when both have
   * finished, and fails with this function's error first.
   */
  whileRefreshing?: (resolved: BatchResolution) => Promise<void>;
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
/**
 * Identities a linking transaction locks at most (it locks as many graphs at most again). Postgres keeps every lock of
 * every session in one shared table (max_locks_per_transaction × max_connections slots, 6,400 by default); a larger
 * batch of new identities is applied in several transactions, one after the other.
 */
const IDENTITY_LOCKS_PER_TRANSACTION = 1_000;
const DEADLOCK = '40P01';

interface Classified {
  index: number;
  record: RecordToResolve;
  identities: Identity[];
  primary: Identity;
  /** Every pair of the record's identities, in canonical order. */
  pairs: Link[];
}

/**
 * Planner settings for the transactions of resolveBatch, whose statements all find rows by key (primary keys, graph
 * ids). Left to itself, the planner scans and hashes a whole table to join a few thousand keys, or to find the rows of
 * a hundred graphs when the table has no statistics yet; index lookups are what these statements need at any size.
 */
const KEY_LOOKUPS = 'SET LOCAL enable_seqscan = off; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off';

/**
 * The identity graphs in Postgres, driven by the framework-free algorithm of @weft/identity-graph.
 *
 * Batches: a batch of records is resolved with few round trips. One statement reads every identity of the batch and
 * every pair of identities of a record, and refreshes the last-seen and link times the batch saw at least
 * IDENTITY_TIME_RESOLUTION_MS after what is stored (see readAndRefresh); a record whose identities are all in one graph
 * with every pair already linked (the common case) needs nothing else: no lock, no transaction. The other records are
 * applied together, in one transaction per IDENTITY_LOCKS_PER_TRANSACTION identities.
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
  private readonly statementSuffix: string;

  constructor(
    private readonly pool: Pool,
    private readonly options: GraphStoreOptions,
  ) {
    const schema = `"${options.schema.replace(/"/g, '""')}"`;
    this.t = (table) => `${schema}."${table}"`;
    this.timeResolutionMs = options.timeResolutionMs ?? 0;
    this.statementSuffix = createHash('sha1').update(options.schema).digest('hex').slice(0, 12);
  }

  /** Resolves every record to a profile id, linking its identities; graph changes go to the outbox. */
  async resolveBatch(
    records: readonly RecordToResolve[],
    config: GraphConfig,
    options: ResolveBatchOptions = {},
  ): Promise<BatchResolution> {
    let changes = 0;
    const resolutions: Resolution[] = new Array<Resolution>(records.length);
    const linking: Classified[] = [];
    const lookups: { index: number; identity: Identity }[] = [];
    records.forEach((record, index) => {
      const validation = validateRecord(record, config);
      if (validation.status === 'accepted' && validation.identities.length > 0) {
        const identities = [...validation.identities];
        const pairs = pairsOf(identities, record.at);
        linking.push({ index, record, identities, primary: primaryIdentity(identities, config)!, pairs });
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

    // Every identity and pair of the batch is read, and its time refreshed where the batch saw it late enough, in one
    // statement: a few pairs read for nothing (records with new identities) cost less than a second round trip.
    const seen = new Map<string, { identity: Identity; at: number | null }>();
    const seenPairs = new Map<string, { link: Link; at: number }>();
    for (const c of linking) {
      const at = c.record.at.getTime();
      for (const identity of c.identities) raiseSeen(seen, identityKey(identity), identity, at);
      for (const pair of c.pairs) {
        const id = linkId(pair);
        const known = seenPairs.get(id);
        if (!known || known.at < at) seenPairs.set(id, { link: pair, at });
      }
    }
    for (const { identity } of lookups) raiseSeen(seen, identityKey(identity), identity, null);
    const { graphs: rows, links, missed } = await this.readAndRefresh([...seen.values()], [...seenPairs.values()]);
    for (const { index, identity } of lookups) {
      const key = identityKey(identity);
      resolutions[index] = { profileId: rows.has(key) ? (rows.get(key) ?? soloProfileId(identity)) : soloProfileId(identity), primary: identity };
    }

    const slow: Classified[] = [];
    for (const c of linking) {
      if (!this.isKnown(c, rows, links)) {
        slow.push(c);
        continue;
      }
      resolutions[c.index] = { profileId: rows.get(identityKey(c.primary)) ?? soloProfileId(c.primary), primary: c.primary };
    }

    for (const chunk of lockableChunks(slow)) {
      const graphIds = new Set(chunk.flatMap((c) => c.identities.flatMap((i) => rows.get(identityKey(i)) ?? [])));
      const identities = uniqueIdentities(chunk.flatMap((c) => c.identities));
      // The transaction starts, sets the planner and takes its locks in one round trip; `graphIds` as of this attempt.
      const applied = await this.inTransaction(
        (client) => this.applySlow(client, chunk, identities, config, graphIds),
        () => [KEY_LOOKUPS, this.lockStatement(['identity', identities.map(identityKey)], ['graph', [...graphIds]])].join('; '),
      );
      chunk.forEach((c, i) => (resolutions[c.index] = { profileId: applied.profiles[i], primary: c.primary }));
      changes += applied.changes;
    }
    const resolved = { resolutions, changes };
    const refresh = this.refreshTimes(missed.identities, missed.links);
    if (!options.whileRefreshing) {
      await refresh;
      return resolved;
    }
    const [refreshed, done] = await Promise.allSettled([refresh, options.whileRefreshing(resolved)]);
    if (done.status === 'rejected') throw done.reason;
    if (refreshed.status === 'rejected') throw refreshed.reason;
    return resolved;
  }

  /** All identities of the record are known, in one graph (or alone, for a single one), and every pair is linked. */
  private isKnown(c: Classified, graphs: Map<string, string | null>, links: Set<string>): boolean {
    if (c.identities.length === 1) return graphs.has(identityKey(c.identities[0]));
    const graphId = graphs.get(identityKey(c.identities[0]));
    return !!graphId && c.identities.every((i) => graphs.get(identityKey(i)) === graphId) && c.pairs.every((p) => links.has(linkId(p)));
  }

  /**
   * The graph holding `identity`, or the identity alone when it is known but linked to nothing. One round trip: the
   * identity's row with its graph's members and links aggregated as JSON.
   */
  async findByIdentity(identity: Identity): Promise<StoredGraph | undefined> {
    const { rows } = await this.pool.query<RawIdentityRow & { members: JsonRow<RawIdentityRow>[] | null; links: JsonRow<RawLinkRow>[] | null }>({
      name: this.statement('find_by_identity'),
      text: `SELECT ${IDENTITY_COLUMNS.replace(/"(\w+)"/g, 'i."$1"')},
               (SELECT json_agg(m ORDER BY m."namespace", m."id") FROM (
                  SELECT ${IDENTITY_COLUMNS} FROM ${this.t('identities')} WHERE "graph_id" = i."graph_id") m) AS "members",
               (SELECT json_agg(l ORDER BY l."a_namespace", l."a_id", l."b_namespace", l."b_id") FROM (
                  SELECT "a_namespace", "a_id", "b_namespace", "b_id", "graph_id", "at" FROM ${this.t('links')}
                  WHERE "graph_id" = i."graph_id") l) AS "links"
             FROM ${this.t('identities')} i WHERE i."namespace" = $1 AND i."id" = $2`,
      values: [identity.namespace, identity.id],
    });
    const [found] = rows;
    if (!found) return undefined;
    if (!found.graph_id) return { profileId: soloProfileId(identity), identities: [toRow(found)], links: [] };
    return {
      profileId: found.graph_id,
      identities: (found.members ?? []).map((m) => toRow(fromJson(m, ['first_seen', 'last_seen', 'linked_at']))),
      links: (found.links ?? []).map((l) => toLink(fromJson(l, ['at'])).link),
    };
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
      await this.lock(client, ['identity', [identityKey(identity)]]);
      const row = (await this.readIdentities(client, [identity])).get(identityKey(identity));
      if (!row) throw new GraphStoreError('not_found', `identity ${identity.namespace}:${identity.id} is not known`);
      if (!row.graphId) {
        await this.deleteRows(client, [identity]);
        return this.enqueue(client, [deleteChange(soloProfileId(identity), [identity], at)]);
      }
      const graphId = row.graphId;
      await this.lock(client, ['graph', [graphId]]);
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
      await this.lock(client, ['identity', found.identities.map(identityKey)], ['graph', [profileId]]);
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

  /**
   * Applies `records` under the locks the transaction took when it started: on their `identities`, then on `graphIds`,
   * the graphs they were seen in before the transaction. If an identity is in another graph once the locks are held, the
   * transaction starts over with the graphs just read (`graphIds` is updated for the next attempt).
   *
   * Records already applied (by id) are not applied again: the first occurrence of each id is recorded in the statement
   * that reads the graphs, under the identity locks, so a concurrent delivery of the same record waits for this one
   * (and a transaction that starts over records nothing).
   */
  private async applySlow(
    client: PoolClient,
    records: Classified[],
    recordIdentities: Identity[],
    config: GraphConfig,
    graphIds: Set<string>,
  ): Promise<{ profiles: string[]; changes: number }> {
    const locked = [...graphIds];
    const fresh = new Set<RecordToResolve>();
    const firstById = new Map<string, RecordToResolve>();
    for (const { record } of records) {
      if (record.id === undefined) fresh.add(record);
      else if (!firstById.has(record.id)) firstById.set(record.id, record);
    }
    const { current, members, links: linkRows, applied } = await this.readLocked(client, recordIdentities, locked, [...firstById.keys()]);
    if ([...current.values()].some((row) => row.graphId && !graphIds.has(row.graphId))) {
      graphIds.clear();
      for (const row of current.values()) if (row.graphId) graphIds.add(row.graphId);
      throw new RetryError();
    }
    for (const id of applied) fresh.add(firstById.get(id)!);

    const state = new Map<string, IdentityRow>();
    for (const row of [...current.values(), ...members]) state.set(identityKey(row), { ...row });
    const initial = new Map([...state].map(([k, row]) => [k, { ...row }]));
    const graphs = groupGraphs(members, linkRows);
    const before = new Map(graphs.map((g) => [g.graphId, g]));
    const store = new TouchedGraphsStore();
    await store.replaceGraphs([], graphs);
    store.touched.clear();

    const profiles: string[] = [];
    const changes: GraphChange[] = [];
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
      changes.push(...graphChangesOf(result, joined, record.at));
      profiles.push(state.get(identityKey(primary))!.graphId ?? soloProfileId(primary));
    }

    // Only graphs the batch changed are rewritten; their old links go, their new links and members are written. A graph
    // no record replaced is kept as it is; one that was replaced by a graph of the same content is kept too.
    const changed: IdentityGraph[] = [];
    const kept = new Set<string>();
    for (const graph of await store.listGraphs()) {
      const old = before.get(graph.graphId);
      if (!store.touched.has(graph.graphId) || (old && signatureOf(old) === signatureOf(graph))) kept.add(graph.graphId);
      else changed.push(graph);
    }
    await this.writeIdentityRows(client, [...state.values()].filter((row) => !sameRow(row, initial.get(identityKey(row)))));
    await this.writeLinkChanges(
      client,
      linkRows.filter((l) => !kept.has(l.graphId)),
      changed,
      changes,
    );
    return { profiles, changes: changes.length };
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

  /**
   * The links of `changed` graphs replace `before` (the links the changed graphs had when read), in one statement and
   * touching only what differs: links gone are deleted, new links inserted, links whose graph or time changed updated.
   * A record adding one cookie to a graph of ten links writes one row instead of deleting and inserting eleven. The same
   * statement adds `changes` to the outbox (seq follows their order: the order of the records, and of the changes within
   * each).
   */
  private async writeLinkChanges(
    client: PoolClient,
    before: { graphId: string; link: Link }[],
    changed: IdentityGraph[],
    changes: GraphChange[],
  ): Promise<void> {
    const gone = new Map(before.map((l) => [linkId(l.link), l]));
    const written: { graphId: string; link: Link }[] = [];
    for (const graph of changed) {
      for (const link of graph.links) {
        const id = linkId(link);
        const old = gone.get(id);
        gone.delete(id);
        if (!old || old.graphId !== graph.graphId || old.link.at.getTime() !== link.at.getTime()) written.push({ graphId: graph.graphId, link });
      }
    }
    if (!gone.size && !written.length && !changes.length) return;
    const byKey = (x: { link: Link }, y: { link: Link }) => compareIdentities(x.link.a, y.link.a) || compareIdentities(x.link.b, y.link.b);
    const deleted = [...gone.values()].sort(byKey);
    written.sort(byKey);
    await client.query(
      `WITH "deleted" AS (
         DELETE FROM ${this.t('links')} l USING unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS k("a_namespace", "a_id", "b_namespace", "b_id")
         WHERE l."a_namespace" = k."a_namespace" AND l."a_id" = k."a_id" AND l."b_namespace" = k."b_namespace" AND l."b_id" = k."b_id"
       ), "outbox" AS (
         INSERT INTO ${this.t('graph_changes')} ("key", "change") SELECT * FROM unnest($11::text[], $12::jsonb[])
       )
       INSERT INTO ${this.t('links')} ("a_namespace", "a_id", "b_namespace", "b_id", "graph_id", "at")
       SELECT u."a_namespace", u."a_id", u."b_namespace", u."b_id", u."graph_id", ${fromEpochMs('u."at"')}
       FROM unnest($5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::bigint[]) AS u("a_namespace", "a_id", "b_namespace", "b_id", "graph_id", "at")
       ON CONFLICT ("a_namespace", "a_id", "b_namespace", "b_id") DO UPDATE SET "graph_id" = excluded."graph_id", "at" = excluded."at"`,
      [
        deleted.map((l) => l.link.a.namespace),
        deleted.map((l) => l.link.a.id),
        deleted.map((l) => l.link.b.namespace),
        deleted.map((l) => l.link.b.id),
        written.map((l) => l.link.a.namespace),
        written.map((l) => l.link.a.id),
        written.map((l) => l.link.b.namespace),
        written.map((l) => l.link.b.id),
        written.map((l) => l.graphId),
        written.map((l) => l.link.at.getTime()),
        changes.map(graphChangeKey),
        changes.map((c) => JSON.stringify(c)),
      ],
    );
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
    await this.writeIdentityRows(client, rows);
  }

  /** Upserts `rows` in key order, in one statement. */
  private async writeIdentityRows(client: PoolClient, rows: IdentityRow[]): Promise<void> {
    if (!rows.length) return;
    rows.sort(compareIdentities);
    await client.query(
      `INSERT INTO ${this.t('identities')} AS i
         ("namespace", "id", "graph_id", "first_seen", "last_seen", "linked_at", "link_refusal")
       SELECT u."namespace", u."id", u."graph_id", ${fromEpochMs('u."first_seen"')}, ${fromEpochMs('u."last_seen"')},
         ${fromEpochMs('u."linked_at"')}, u."link_refusal"
       FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::text[])
         AS u("namespace", "id", "graph_id", "first_seen", "last_seen", "linked_at", "link_refusal")
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
        rows.map((r) => r.firstSeen.getTime()),
        rows.map((r) => r.lastSeen.getTime()),
        rows.map((r) => r.linkedAt?.getTime() ?? null),
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
   * Time refreshes by key, for the rows readAndRefresh found changed by another transaction: one statement updating
   * both tables, rows in key order, times sent as epoch milliseconds, in a transaction that keeps the planner on the
   * primary-key indexes.
   */
  private async refreshTimes(identities: { identity: Identity; at: number }[], links: { link: Link; at: number }[]): Promise<void> {
    if (!identities.length && !links.length) return;
    identities.sort((x, y) => compareIdentities(x.identity, y.identity));
    links.sort((x, y) => compareIdentities(x.link.a, y.link.a) || compareIdentities(x.link.b, y.link.b));
    await this.inTransaction(
      (client) =>
        client.query({
          name: this.statement('refresh'),
          text: `WITH "identities" AS (
                   UPDATE ${this.t('identities')} AS i SET "last_seen" = timestamptz 'epoch' + u."at" * interval '1 millisecond'
                   FROM unnest($1::text[], $2::text[], $3::bigint[]) AS u("namespace", "id", "at")
                   WHERE i."namespace" = u."namespace" AND i."id" = u."id"
                     AND i."last_seen" < timestamptz 'epoch' + u."at" * interval '1 millisecond'
                 ), "links" AS (
                   UPDATE ${this.t('links')} AS l SET "at" = timestamptz 'epoch' + u."at" * interval '1 millisecond'
                   FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[]) AS u("a_namespace", "a_id", "b_namespace", "b_id", "at")
                   WHERE l."a_namespace" = u."a_namespace" AND l."a_id" = u."a_id" AND l."b_namespace" = u."b_namespace"
                     AND l."b_id" = u."b_id" AND l."at" < timestamptz 'epoch' + u."at" * interval '1 millisecond'
                 )
                 SELECT 1`,
          values: [
            identities.map((r) => r.identity.namespace),
            identities.map((r) => r.identity.id),
            identities.map((r) => r.at),
            links.map((l) => l.link.a.namespace),
            links.map((l) => l.link.a.id),
            links.map((l) => l.link.b.namespace),
            links.map((l) => l.link.b.id),
            links.map((l) => l.at),
          ],
        }),
      KEY_LOOKUPS,
    );
  }

  /** Name of a prepared statement of this store (one per schema: statements are prepared per connection). */
  private statement(name: string): string {
    return `identity_${name}_${this.statementSuffix}`;
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

  /**
   * The fast path's one statement: the graph of every identity (`graphs` holds known identities only, null when linked
   * to nothing) and which pairs are linked, as of one snapshot; and, in the same statement, the refresh of the
   * last-seen time of every identity and the time of every link the batch saw at least IDENTITY_TIME_RESOLUTION_MS
   * after the stored time (`at` null: looked up, not seen). Seeing an identity or a pair again is true whatever else the
   * record then changes, so the times of records that go on to the linking path are refreshed here too.
   *
   * Each row is found once, by primary key (a lateral probe with LIMIT 1: the generic plan, costed without statistics,
   * would otherwise build a bitmap for every key); the refresh updates the row version just read by its tuple id. A row that
   * another transaction changed in between is not refreshed by that update (its tuple id is no longer current); such
   * rows come back in `missed`, to be refreshed by key. Rows are visited in key order, so two of these statements cannot
   * wait on each other's row locks in a cycle. Only the rows read come back, each flagged when its refresh was missed.
   * A prepared statement: parsed once per connection, its generic plan probes the primary keys whatever the batch size.
   * It commits like any statement, so no refresh is lost after the batch's offsets are committed.
   */
  private async readAndRefresh(
    identities: { identity: Identity; at: number | null }[],
    pairs: { link: Link; at: number }[],
  ): Promise<{ graphs: Map<string, string | null>; links: Set<string>; missed: { identities: { identity: Identity; at: number }[]; links: { link: Link; at: number }[] } }> {
    identities.sort((x, y) => compareIdentities(x.identity, y.identity));
    pairs.sort((x, y) => compareIdentities(x.link.a, y.link.a) || compareIdentities(x.link.b, y.link.b));
    const epoch = (column: string) => `timestamptz 'epoch' + ${column} * interval '1 millisecond'`;
    const { rows } = await this.withDeadlockRetry(() =>
      this.pool.query<{ kind: 'i' | 'l'; n: number; graph_id: string | null; missed: boolean }>({
        name: this.statement('read_and_refresh'),
        text: `WITH "ki" AS (
                 SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) WITH ORDINALITY AS k("namespace", "id", "at", "n")
               ), "si" AS MATERIALIZED (
                 SELECT k."n", i."tid", i."graph_id", k."at", coalesce(i."last_seen" <= ${epoch('(k."at" - $8)')}, false) AS "stale"
                 FROM "ki" k CROSS JOIN LATERAL (
                   SELECT i.ctid AS "tid", i."graph_id", i."last_seen" FROM ${this.t('identities')} i
                   WHERE i."namespace" = k."namespace" AND i."id" = k."id" LIMIT 1) i
               ), "ui" AS (
                 UPDATE ${this.t('identities')} i SET "last_seen" = ${epoch('s."at"')}
                 FROM "si" s WHERE s."stale" AND i.ctid = s."tid" RETURNING s."n"
               ), "kl" AS (
                 SELECT * FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $9::bigint[])
                   WITH ORDINALITY AS k("a_namespace", "a_id", "b_namespace", "b_id", "at", "n")
               ), "sl" AS MATERIALIZED (
                 SELECT k."n", l."tid", k."at", l."at" <= ${epoch('(k."at" - $8)')} AS "stale"
                 FROM "kl" k CROSS JOIN LATERAL (
                   SELECT l.ctid AS "tid", l."at" FROM ${this.t('links')} l
                   WHERE l."a_namespace" = k."a_namespace" AND l."a_id" = k."a_id" AND l."b_namespace" = k."b_namespace"
                     AND l."b_id" = k."b_id" LIMIT 1) l
               ), "ul" AS (
                 UPDATE ${this.t('links')} l SET "at" = ${epoch('s."at"')}
                 FROM "sl" s WHERE s."stale" AND l.ctid = s."tid" RETURNING s."n"
               )
               SELECT 'i' AS "kind", s."n"::int, s."graph_id", s."stale" AND NOT EXISTS (SELECT FROM "ui" WHERE "ui"."n" = s."n") AS "missed"
               FROM "si" s
               UNION ALL
               SELECT 'l', s."n"::int, NULL, s."stale" AND NOT EXISTS (SELECT FROM "ul" WHERE "ul"."n" = s."n") FROM "sl" s`,
        values: [
          arrayLiteral(identities.map((r) => r.identity.namespace)),
          arrayLiteral(identities.map((r) => r.identity.id)),
          arrayLiteral(identities.map((r) => r.at)),
          arrayLiteral(pairs.map((p) => p.link.a.namespace)),
          arrayLiteral(pairs.map((p) => p.link.a.id)),
          arrayLiteral(pairs.map((p) => p.link.b.namespace)),
          arrayLiteral(pairs.map((p) => p.link.b.id)),
          Math.max(this.timeResolutionMs, 1),
          arrayLiteral(pairs.map((p) => p.at)),
        ],
      }),
    );
    const graphs = new Map<string, string | null>();
    const links = new Set<string>();
    const missed: { identities: { identity: Identity; at: number }[]; links: { link: Link; at: number }[] } = { identities: [], links: [] };
    for (const r of rows) {
      const i = r.n - 1;
      if (r.kind === 'i') {
        graphs.set(identityKey(identities[i].identity), r.graph_id);
        if (r.missed) missed.identities.push(identities[i] as { identity: Identity; at: number });
      } else {
        links.add(linkId(pairs[i].link));
        if (r.missed) missed.links.push(pairs[i]);
      }
    }
    return { graphs, links, missed };
  }

  /** Runs a single statement again when Postgres chose it as a deadlock victim. */
  private async withDeadlockRetry<T>(run: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (err) {
        if ((err as { code?: string })?.code !== DEADLOCK || attempt >= MAX_ATTEMPTS) throw err;
      }
    }
  }

  /**
   * In one round trip: the rows of `identities`, and the members and links of `graphIds` (each in key order), as JSON
   * aggregates; and `recordIds` recorded as applied, returning those that were not recorded before.
   */
  private async readLocked(
    client: PoolClient,
    identities: readonly Identity[],
    graphIds: readonly string[],
    recordIds: readonly string[],
  ): Promise<{ current: Map<string, IdentityRow>; members: IdentityRow[]; links: { graphId: string; link: Link }[]; applied: string[] }> {
    const { rows } = await client.query<{
      current: JsonRow<RawIdentityRow>[] | null;
      members: JsonRow<RawIdentityRow>[] | null;
      links: JsonRow<RawLinkRow>[] | null;
      applied: string[] | null;
    }>(
      `WITH "applied" AS (
         INSERT INTO ${this.t('applied_records')} ("record_id") SELECT * FROM unnest($4::text[])
         ON CONFLICT DO NOTHING RETURNING "record_id"
       )
       SELECT
         (SELECT json_agg(r) FROM (
            SELECT ${IDENTITY_COLUMNS.replace(/"(\w+)"/g, 'i."$1"')} FROM unnest($1::text[], $2::text[]) AS k("namespace", "id")
            JOIN ${this.t('identities')} i ON i."namespace" = k."namespace" AND i."id" = k."id") r) AS "current",
         (SELECT json_agg(m ORDER BY m."namespace", m."id") FROM (
            SELECT ${IDENTITY_COLUMNS} FROM ${this.t('identities')} WHERE "graph_id" = ANY($3::text[])) m) AS "members",
         (SELECT json_agg(l ORDER BY l."a_namespace", l."a_id", l."b_namespace", l."b_id") FROM (
            SELECT "a_namespace", "a_id", "b_namespace", "b_id", "graph_id", "at" FROM ${this.t('links')}
            WHERE "graph_id" = ANY($3::text[])) l) AS "links",
         (SELECT array_agg("record_id") FROM "applied") AS "applied"`,
      [identities.map((i) => i.namespace), identities.map((i) => i.id), graphIds, recordIds],
    );
    const [{ current, members, links, applied }] = rows;
    const identityRow = (raw: JsonRow<RawIdentityRow>) => toRow(fromJson(raw, ['first_seen', 'last_seen', 'linked_at']));
    return {
      current: new Map((current ?? []).map((raw) => [identityKey(raw), identityRow(raw)])),
      members: (members ?? []).map(identityRow),
      links: (links ?? []).map((raw) => toLink(fromJson(raw, ['at']))),
      applied: applied ?? [],
    };
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

  /**
   * Transaction-scoped advisory locks, in one statement: group after group in the order given, each in ascending key
   * order (a function scan of unnest takes them in array order); keys are scoped to this schema.
   */
  private async lock(client: PoolClient, ...groups: ['identity' | 'graph', readonly string[]][]): Promise<void> {
    await client.query(this.lockStatement(...groups));
  }

  /** The statement of {@link lock}; the keys are integers, written into it as an array literal. */
  private lockStatement(...groups: ['identity' | 'graph', readonly string[]][]): string {
    const hashed = groups.flatMap(([kind, keys]) =>
      [...new Set(keys.map((k) => lockKey(this.options.schema, kind, k)))].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)),
    );
    return `SELECT pg_advisory_xact_lock(k) FROM unnest('{${hashed.join(',')}}'::bigint[]) AS k`;
  }

  /**
   * Runs `work` in a transaction, started together with `opening` (settings, locks: one round trip, evaluated for each
   * attempt); retried on RetryError and deadlocks.
   */
  private async inTransaction<T>(work: (client: PoolClient) => Promise<T>, opening?: string | (() => string)): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      try {
        const statements = typeof opening === 'function' ? opening() : opening;
        await client.query(statements ? `BEGIN; ${statements}` : 'BEGIN');
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

/** The in-memory store of a linking transaction, noting every graph id a record replaced or wrote. */
class TouchedGraphsStore extends InMemoryGraphStore {
  readonly touched = new Set<string>();

  override async replaceGraphs(replacedGraphIds: readonly string[], graphs: readonly IdentityGraph[]): Promise<void> {
    for (const id of replacedGraphIds) this.touched.add(id);
    for (const graph of graphs) this.touched.add(graph.graphId);
    await super.replaceGraphs(replacedGraphIds, graphs);
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

/** The first 8 bytes of the SHA-1 of the key, as a signed 64-bit integer (every instance must derive the same keys). */
function lockKey(schema: string, kind: string, key: string): bigint {
  return BigInt.asIntN(64, BigInt(`0x${hash('sha1', `${schema}|${kind}|${key}`).slice(0, 16)}`));
}

const ARRAY_ELEMENT_ESCAPES = /[\\"]/;

/**
 * A Postgres array literal of `values`, for a parameter cast to an array type: every string quoted, only backslashes
 * and double quotes escaped within (half the work of the driver's own array serialization, which runs two replaces on
 * every element of the fast path's large arrays).
 */
export function arrayLiteral(values: readonly (string | number | null)[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (i > 0) out += ',';
    if (value === null) out += 'NULL';
    else if (typeof value === 'number') out += String(value);
    else out += ARRAY_ELEMENT_ESCAPES.test(value) ? `"${value.replace(/[\\"]/g, '\\$&')}"` : `"${value}"`;
  }
  return `${out}}`;
}

/** SQL for the timestamptz of `column`, a bigint of milliseconds since the epoch (null stays null). */
function fromEpochMs(column: string): string {
  return `timestamptz 'epoch' + ${column} * interval '1 millisecond'`;
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

/** A row as json_agg renders it: timestamps as ISO strings. */
type JsonRow<T> = { [K in keyof T]: T[K] extends Date | null ? string | Extract<T[K], null> : T[K] };

function fromJson<T extends object>(row: JsonRow<T>, dates: (keyof T)[]): T {
  const out = { ...row } as Record<keyof T, unknown>;
  for (const key of dates) if (out[key] !== null) out[key] = new Date(out[key] as string);
  return out as T;
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

/** The records in order, cut so that no transaction locks more than IDENTITY_LOCKS_PER_TRANSACTION identities. */
function lockableChunks(records: Classified[]): Classified[][] {
  const chunks: Classified[][] = [];
  let chunk: Classified[] = [];
  let identities = 0;
  for (const c of records) {
    if (chunk.length && identities + c.identities.length > IDENTITY_LOCKS_PER_TRANSACTION) {
      chunks.push(chunk);
      chunk = [];
      identities = 0;
    }
    chunk.push(c);
    identities += c.identities.length;
  }
  if (chunk.length) chunks.push(chunk);
  return chunks;
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

function raiseSeen(seen: Map<string, { identity: Identity; at: number | null }>, key: string, identity: Identity, at: number | null): void {
  const known = seen.get(key);
  if (!known) seen.set(key, { identity: { namespace: identity.namespace, id: identity.id }, at });
  else if (at !== null && (known.at === null || known.at < at)) known.at = at;
}
