import { loadScenarios, partitionDifferences } from '../../test/scenarios';
import { simulateScenario } from './simulate-scenario';

describe(simulateScenario.name, () => {
  it.each(loadScenarios().map((s) => [`${s.id} ${s.title}`, s] as const))('%s gives the expected partition', async (_, scenario) => {
    const sut = await simulateScenario(scenario);
    expect(partitionDifferences(sut.graphs, scenario.expect.graphs)).toEqual([]);
  });

  it('leaves identities of skipped records out of the partition', async () => {
    const sut = await simulateScenario({
      config: { namespaces: [{ code: 'CRMID', type: 'CROSS_DEVICE', priority: 1, unique: true }, { code: 'ECID', type: 'COOKIE', priority: 2, unique: false }] },
      events: [{ at: '2024-01-01T00:00:00Z', identities: [{ namespace: 'CRMID', id: 'Tom' }, { namespace: 'ECID', id: '123' }] }],
    });
    expect(sut.graphs).toEqual([]);
  });
});
