import fc from 'fast-check';
import { defineGraphConfig, identityKey, type GraphConfig, type Identity } from '@weft/identity-graph';
import { graphStoreDatabase, type GraphStoreDatabase } from '../../test/graph-store.fixture';
import { loadScenarios, partitionDifferences, partitionOf } from '../../test/scenarios';
import { PostgresGraphStore, type RecordToResolve } from './postgres-graph-store';
import { soloProfileId } from './profile-ids';

const at = (minute: number) => new Date(Date.UTC(2024, 0, 1, 0, minute));
const crm = (id: string): Identity => ({ namespace: 'CRMID', id });
const email = (id: string): Identity => ({ namespace: 'Email', id });
const ecid = (n: number): Identity => ({ namespace: 'ECID', id: String(n).padStart(38, '0') });

/** Non-unique namespaces only: the graphs are then the connected components of all links, whatever the order. */
const unionConfig = defineGraphConfig({
  namespaces: [
    { code: 'CRMID', type: 'CROSS_DEVICE', priority: 1, unique: false },
    { code: 'Email', type: 'EMAIL', priority: 2, unique: false },
    { code: 'ECID', type: 'COOKIE', priority: 3, unique: false },
  ],
});

describe(PostgresGraphStore.name, () => {
  let db: GraphStoreDatabase;

  beforeEach(async () => {
    db = await graphStoreDatabase();
  });
  afterEach(() => db.close());

  const changesIn = async (): Promise<{ key: string; change: { type: string } }[]> => {
    const { rows } = await db.pools[0].query(`SELECT "key", "change" FROM "${db.schema.name}"."graph_changes" ORDER BY "seq"`);
    return rows as { key: string; change: { type: string } }[];
  };

  describe('reference scenarios', () => {
    it.each(loadScenarios().map((s) => [s.id, s] as const))('%s: record by record', async (_, scenario) => {
      const sut = db.store();
      const config = defineGraphConfig(scenario.config);
      for (const event of scenario.events) await sut.resolveBatch([{ at: new Date(event.at), identities: event.identities }], config);
      expect(partitionDifferences(await sut.partition(), scenario.expect.graphs)).toEqual([]);
    });

    it.each(loadScenarios().map((s) => [s.id, s] as const))('%s: as one batch', async (_, scenario) => {
      const sut = db.store();
      const config = defineGraphConfig(scenario.config);
      await sut.resolveBatch(scenario.events.map((e) => ({ at: new Date(e.at), identities: e.identities })), config);
      expect(partitionDifferences(await sut.partition(), scenario.expect.graphs)).toEqual([]);
    });
  });

  it('reads and links identities whose values hold quotes, backslashes, commas and braces', async () => {
    const sut = db.store();
    const config = aConfig();
    const odd = [crm('a"b'), crm('c\\d,{e}'), email('"NULL"@x'), email(' \\" ')];
    const linked = await sut.resolveBatch([{ at: at(0), identities: [odd[0], odd[2]] }, { at: at(0), identities: [odd[1], odd[3]] }], config);

    const again = await sut.resolveBatch([{ at: at(5), identities: [odd[0], odd[2]] }, { at: at(5), identities: [odd[1], odd[3]] }], config);

    expect(again.resolutions.map((r) => r.profileId)).toEqual(linked.resolutions.map((r) => r.profileId));
    expect(new Set(linked.resolutions.map((r) => r.profileId)).size).toBe(2);
    for (const identity of odd) expect((await sut.findByIdentity(identity))?.identities.map(identityKey)).toContain(identityKey(identity));
  });

  it('resolves a single identity to its solo profile id, and reports it absorbed when it joins a graph', async () => {
    const sut = db.store();
    const config = aConfig();
    const first = await sut.resolveBatch([{ at: at(0), identities: [ecid(1)] }], config);
    expect(first.resolutions[0].profileId).toBe(soloProfileId(ecid(1)));
    expect((await sut.findByProfileId(soloProfileId(ecid(1))))?.identities.map(identityKey)).toEqual([identityKey(ecid(1))]);

    const linked = await sut.resolveBatch([{ at: at(1), identities: [ecid(1), crm('tom')] }], config);
    const profileId = linked.resolutions[0].profileId!;
    expect(profileId).not.toBe(soloProfileId(ecid(1)));
    expect((await changesIn()).map((c) => c.change)).toEqual([
      expect.objectContaining({ type: 'merge', survivor: profileId, absorbed: [soloProfileId(ecid(1))] }),
    ]);
    const again = await sut.resolveBatch([{ at: at(2), identities: [ecid(1)] }], config);
    expect(again.resolutions[0].profileId).toBe(profileId);
  });

  it('changes nothing when an envelope is delivered again', async () => {
    const sut = db.store();
    const config = aConfig();
    const batch: RecordToResolve[] = [
      { id: 'r1', at: at(0), identities: [crm('tom'), ecid(1)] },
      { id: 'r2', at: at(1), identities: [crm('summer'), ecid(2)] },
      { id: 'r3', at: at(2), identities: [email('t@x'), ecid(1), ecid(2)] },
    ];
    const first = await sut.resolveBatch(batch, config);
    const changes = await changesIn();
    const snapshot = await dump(db);
    const second = await sut.resolveBatch(batch, config);
    expect(second.changes).toBe(0);
    expect(await changesIn()).toEqual(changes);
    expect(await dump(db)).toEqual(snapshot);
    // Tom lost his link to the shared cookie when Summer's record made CRMIDs meet; re-applying his record must not undo that.
    expect(second.resolutions.map((r) => r.profileId)).toEqual([
      soloProfileId(crm('tom')),
      first.resolutions[2].profileId,
      first.resolutions[2].profileId,
    ]);
  });

  it('keeps the most recent link when a unique namespace conflicts, and reports the split', async () => {
    const sut = db.store();
    const config = aConfig();
    const tom = await sut.resolveBatch([{ at: at(0), identities: [crm('tom'), ecid(111)] }], config);
    await sut.resolveBatch([{ at: at(1), identities: [crm('summer'), ecid(111)] }], config);
    const tomGraph = tom.resolutions[0].profileId!;
    expect(partitionOf(await sut.partition())).toEqual(partitionOf([[crm('summer'), ecid(111)]]));
    const split = (await changesIn()).map((c) => c.change).find((c) => c.type === 'split');
    expect(split).toEqual(
      expect.objectContaining({
        old: tomGraph,
        removedIdentities: [crm('tom')],
        parts: expect.arrayContaining([{ profileId: soloProfileId(crm('tom')), identities: [crm('tom')] }]),
      }),
    );
  });

  it('deletes an identity with its links and reports what is left of the graph', async () => {
    const sut = db.store();
    const config = aConfig();
    const { resolutions } = await sut.resolveBatch([{ at: at(0), identities: [crm('tom'), ecid(1), email('t@x')] }], config);
    const profileId = resolutions[0].profileId!;
    const [change] = await sut.deleteIdentity(crm('tom'), config, at(5));
    expect(change).toEqual(expect.objectContaining({ type: 'split', old: profileId, removedIdentities: [crm('tom')] }));
    const graph = await sut.findByIdentity(ecid(1));
    expect(graph?.profileId).toBe(profileId);
    expect(graph?.identities.map(identityKey).sort()).toEqual([identityKey(ecid(1)), identityKey(email('t@x'))].sort());
    expect(await sut.findByIdentity(crm('tom'))).toBeUndefined();

    const [deleted] = await sut.deleteGraph(profileId, at(6));
    expect(deleted).toEqual(expect.objectContaining({ type: 'delete', old: profileId }));
    expect(await sut.findByProfileId(profileId)).toBeUndefined();
    expect(await sut.partition()).toEqual([]);
  });

  it('refreshes last-seen and link times only when a record is the time resolution newer, on the fast and the linking path', async () => {
    const sut = db.store({ timeResolutionMs: 60_000 });
    const config = aConfig();
    await sut.resolveBatch([{ at: at(0), identities: [crm('tom'), ecid(1)] }], config);
    const times = async () => {
      const graph = (await sut.findByIdentity(crm('tom')))!;
      const crmRow = graph.identities.find((i) => i.namespace === 'CRMID')!;
      return { lastSeen: crmRow.lastSeen.toISOString(), link: graph.links[0]?.at.toISOString() };
    };

    await sut.resolveBatch([{ at: new Date(at(0).getTime() + 30_000), identities: [crm('tom'), ecid(1)] }], config);
    expect(await times()).toEqual({ lastSeen: at(0).toISOString(), link: at(0).toISOString() });

    await sut.resolveBatch([{ at: at(2), identities: [crm('tom'), ecid(1)] }], config);
    expect(await times()).toEqual({ lastSeen: at(2).toISOString(), link: at(2).toISOString() });

    // A record that also brings a new identity takes the linking path; the known pair's time moves with it.
    await sut.resolveBatch([{ at: at(4), identities: [crm('tom'), ecid(1), email('t@x')] }], config);
    expect(await times()).toEqual({ lastSeen: at(4).toISOString(), link: at(4).toISOString() });
    const graph = (await sut.findByIdentity(crm('tom')))!;
    expect(graph.links.map((l) => l.at.toISOString())).toEqual([at(4).toISOString(), at(4).toISOString(), at(4).toISOString()]);
  });

  it('gives the same partition as a sequential union-find when 4 instances apply shares of a random stream concurrently', async () => {
    const runs: { seed: number; links: number }[] = [];
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ cluster: fc.integer({ min: 0, max: 59 }), members: fc.array(fc.integer({ min: 0, max: 11 }), { minLength: 1, maxLength: 4 }) }),
          { minLength: 700, maxLength: 800 },
        ),
        async (drawn) => {
          const recordsAsNumbers = drawn.map((d) => [...new Set(d.members)].map((m) => d.cluster * 12 + m));
          if (runs.length) {
            await db.close();
            db = await graphStoreDatabase();
          }
          const records = recordsAsNumbers.map((ns, i) => ({ at: new Date(Date.UTC(2024, 0, 1) + i * 1000), identities: ns.map(identityOf) }));
          const reference = new Components();
          for (const r of records) for (const i of r.identities) reference.union(identityKey(r.identities[0]), identityKey(i));
          const expected = new Map<string, Identity[]>();
          for (const r of records) {
            if (r.identities.length < 2) continue;
            for (const i of r.identities) expected.set(identityKey(i), [...(expected.get(identityKey(i)) ?? []), i]);
          }
          const groups = new Map<string, Map<string, Identity>>();
          for (const [key, [identity]] of expected) {
            const root = reference.find(key);
            groups.set(root, (groups.get(root) ?? new Map<string, Identity>()).set(key, identity));
          }
          const expectedPartition = partitionOf([...groups.values()].map((g) => [...g.values()]).filter((g) => g.length > 1));

          const stores = [0, 1, 2, 3].map(() => db.store());
          // Each worker takes every 4th slice of 10 records, as one partition's batches would.
          await Promise.all(
            stores.map(async (store, w) => {
              for (let start = w * 10; start < records.length; start += 40) {
                await store.resolveBatch(records.slice(start, start + 10), unionConfig);
              }
            }),
          );
          runs.push({ seed: runs.length, links: records.reduce((n, r) => n + (r.identities.length * (r.identities.length - 1)) / 2, 0) });
          expect(partitionOf(await stores[0].partition())).toEqual(expectedPartition);
        },
      ),
      { numRuns: 4, seed: 20240101 },
    );
    expect(runs.reduce((n, r) => n + r.links, 0)).toBeGreaterThan(2_000);
  }, 120_000);

  function aConfig(): GraphConfig {
    return defineGraphConfig({
      namespaces: [
        { code: 'CRMID', type: 'CROSS_DEVICE', priority: 1, unique: true },
        { code: 'Email', type: 'EMAIL', priority: 2, unique: false },
        { code: 'ECID', type: 'COOKIE', priority: 3, unique: false },
      ],
    });
  }

});

/** Identities spread over three namespaces; records link within clusters of 12, so graphs stay below 50 identities. */
function identityOf(n: number): Identity {
  return n % 3 === 0 ? crm(`c${n}`) : n % 3 === 1 ? email(`e${n}@x`) : ecid(n);
}

async function dump(db: GraphStoreDatabase): Promise<unknown> {
  const s = `"${db.schema.name}"`;
  const identities = await db.pools[0].query(`SELECT * FROM ${s}."identities" ORDER BY "namespace", "id"`);
  const links = await db.pools[0].query(`SELECT * FROM ${s}."links" ORDER BY 1, 2, 3, 4`);
  return { identities: identities.rows, links: links.rows };
}

/** The sequential reference: plain union-find over identity keys. */
class Components {
  private readonly parent = new Map<string, string>();

  find(key: string): string {
    let root = key;
    while (this.parent.has(root) && this.parent.get(root) !== root) root = this.parent.get(root)!;
    this.parent.set(key, root);
    return root;
  }

  union(a: string, b: string): void {
    const [ra, rb] = [this.find(a), this.find(b)];
    if (ra !== rb) this.parent.set(rb, ra);
  }
}
