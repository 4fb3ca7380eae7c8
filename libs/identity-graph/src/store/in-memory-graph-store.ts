import { GraphComponent, IdentityGraph, unionOf } from '../graph/identity-graph';
import { formatIdentity, Identity, identityKey } from '../identity/identity';
import { IdentityGraphStore } from './identity-graph-store';

/** Map-based store for tests and simulations; callers apply records one at a time. */
export class InMemoryGraphStore implements IdentityGraphStore {
  private readonly graphs = new Map<string, IdentityGraph>();
  private readonly graphIdOf = new Map<string, string>();

  async findComponent(identities: readonly Identity[]): Promise<GraphComponent> {
    const ids = new Set(
      identities.map((i) => this.graphIdOf.get(identityKey(i))).filter((id) => id !== undefined),
    );
    return unionOf([...ids].map((id) => copyOf(this.graphs.get(id)!)));
  }

  /** All or nothing, like the transaction of a database store. */
  async replaceGraphs(replacedGraphIds: readonly string[], graphs: readonly IdentityGraph[]): Promise<void> {
    const replaced = new Set(replacedGraphIds);
    const incoming = new Map<string, string>();
    for (const graph of graphs) {
      if (this.graphs.has(graph.graphId) && !replaced.has(graph.graphId)) {
        throw new Error(`graph ${graph.graphId} is already stored`);
      }
      for (const identity of graph.identities) {
        const key = identityKey(identity);
        const stored = this.graphIdOf.get(key);
        const holder =
          incoming.get(key) ?? (stored !== undefined && !replaced.has(stored) ? stored : undefined);
        if (holder !== undefined) {
          throw new Error(`identity ${formatIdentity(identity)} is already stored in graph ${holder}`);
        }
        incoming.set(key, graph.graphId);
      }
    }
    for (const id of replaced) {
      this.graphs.get(id)?.identities.forEach((identity) => this.graphIdOf.delete(identityKey(identity)));
      this.graphs.delete(id);
    }
    for (const graph of graphs) this.graphs.set(graph.graphId, copyOf(graph));
    for (const [key, graphId] of incoming) this.graphIdOf.set(key, graphId);
  }

  async findGraph(identity: Identity): Promise<IdentityGraph | undefined> {
    const id = this.graphIdOf.get(identityKey(identity));
    return id === undefined ? undefined : copyOf(this.graphs.get(id)!);
  }

  async listGraphs(): Promise<IdentityGraph[]> {
    return [...this.graphs.values()].map(copyOf);
  }
}

function copyOf(graph: IdentityGraph): IdentityGraph {
  return {
    graphId: graph.graphId,
    identities: graph.identities.map((identity) => ({ ...identity })),
    links: graph.links.map((link) => ({ a: { ...link.a }, b: { ...link.b }, at: link.at })),
  };
}
