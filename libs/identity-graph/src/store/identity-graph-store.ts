import { Identity } from '../identity/identity';
import { GraphComponent, IdentityGraph } from '../graph/identity-graph';

/**
 * Where graphs live. The in-memory store is the sequential reference; the identity service's Postgres store
 * has the same shape and runs `findComponent` and `replaceGraphs` in one transaction that holds a lock on
 * every graph it read, so concurrent records touching the same graphs apply one after the other.
 */
export interface IdentityGraphStore {
  /** The union of the stored graphs that hold any of `identities` (empty when none does). */
  findComponent(identities: readonly Identity[]): Promise<GraphComponent>;
  /** Deletes the graphs `replacedGraphIds` and stores `graphs` in their place. */
  replaceGraphs(replacedGraphIds: readonly string[], graphs: readonly IdentityGraph[]): Promise<void>;
  /** The graph that holds `identity`, if any. */
  findGraph(identity: Identity): Promise<IdentityGraph | undefined>;
  listGraphs(): Promise<IdentityGraph[]>;
}
