import { defineGraphConfig, identityKey, simulate, validateRecord, type GraphConfigInput, type Identity } from '@weft/identity-graph';

export interface ScenarioInput {
  config: GraphConfigInput;
  events: { at: string; identities: Identity[] }[];
}

/**
 * Replays `events` with `config` in memory, exactly as the service links records, and returns the final partition:
 * every graph, then every identity that was seen (in a record that was not skipped) but ends up linked to nothing,
 * as a graph of its own — the shape of `expect.graphs` in the reference scenarios.
 */
export async function simulateScenario(input: ScenarioInput): Promise<{ graphs: Identity[][] }> {
  const config = defineGraphConfig(input.config);
  const { graphs } = await simulate(config, input.events);
  const linked = new Set(graphs.flat().map(identityKey));
  const solos = new Map<string, Identity>();
  for (const event of input.events) {
    const validation = validateRecord({ at: new Date(event.at), identities: event.identities }, config);
    if (validation.status !== 'accepted') continue;
    for (const identity of validation.identities) if (!linked.has(identityKey(identity))) solos.set(identityKey(identity), identity);
  }
  return { graphs: [...graphs, ...[...solos.values()].map((identity) => [identity])] };
}
