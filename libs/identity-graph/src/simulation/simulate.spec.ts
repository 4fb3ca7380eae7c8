import { defineGraphConfig, identityKey, simulate } from '../index';
import { loadScenarios, partitionOf, Scenario } from '../../test/identity-graph.fixtures';

const scenarios = loadScenarios();

describe(simulate.name, () => {
  it('covers every reference scenario', () => {
    expect(scenarios).toHaveLength(25);
  });

  it.each(scenarios.map((s): [string, Scenario] => [`${s.id} ${s.title}`, s]))('%s', async (_, scenario) => {
    const sut = await simulate(defineGraphConfig(scenario.config), scenario.events);

    const expectedMulti = scenario.expect.graphs.filter((graph) => graph.length > 1);
    expect(partitionOf(sut.graphs)).toEqual(partitionOf(expectedMulti));
    const linked = sut.graphs.flat().map(identityKey);
    for (const [single] of scenario.expect.graphs.filter((graph) => graph.length === 1)) {
      expect(linked).not.toContain(identityKey(single));
    }
  });
});
