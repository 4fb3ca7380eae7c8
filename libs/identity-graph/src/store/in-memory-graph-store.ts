import { GraphComponent, IdentityGraph, unionOf } from '../graph/identity-graph';
import { formatIdentity, Identity, identityKey } from '../identity/identity';
import { IdentityGraphStore } from './identity-graph-store';

/** Map-based store for tests and simulations; callers apply records one at a time. */
export class InMemoryGraphStore implements IdentityGraphStore {
  private readonly graphs = new Map<string, IdentityGraph>();
  private readonly graphIdOf = new Map<string, string>();

  findComponent(identities: readonly Identity[]): Promise<GraphComponent> {
    const ids = new Set(
      identities.map((i) => this.graphIdOf.get(identityKey(i))).filter((id) => id !== undefined),
    );
    return Promise.resolve(unionOf([...ids].map((id) => copyOf(this.graphs.get(id)!))));
  }

  replaceGraphs(replacedGraphIds: readonly string[], graphs: readonly IdentityGraph[]): Promise<void> {
    for (const id of replacedGraphIds) {
      this.graphs.get(id)?.identities.forEach((identity) => this.graphIdOf.delete(identityKey(identity)));
      this.graphs.delete(id);
    }
    for (const graph of graphs) {
      if (this.graphs.has(graph.graphId)) throw new Error(`graph ${graph.graphId} is already stored`);
      for (const identity of graph.identities) {
        const holder = this.graphIdOf.get(identityKey(identity));
        if (holder !== undefined) {
          throw new Error(`identity ${formatIdentity(identity)} is already stored in graph ${holder}`);
        }
        this.graphIdOf.set(identityKey(identity), graph.graphId);
      }
      this.graphs.set(graph.graphId, copyOf(graph));
    }
    return Promise.resolve();
  }

  findGraph(identity: Identity): Promise<IdentityGraph | undefined> {
    const id = this.graphIdOf.get(identityKey(identity));
    return Promise.resolve(id === undefined ? undefined : copyOf(this.graphs.get(id)!));
  }

  listGraphs(): Promise<IdentityGraph[]> {
    return Promise.resolve([...this.graphs.values()].map(copyOf));
  }
}

function copyOf(graph: IdentityGraph): IdentityGraph {
  return {
    graphId: graph.graphId,
    identities: graph.identities.map((identity) => ({ ...identity })),
    links: graph.links.map((link) => ({ a: { ...link.a }, b: { ...link.b }, at: link.at })),
  };
}
