import { Identity, Link } from '../identity/identity';

/** An identity as the graph store holds it. */
export interface StoredIdentity extends Identity {
  /** When the identity was first linked; eviction deletes older identities first. */
  firstSeen: Date;
  /** Profile id of the graph that holds the identity. */
  graphId: string;
}

/**
 * The union of every stored graph a record touches, as the service loads it (under a lock).
 * Each identity belongs to exactly one graph and every link joins two of these identities.
 */
export interface GraphComponent {
  identities: readonly StoredIdentity[];
  links: readonly Link[];
}

/** One connected identity graph (one person): at least two identities, all reachable through its links. */
export interface IdentityGraph {
  graphId: string;
  identities: StoredIdentity[];
  links: Link[];
}

export const EMPTY_COMPONENT: GraphComponent = Object.freeze({ identities: [], links: [] });

/** Graphs are disjoint, so their union is simply the concatenation. */
export function unionOf(graphs: readonly IdentityGraph[]): GraphComponent {
  return {
    identities: graphs.flatMap((g) => g.identities),
    links: graphs.flatMap((g) => g.links),
  };
}
