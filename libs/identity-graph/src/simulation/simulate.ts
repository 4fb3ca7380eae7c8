import { GraphConfig } from '../config/graph-config';
import { IdentityGraph } from '../graph/identity-graph';
import { compareStrings, Identity, toIdentity } from '../identity/identity';
import { InMemoryGraphStore } from '../store/in-memory-graph-store';
import { resolveRecord } from '../store/resolve-record';

export interface SimulationEvent {
  /** ISO-8601 time or a Date. */
  at: string | Date;
  identities: readonly Identity[];
}

export interface SimulationResult {
  /** Identities of each final graph (every graph has at least two). */
  graphs: Identity[][];
  /** The final graphs with their links and profile ids. */
  stored: IdentityGraph[];
}

/**
 * Replays events in order of `at` (equal times keep their given order), each event one record, through the
 * same store flow the identity service uses. Profile ids are `graph-1`, `graph-2`, ... in order of creation.
 */
export async function simulate(
  config: GraphConfig,
  events: readonly SimulationEvent[],
): Promise<SimulationResult> {
  const records = events
    .map((event, index) => ({ index, record: { at: new Date(event.at), identities: event.identities } }))
    .sort((x, y) => x.record.at.getTime() - y.record.at.getTime() || x.index - y.index);
  const store = new InMemoryGraphStore();
  let created = 0;
  const newGraphId = () => `graph-${++created}`;
  for (const { record } of records) await resolveRecord(store, record, config, { newGraphId });

  const stored = (await store.listGraphs()).sort((x, y) => compareStrings(x.graphId, y.graphId));
  return { graphs: stored.map((graph) => graph.identities.map(toIdentity)), stored };
}
