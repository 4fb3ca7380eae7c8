import { NamespaceConfig } from '../config/graph-config';
import { compareIdentities, Identity } from '../identity/identity';

export interface GraphNode {
  key: string;
  identity: Identity;
  namespace: NamespaceConfig;
  firstSeen: Date;
  /** Graph the identity was stored in before the record; undefined for identities the record introduces. */
  graphId?: string;
}

/** The reported merge of several stored graphs into one: `absorbed` profile ids now live on as `survivor`. */
export interface GraphMerge {
  survivor: string;
  absorbed: string[];
}

export interface GraphSplitPart {
  graphId: string;
  /** Identities of the old graph that now belong to this graph. */
  identities: Identity[];
}

/**
 * Identities of graph `old` that ended up away from its anchor (the identity its id belongs to): in other
 * graphs, or all in new graphs because the anchor itself left the graph store. The part holding the anchor,
 * if any, comes first; its id is `old` unless `old` was absorbed by a merge at the same time.
 */
export interface GraphSplit {
  old: string;
  parts: GraphSplitPart[];
}

export interface GraphIdAssignment {
  /** Profile id of each component, in the order of the components given. */
  ids: string[];
  merges: GraphMerge[];
  splits: GraphSplit[];
  /** Ids handed out by the id generator. */
  created: string[];
  /** Stored ids that no resulting graph carries any more (absorbed, or their anchor left the graph store). */
  retired: string[];
}

/**
 * Anchor order: highest priority (lowest number) first, then the identity linked first, then the
 * namespace/value order so that the choice never depends on load order.
 */
export function compareAnchors(x: GraphNode, y: GraphNode): number {
  return (
    x.namespace.priority - y.namespace.priority ||
    x.firstSeen.getTime() - y.firstSeen.getTime() ||
    compareIdentities(x.identity, y.identity)
  );
}

/**
 * Stable profile ids. A graph's id belongs to its anchor, its best identity by {@link compareAnchors}:
 *
 * - merge: the resulting graph keeps the id of the stored graph whose anchor ranks best; the others are absorbed;
 * - split: the part holding the old anchor keeps the old id; every other part gets a new id;
 * - a graph whose anchor left the graph store retires its id, and its remaining identities go to new ids.
 *
 * Why the anchor rather than, say, the largest part: segment memberships and computed attributes are kept
 * against a graph's highest-priority identity, so tying the id to that identity keeps them with the same
 * profile id. It also means a profile id never follows a shared device or cookie to another person: when
 * Summer takes over Tom's laptop, the laptop's ECID moves out of Tom's profile id instead of carrying Tom's
 * id (and Tom's memberships) over to Summer.
 *
 * `components` must be sorted by their own anchors; new ids are requested in that order.
 */
export function assignGraphIds(
  previous: ReadonlyMap<string, readonly GraphNode[]>,
  components: readonly (readonly GraphNode[])[],
  newGraphId: () => string,
): GraphIdAssignment {
  const componentOf = new Map<string, number>();
  components.forEach((nodes, index) => nodes.forEach((n) => componentOf.set(n.key, index)));

  const oldIds = [...previous.keys()].sort();
  const anchorOf = new Map<string, GraphNode>();
  const candidates = components.map((): string[] => []);
  for (const oldId of oldIds) {
    const anchor = [...previous.get(oldId)!].sort(compareAnchors)[0];
    if (!anchor) continue;
    anchorOf.set(oldId, anchor);
    const home = componentOf.get(anchor.key);
    if (home !== undefined) candidates[home].push(oldId);
  }

  const ids: string[] = [];
  const merges: GraphMerge[] = [];
  const created: string[] = [];
  candidates.forEach((ranked) => {
    ranked.sort((x, y) => compareAnchors(anchorOf.get(x)!, anchorOf.get(y)!));
    const [survivor, ...absorbed] = ranked;
    if (survivor === undefined) {
      const id = newGraphId();
      created.push(id);
      ids.push(id);
      return;
    }
    ids.push(survivor);
    if (absorbed.length > 0) merges.push({ survivor, absorbed });
  });
  const taken = new Set(ids);
  if (taken.size !== ids.length) throw new Error('the graph id generator returned a duplicate id');

  const splits: GraphSplit[] = [];
  for (const oldId of oldIds) {
    const byComponent = new Map<number, Identity[]>();
    for (const node of previous.get(oldId)!) {
      const index = componentOf.get(node.key);
      if (index === undefined) continue;
      byComponent.set(index, [...(byComponent.get(index) ?? []), node.identity]);
    }
    const anchor = anchorOf.get(oldId);
    const home = anchor && componentOf.get(anchor.key);
    const order = [...byComponent.keys()].sort((x, y) => (x === home ? -1 : y === home ? 1 : x - y));
    if (order.every((index) => index === home)) continue;
    splits.push({
      old: oldId,
      parts: order.map((index) => ({
        graphId: ids[index],
        identities: [...byComponent.get(index)!].sort(compareIdentities),
      })),
    });
  }

  const retired = oldIds.filter((id) => !taken.has(id));
  return { ids, merges, splits, created, retired };
}
