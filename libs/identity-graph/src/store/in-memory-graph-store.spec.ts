import { aConfig, aGraph, counterIds, ecid, id, record } from '../../test/identity-graph.fixtures';
import { identityKey, InMemoryGraphStore, resolveRecord } from '../index';

describe(InMemoryGraphStore.name, () => {
  const tom = () => aGraph('g-tom').linked(0, id('CRMID', 'tom'), ecid(1)).build();
  const ann = () => aGraph('g-ann').linked(0, id('CRMID', 'ann'), ecid(2)).build();
  const bob = () => aGraph('g-bob').linked(0, id('CRMID', 'bob'), ecid(3)).build();

  async function aStore() {
    const sut = new InMemoryGraphStore();
    await sut.replaceGraphs([], [tom(), ann(), bob()]);
    return sut;
  }

  it('loads the union of the graphs holding any of the identities', async () => {
    const sut = await aStore();

    const component = await sut.findComponent([ecid(1), id('CRMID', 'ann'), id('CRMID', 'nobody')]);

    expect(component.identities.map(identityKey).sort()).toEqual(
      [...tom().identities, ...ann().identities].map(identityKey).sort(),
    );
    expect(component.links).toHaveLength(2);
  });

  it('refuses to store an identity in a second graph', async () => {
    const sut = await aStore();

    await expect(sut.replaceGraphs([], [aGraph('g-x').linked(0, ecid(1), ecid(9)).build()])).rejects.toThrow(
      /ECID:"0+1" is already stored in graph g-tom/,
    );
    expect((await sut.listGraphs()).map((g) => g.graphId).sort()).toEqual(['g-ann', 'g-bob', 'g-tom']);
  });

  it('replaces the graphs a record touched with the graphs it produced', async () => {
    const sut = await aStore();

    const result = await resolveRecord(
      sut,
      record(1, ecid(1), ecid(2)),
      aConfig().withUnique('CRMID', false).build(),
      {
        newGraphId: counterIds(),
      },
    );

    expect(result.merges).toEqual([{ survivor: 'g-ann', absorbed: ['g-tom'] }]);
    expect((await sut.listGraphs()).map((g) => g.graphId).sort()).toEqual(['g-ann', 'g-bob']);
    expect((await sut.findGraph(id('CRMID', 'tom')))?.graphId).toBe('g-ann');
  });
});
