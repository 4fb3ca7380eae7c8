import { aConfig, aGraph, counterIds, ecid, id, minute, record } from '../../test/identity-graph.fixtures';
import {
  applyRecord,
  ApplyRecordResult,
  EMPTY_COMPONENT,
  GraphComponent,
  GraphConfig,
  GraphRecord,
  Identity,
  identityKey,
  IdentityGraphError,
  unionOf,
} from '../index';

const crm = (v: string) => id('CRMID', v);
const email = (v: string) => id('Email', v);
const login = (v: string) => id('loginID', v);
const phone = (v: string) => id('Phone', v);
const idfa = (v: string) => id('IDFA', v);
const gaid = (v: string) => id('GAID', v);

const keysOf = (identities: readonly Identity[]) => identities.map(identityKey).sort();

function apply(component: GraphComponent, rec: GraphRecord, config: GraphConfig = aConfig().build()) {
  return applyRecord(component, rec, config, { newGraphId: counterIds('new') });
}

describe(applyRecord.name, () => {
  describe('linking', () => {
    it('creates a graph with a new id from a record of new identities', () => {
      const sut = apply(EMPTY_COMPONENT, record(0, crm('tom'), ecid(1), idfa('d1')));

      expect(sut.components).toHaveLength(1);
      expect(sut.components[0].graphId).toBe('new-1');
      expect(sut.components[0].links).toHaveLength(3);
      expect(sut.created).toEqual(['new-1']);
    });

    it('creates nothing from a record with a single valid identity', () => {
      const sut = apply(EMPTY_COMPONENT, record(0, crm('tom'), email('anonymous')));

      expect(sut.components).toEqual([]);
      expect(sut.validation.status).toBe('accepted');
    });

    it('stamps a link seen again with the newer time and keeps when its identities were first seen', () => {
      const stored = aGraph('g1').linked(0, crm('tom'), ecid(1)).build();

      const sut = apply(unionOf([stored]), record(5, ecid(1), crm('tom')));

      expect(sut.components[0].links).toEqual([{ a: crm('tom'), b: ecid(1), at: minute(5) }]);
      expect(sut.components[0].identities.map((i) => i.firstSeen)).toEqual([minute(0), minute(0)]);
    });

    it('leaves the graphs unchanged when the record is skipped', () => {
      const stored = aGraph('g1').linked(0, crm('tom'), ecid(1)).build();

      const sut = apply(unionOf([stored]), record(1, crm('tom'), id('ECID', '111'), email('t@acme.com')));

      expect(sut.validation.status).toBe('skipped');
      expect(sut.components).toEqual([stored]);
    });
  });

  describe('stable profile ids', () => {
    it('keeps the id of the merged graph holding the highest-priority identity', () => {
      const person = aGraph('g-person').linked(0, crm('tom'), ecid(1)).build();
      const device = aGraph('g-device').linked(1, idfa('d1'), ecid(2)).build();

      const sut = apply(unionOf([device, person]), record(2, ecid(1), ecid(2)));

      expect(sut.components.map((g) => g.graphId)).toEqual(['g-person']);
      expect(keysOf(sut.components[0].identities)).toEqual(
        keysOf([crm('tom'), ecid(1), idfa('d1'), ecid(2)]),
      );
      expect(sut.merges).toEqual([{ survivor: 'g-person', absorbed: ['g-device'] }]);
      expect(sut.retired).toEqual(['g-device']);
      expect(sut.splits).toEqual([]);
      expect(sut.created).toEqual([]);
    });

    it('keeps the id of the graph whose anchor was linked first when anchors rank the same', () => {
      const config = aConfig().withUnique('CRMID', false).build();
      const later = aGraph('g-later').linked(3, crm('a'), ecid(1)).build();
      const earlier = aGraph('g-earlier').linked(1, crm('b'), ecid(2)).build();

      const sut = apply(unionOf([later, earlier]), record(5, ecid(1), ecid(2)), config);

      expect(sut.merges).toEqual([{ survivor: 'g-earlier', absorbed: ['g-later'] }]);
    });

    it('keeps the id when a new, higher-priority identity joins the graph', () => {
      const stored = aGraph('g1').linked(0, idfa('d1'), ecid(1)).build();

      const sut = apply(unionOf([stored]), record(1, crm('tom'), ecid(1)));

      expect(sut.components.map((g) => g.graphId)).toEqual(['g1']);
      expect(sut).toMatchObject({ merges: [], splits: [], created: [], retired: [] });
    });

    it('reports an identity moving to another person as a split of the graph it left', () => {
      const tom = aGraph('g-tom')
        .linked(0, crm('tom'), email('aabbcc'))
        .linked(1, crm('tom'), ecid(111))
        .build();
      const summer = aGraph('g-summer')
        .linked(2, crm('summer'), email('ddeeff'))
        .linked(3, crm('summer'), ecid(222))
        .build();

      const sut = apply(unionOf([tom, summer]), record(4, crm('summer'), ecid(111)));

      expect(sut.components.map((g) => [g.graphId, keysOf(g.identities)])).toEqual([
        ['g-tom', keysOf([crm('tom'), email('aabbcc')])],
        ['g-summer', keysOf([crm('summer'), email('ddeeff'), ecid(222), ecid(111)])],
      ]);
      expect(sut.splits).toEqual([
        {
          old: 'g-tom',
          parts: [
            { graphId: 'g-tom', identities: [crm('tom'), email('aabbcc')] },
            { graphId: 'g-summer', identities: [ecid(111)] },
          ],
        },
      ]);
      expect(sut.removedLinks).toEqual([
        { link: { a: crm('tom'), b: ecid(111), at: minute(1) }, reason: 'UNIQUE_NAMESPACE_CONFLICT' },
      ]);
      expect(sut).toMatchObject({ merges: [], created: [], retired: [] });
    });

    it('retires the id of a graph whose anchor leaves the graph store; the rest gets a new id', () => {
      const stored = aGraph('g1').linked(0, crm('tom'), ecid(111)).build();

      const sut = apply(unionOf([stored]), record(1, crm('summer'), ecid(111)));

      expect(sut.components.map((g) => [g.graphId, keysOf(g.identities)])).toEqual([
        ['new-1', keysOf([crm('summer'), ecid(111)])],
      ]);
      expect(sut.splits).toEqual([{ old: 'g1', parts: [{ graphId: 'new-1', identities: [ecid(111)] }] }]);
      expect(sut.retired).toEqual(['g1']);
      expect(sut.created).toEqual(['new-1']);
      expect(sut.removedIdentities).toEqual([
        { identity: { ...crm('tom'), firstSeen: minute(0), graphId: 'g1' }, reason: 'NO_LINKS_LEFT' },
      ]);
    });

    it('gives the part holding the anchor the old id when eviction splits a graph', () => {
      const config = aConfig()
        .withUnique('CRMID', false)
        .withLimits({ maxIdentitiesPerGraph: 5, maxIdentitiesPerRecord: 5 })
        .build();
      const stored = aGraph('g')
        .linked(0, ecid(1), crm('c1'), crm('c2'))
        .linked(1, crm('c1'), ecid(2))
        .linked(2, crm('c2'), ecid(3))
        .build();

      const sut = apply(unionOf([stored]), record(3, crm('c2'), ecid(4)), config);

      expect(sut.components.map((g) => [g.graphId, keysOf(g.identities)])).toEqual([
        ['g', keysOf([crm('c1'), ecid(2)])],
        ['new-1', keysOf([crm('c2'), ecid(3), ecid(4)])],
      ]);
      expect(sut.splits).toEqual([
        {
          old: 'g',
          parts: [
            { graphId: 'g', identities: [crm('c1'), ecid(2)] },
            { graphId: 'new-1', identities: [crm('c2'), ecid(3)] },
          ],
        },
      ]);
      expect(sut.removedIdentities).toEqual([
        { identity: { ...ecid(1), firstSeen: minute(0), graphId: 'g' }, reason: 'EVICTED_GRAPH_SIZE_LIMIT' },
      ]);
      expect(sut.removedLinks.map((r) => r.reason)).toEqual(['IDENTITY_EVICTED', 'IDENTITY_EVICTED']);
    });

    it('asks for new ids in anchor order, so the same state always gets the same ids', () => {
      const sut = apply(EMPTY_COMPONENT, record(0, ecid(1), crm('tom'), email('x'), crm('ann')));

      expect(sut.components.map((g) => [g.graphId, keysOf(g.identities)])).toEqual([
        ['new-1', keysOf([crm('ann'), email('x'), ecid(1)])],
      ]);
    });
  });

  describe('50-identity limit', () => {
    const smallLimit = () =>
      aConfig().withLimits({ maxIdentitiesPerGraph: 5, maxIdentitiesPerRecord: 5 }).build();
    const evictedBy = (result: ApplyRecordResult) =>
      result.removedIdentities
        .filter((r) => r.reason === 'EVICTED_GRAPH_SIZE_LIMIT')
        .map((r) => identityKey(r.identity));

    it('deletes cookies, then devices, then people, the oldest first within each type', () => {
      const config = smallLimit();
      let state = unionOf([
        aGraph('g')
          .linked(0, crm('c1'), idfa('d1'))
          .linked(1, crm('c1'), ecid(1))
          .linked(2, crm('c1'), phone('p1'))
          .linked(3, crm('c1'), gaid('g1'))
          .build(),
      ]);
      const evicted: string[][] = [];
      for (const [at, value] of [
        [4, 'l1'],
        [5, 'l2'],
        [6, 'l3'],
        [7, 'l4'],
      ] as const) {
        const result = apply(state, record(at, crm('c1'), login(value)), config);
        evicted.push(evictedBy(result));
        state = unionOf(result.components);
      }

      expect(evicted).toEqual([[ecid(1)], [idfa('d1')], [gaid('g1')], [phone('p1')]].map(keysOf));
    });

    it('orders identities first seen at the same time by value', () => {
      const stored = aGraph('g').linked(0, crm('c1'), ecid(3), ecid(2), ecid(1), ecid(4)).build();

      const sut = apply(unionOf([stored]), record(1, crm('c1'), ecid(9)), smallLimit());

      expect(evictedBy(sut)).toEqual(keysOf([ecid(1)]));
    });

    it('never deletes an identity the record carries', () => {
      const stored = aGraph('g')
        .linked(0, crm('c1'), ecid(1))
        .linked(1, crm('c1'), ecid(3), ecid(2), ecid(4))
        .build();

      const sut = apply(unionOf([stored]), record(2, ecid(1), ecid(5)), smallLimit());

      expect(evictedBy(sut)).toEqual(keysOf([ecid(2)]));
    });

    it('drops the spokes when it deletes the hub they hung on', () => {
      const stored = aGraph('g').linked(0, ecid(1), crm('c1'), idfa('d1'), idfa('d2'), idfa('d3')).build();

      const sut = apply(unionOf([stored]), record(1, idfa('d1'), login('l1')), smallLimit());

      expect(sut.components.map((g) => keysOf(g.identities))).toEqual([keysOf([idfa('d1'), login('l1')])]);
      expect(sut.removedIdentities.map((r) => [identityKey(r.identity), r.reason]).sort()).toEqual(
        [
          [identityKey(ecid(1)), 'EVICTED_GRAPH_SIZE_LIMIT'],
          [identityKey(crm('c1')), 'NO_LINKS_LEFT'],
          [identityKey(idfa('d2')), 'NO_LINKS_LEFT'],
          [identityKey(idfa('d3')), 'NO_LINKS_LEFT'],
        ].sort(),
      );
    });
  });

  describe('super-node guard', () => {
    const config = aConfig().withLimits({ superNodeLinks: 3 }).build();
    const hub = () => unionOf([aGraph('g').linked(0, ecid(1), idfa('d1'), idfa('d2'), idfa('d3')).build()]);

    it('does not link an identity that already has the maximum number of links to a new one', () => {
      const sut = apply(hub(), record(1, ecid(1), login('l1')), config);

      expect(sut.guarded).toEqual([ecid(1)]);
      expect(sut.components.map((g) => [g.graphId, keysOf(g.identities), g.links.length])).toEqual([
        ['g', keysOf([ecid(1), idfa('d1'), idfa('d2'), idfa('d3')]), 3],
      ]);
    });

    it('still refreshes the links it already has', () => {
      const sut = apply(hub(), record(2, ecid(1), idfa('d1')), config);

      expect(sut.components[0].links).toContainEqual({ a: ecid(1), b: idfa('d1'), at: minute(2) });
    });
  });

  describe('bad input', () => {
    const stored = aGraph('g1').linked(0, crm('tom'), ecid(1)).build();

    it.each([
      [
        'INVALID_RECORD_TIME',
        unionOf([stored]),
        { at: new Date('not a time'), identities: [crm('tom'), ecid(1)] },
      ],
      [
        'DANGLING_LINK',
        { identities: stored.identities, links: [{ a: crm('tom'), b: ecid(2), at: minute(0) }] },
        record(1, crm('tom'), ecid(1)),
      ],
      [
        'DUPLICATE_IDENTITY_IN_COMPONENT',
        unionOf([stored, { ...stored, graphId: 'g2' }]),
        record(1, crm('tom'), ecid(1)),
      ],
      [
        'UNKNOWN_NAMESPACE_IN_GRAPH',
        unionOf([aGraph('g3').linked(0, id('Retired', 'x'), ecid(1)).build()]),
        record(1, crm('tom'), ecid(1)),
      ],
    ])('refuses with %s', (code, component, rec) => {
      expect(() => apply(component, rec)).toThrow(expect.objectContaining({ code }) as IdentityGraphError);
    });
  });
});
