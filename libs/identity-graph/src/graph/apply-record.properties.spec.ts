import fc from 'fast-check';
import {
  applyRecord,
  EMPTY_COMPONENT,
  GraphComponent,
  GraphConfig,
  GraphRecord,
  Identity,
  IdentityGraph,
  identityKey,
  InMemoryGraphStore,
  linkKey,
  simulate,
  unionOf,
} from '../index';
import { aConfig, counterIds, ecid, id, minute } from '../../test/identity-graph.fixtures';

/** FC_SEED=<n> replays one seed; otherwise each run draws its own (printed by fast-check on failure). */
const seed = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);
const NUM_RUNS = Number(process.env.FC_RUNS ?? 300);

const value = (prefix: string, count: number) =>
  fc.integer({ min: 1, max: count }).map((n) => `${prefix}${n}`);

/** Small pools so that records keep meeting; a few invalid values so that validation is part of the mix. */
const anIdentity = (ecids: number): fc.Arbitrary<Identity> =>
  fc.oneof(
    { weight: 3, arbitrary: value('crm-', 4).map((v) => id('CRMID', v)) },
    { weight: 2, arbitrary: value('mail-', 3).map((v) => id('Email', v)) },
    { weight: 2, arbitrary: value('login-', 3).map((v) => id('loginID', v)) },
    { weight: 1, arbitrary: value('phone-', 2).map((v) => id('Phone', v)) },
    { weight: 2, arbitrary: value('idfa-', 3).map((v) => id('IDFA', v)) },
    { weight: 1, arbitrary: value('gaid-', 2).map((v) => id('GAID', v)) },
    { weight: 6, arbitrary: fc.integer({ min: 1, max: ecids }).map((n) => ecid(n)) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        id('Email', 'anonymous'),
        id('ECID', '123'),
        id('Partner', 'p-1'),
        id('loginID', ' '),
      ),
    },
  );

const someRecords = (ecids: number, maxRecords: number): fc.Arbitrary<GraphRecord[]> =>
  fc
    .array(
      fc.record({
        minute: fc.integer({ min: 0, max: maxRecords }),
        identities: fc.array(anIdentity(ecids), { minLength: 1, maxLength: 5 }),
      }),
      { minLength: Math.floor(maxRecords / 4), maxLength: maxRecords, size: 'max' },
    )
    .map((drawn) =>
      drawn
        .map((r, index) => ({ ...r, index }))
        .sort((x, y) => x.minute - y.minute || x.index - y.index)
        .map((r) => ({ at: minute(r.minute), identities: r.identities })),
    );

const aSmallConfig = fc
  .record({
    crmUnique: fc.boolean(),
    emailUnique: fc.boolean(),
    loginUnique: fc.boolean(),
    maxIdentitiesPerGraph: fc.integer({ min: 5, max: 9 }),
  })
  .map((c) =>
    aConfig()
      .withUnique('CRMID', c.crmUnique)
      .withUnique('Email', c.emailUnique)
      .withUnique('loginID', c.loginUnique)
      .withLimits({ maxIdentitiesPerGraph: c.maxIdentitiesPerGraph, maxIdentitiesPerRecord: 5 })
      .build(),
  );

/** Small graph limit: replays, evictions and splits on almost every run. */
const smallWorld = fc.record({ config: aSmallConfig, records: someRecords(12, 40), shuffle: fc.integer() });
/** The real 50-identity limit, with enough cookies (and CRMID not unique) to reach it. */
const fullSizeWorld = fc.record({
  config: fc.constant(aConfig().withUnique('CRMID', false).build()),
  records: someRecords(90, 160),
  shuffle: fc.integer(),
});

/** Deterministic permutations for a fast-check drawn seed. */
function shuffler(seedValue: number) {
  let state = seedValue | 0;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return <T>(items: readonly T[]): T[] => {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy;
  };
}

/** A store that hands graphs back in an arbitrary order, with links facing either way. */
class ShufflingStore extends InMemoryGraphStore {
  constructor(private readonly shuffle: <T>(items: readonly T[]) => T[]) {
    super();
  }

  override async findComponent(identities: readonly Identity[]): Promise<GraphComponent> {
    const component = await super.findComponent(identities);
    return {
      identities: this.shuffle(component.identities),
      links: this.shuffle(component.links).map((link, i) =>
        i % 2 ? { ...link, a: link.b, b: link.a } : link,
      ),
    };
  }
}

function canonical(graphs: readonly IdentityGraph[]) {
  return [...graphs]
    .map((graph) => ({
      graphId: graph.graphId,
      identities: graph.identities
        .map((i) => `${identityKey(i)}@${i.firstSeen.toISOString()}#${i.graphId}`)
        .sort(),
      links: graph.links.map((l) => `${linkKey(l.a, l.b)}@${l.at.toISOString()}`).sort(),
    }))
    .sort((x, y) => (x.graphId < y.graphId ? -1 : 1));
}

/** Everything wrong with a set of stored graphs, as readable lines (empty when the store is sound). */
function violationsOf(graphs: readonly IdentityGraph[], config: GraphConfig): string[] {
  const violations: string[] = [];
  const owner = new Map<string, string>();
  for (const graph of graphs) {
    const name = graph.graphId;
    const members = new Set(graph.identities.map(identityKey));
    if (members.size < 2) violations.push(`${name} holds fewer than two identities`);
    if (members.size > config.limits.maxIdentitiesPerGraph) violations.push(`${name} holds ${members.size}`);

    const uniqueCodes = graph.identities
      .map((i) => i.namespace)
      .filter((code) => config.namespace(code)!.unique);
    if (new Set(uniqueCodes).size !== uniqueCodes.length)
      violations.push(`${name} repeats a unique namespace`);

    for (const link of graph.links) {
      if (!members.has(identityKey(link.a)) || !members.has(identityKey(link.b))) {
        violations.push(`${name} has link ${linkKey(link.a, link.b)} leaving the graph`);
      }
    }
    const reached = new Set([identityKey(graph.identities[0])]);
    for (let grew = true; grew;) {
      grew = false;
      for (const link of graph.links) {
        const [a, b] = [identityKey(link.a), identityKey(link.b)];
        if (reached.has(a) !== reached.has(b)) {
          reached.add(a).add(b);
          grew = true;
        }
      }
    }
    if (reached.size !== members.size) violations.push(`${name} is not connected`);

    for (const identity of graph.identities) {
      const key = identityKey(identity);
      if (identity.graphId !== name) violations.push(`${key} in ${name} says it is in ${identity.graphId}`);
      if (owner.has(key)) violations.push(`${key} is in ${owner.get(key)} and ${name}`);
      owner.set(key, name);
    }
  }
  if (new Set(graphs.map((g) => g.graphId)).size !== graphs.length) violations.push('graph ids repeat');
  return violations;
}

describe(applyRecord.name, () => {
  describe.each([
    ['graph limit 5-9', smallWorld, NUM_RUNS],
    ['graph limit 50', fullSizeWorld, Math.max(1, Math.round(NUM_RUNS / 10))],
  ])('with %s', (_, world, numRuns) => {
    it('gives the same graphs through a store, over the whole state, and in simulate', async () => {
      await fc.assert(
        fc.asyncProperty(world, async ({ config, records, shuffle }) => {
          const permute = shuffler(shuffle);
          const store = new ShufflingStore(permute);
          const storeIds = counterIds();
          let state: GraphComponent = EMPTY_COMPONENT;
          const stateIds = counterIds();
          for (const record of records) {
            const component = await store.findComponent(record.identities);
            const result = applyRecord(
              component,
              { at: record.at, identities: permute(record.identities) },
              config,
              { newGraphId: storeIds },
            );
            await store.replaceGraphs(
              [...new Set(component.identities.map((i) => i.graphId))],
              result.components,
            );
            state = unionOf(applyRecord(state, record, config, { newGraphId: stateIds }).components);
          }

          const simulated = await simulate(config, records);
          const stored = await store.listGraphs();
          expect(canonical(stored)).toEqual(canonical(simulated.stored));
          expect(canonical(stored)).toEqual(canonical(graphsOf(state)));
        }),
        { numRuns, seed },
      );
    });

    it('keeps every graph connected, within the limit and free of unique-namespace duplicates', async () => {
      await fc.assert(
        fc.asyncProperty(world, async ({ config, records }) => {
          const store = new InMemoryGraphStore();
          const newGraphId = counterIds();
          for (const record of records) {
            const before = await store.findComponent(record.identities);
            const result = applyRecord(before, record, config, { newGraphId });
            await store.replaceGraphs(
              [...new Set(before.identities.map((i) => i.graphId))],
              result.components,
            );
            expect(violationsOf(await store.listGraphs(), config)).toEqual([]);

            const carried = new Set(record.identities.map(identityKey));
            const evicted = result.removedIdentities.filter((r) => r.reason === 'EVICTED_GRAPH_SIZE_LIMIT');
            expect(evicted.filter((r) => carried.has(identityKey(r.identity)))).toEqual([]);

            const previousIds = new Set(before.identities.map((i) => i.graphId));
            const resultIds = result.components.map((g) => g.graphId);
            expect(new Set(resultIds)).toEqual(
              new Set([
                ...[...previousIds].filter((gid) => !result.retired.includes(gid)),
                ...result.created,
              ]),
            );
            for (const merge of result.merges) {
              expect(resultIds).toContain(merge.survivor);
              merge.absorbed.forEach((gid) => expect(result.retired).toContain(gid));
            }
          }
        }),
        { numRuns, seed },
      );
    });
  });
});

function graphsOf(state: GraphComponent): IdentityGraph[] {
  const byId = new Map<string, IdentityGraph>();
  for (const identity of state.identities) {
    const graph = byId.get(identity.graphId) ?? { graphId: identity.graphId, identities: [], links: [] };
    graph.identities.push(identity);
    byId.set(identity.graphId, graph);
  }
  const graphOf = new Map(state.identities.map((i) => [identityKey(i), i.graphId]));
  for (const link of state.links) byId.get(graphOf.get(identityKey(link.a))!)!.links.push(link);
  return [...byId.values()];
}
