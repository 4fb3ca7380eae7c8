import { GraphConfig, NamespaceConfig, namespaceLayer } from '../config/graph-config';
import {
  canonicalLink,
  compareIdentities,
  compareStrings,
  formatIdentity,
  GraphRecord,
  Identity,
  identityKey,
  Link,
  linkKey,
  toIdentity,
} from '../identity/identity';
import { RecordValidation, validateRecord } from '../validation/validate-record';
import { IdentityGraphError } from './graph-error';
import { assignGraphIds, compareAnchors, GraphMerge, GraphNode, GraphSplit } from './graph-ids';
import { GraphComponent, IdentityGraph, StoredIdentity } from './identity-graph';
import { UnionFind } from './union-find';

/** A link with its endpoint keys worked out once. */
interface Edge {
  link: Link;
  a: string;
  b: string;
}

function edgeOf(link: Link): Edge {
  const canonical = canonicalLink(link);
  return { link: canonical, a: identityKey(canonical.a), b: identityKey(canonical.b) };
}

export type LinkRemovalReason = 'UNIQUE_NAMESPACE_CONFLICT' | 'IDENTITY_EVICTED';
export type IdentityRemovalReason = 'EVICTED_GRAPH_SIZE_LIMIT' | 'NO_LINKS_LEFT';

export interface RemovedLink {
  link: Link;
  reason: LinkRemovalReason;
}

export interface RemovedIdentity {
  /** As it was stored, with the graph it left. */
  identity: StoredIdentity;
  reason: IdentityRemovalReason;
}

/**
 * What one record did. A consumer that keeps data per profile id applies it in this order: detach
 * `removedIdentities` from the graphs they left, move the identities of each split part to that part's
 * graph, then fold every `absorbed` graph of each merge into its `survivor`.
 */
export interface ApplyRecordResult {
  validation: RecordValidation;
  /** The graphs that replace every graph of the input component, sorted by anchor. */
  components: IdentityGraph[];
  /** Stored links deleted for good. */
  removedLinks: RemovedLink[];
  /** Stored identities that are in no graph any more (their profile data stays). */
  removedIdentities: RemovedIdentity[];
  merges: GraphMerge[];
  splits: GraphSplit[];
  /** New profile ids handed out by `newGraphId`. */
  created: string[];
  /** Stored profile ids no resulting graph carries any more. */
  retired: string[];
  /** Record identities not linked to new identities because of the super-node guard. */
  guarded: Identity[];
}

export interface ApplyRecordOptions {
  /** Supplies a fresh, never used profile id for each new graph. */
  newGraphId: () => string;
}

/**
 * Adds one record to the union of the stored graphs it touches and returns the graphs that replace them.
 *
 * Steps: validate the values; link every pair of the record's identities; rebuild the touched graph with
 * the replay rule (record links first, then ascending priority sum, most recent first; a link that would put
 * two identities of a unique namespace in one graph is dropped); delete identities of graphs above the size
 * limit (cookies, then devices, then people; oldest first; never one of the record's); split into connected
 * components; give each component a stable profile id.
 *
 * Graphs of the input that the record does not reach are returned unchanged, so passing the whole store
 * gives the same result as passing only the touched graphs.
 */
export function applyRecord(
  component: GraphComponent,
  record: GraphRecord,
  config: GraphConfig,
  options: ApplyRecordOptions,
): ApplyRecordResult {
  if (!(record.at instanceof Date) || Number.isNaN(record.at.getTime())) {
    throw new IdentityGraphError(
      'INVALID_RECORD_TIME',
      `record time ${String(record.at)} is not a valid date`,
    );
  }
  const validation = validateRecord(record, config);
  const { nodes, links, previous } = loadComponent(component, config);
  const storedLinks = new Map(links);

  const recordKeys = new Set<string>();
  const recordLinks = new Set<string>();
  const guarded: Identity[] = [];
  if (validation.status === 'accepted') {
    validation.identities.forEach((identity) => recordKeys.add(identityKey(identity)));
    guarded.push(...linkRecord(validation.identities, record.at, config, nodes, links, recordLinks));
  }

  const affected = reachableFrom(recordKeys, nodes, links);
  const removedLinks: RemovedLink[] = [];
  const dropLink = (key: string, reason: LinkRemovalReason): void => {
    links.delete(key);
    const stored = storedLinks.get(key);
    if (stored) removedLinks.push({ link: stored.link, reason });
  };

  for (const key of replayConflicts(affected, nodes, links, recordLinks)) {
    dropLink(key, 'UNIQUE_NAMESPACE_CONFLICT');
  }
  const evicted = enforceSizeLimit(affected, recordKeys, nodes, links, config, dropLink);

  const componentNodes = connectedComponents(nodes, links).map((keys) =>
    keys.map((key) => nodes.get(key)!).sort(compareAnchors),
  );
  componentNodes.sort((x, y) => compareAnchors(x[0], y[0]));
  const assignment = assignGraphIds(previous, componentNodes, options.newGraphId);

  const linksByComponent = componentNodes.map((): Link[] => []);
  const componentIndex = new Map<string, number>();
  componentNodes.forEach((members, index) => members.forEach((n) => componentIndex.set(n.key, index)));
  [...links.entries()]
    .sort(([x], [y]) => compareStrings(x, y))
    .forEach(([, edge]) => linksByComponent[componentIndex.get(edge.a)!].push(edge.link));

  const components = componentNodes.map((members, index): IdentityGraph => ({
    graphId: assignment.ids[index],
    identities: members.map((n) => ({
      ...n.identity,
      firstSeen: n.firstSeen,
      graphId: assignment.ids[index],
    })),
    links: linksByComponent[index],
  }));

  const removedIdentities: RemovedIdentity[] = component.identities
    .filter((stored) => !componentIndex.has(identityKey(stored)))
    .map((stored) => ({
      identity: { ...toIdentity(stored), firstSeen: stored.firstSeen, graphId: stored.graphId },
      reason: evicted.has(identityKey(stored)) ? 'EVICTED_GRAPH_SIZE_LIMIT' : 'NO_LINKS_LEFT',
    }));

  return {
    validation,
    components,
    removedLinks,
    removedIdentities,
    merges: assignment.merges,
    splits: assignment.splits,
    created: assignment.created,
    retired: assignment.retired,
    guarded,
  };
}

function loadComponent(component: GraphComponent, config: GraphConfig) {
  const nodes = new Map<string, GraphNode>();
  const previous = new Map<string, GraphNode[]>();
  for (const stored of component.identities) {
    const key = identityKey(stored);
    if (nodes.has(key)) {
      throw new IdentityGraphError(
        'DUPLICATE_IDENTITY_IN_COMPONENT',
        `identity ${formatIdentity(stored)} is stored in more than one graph`,
      );
    }
    const node: GraphNode = {
      key,
      identity: toIdentity(stored),
      namespace: storedNamespace(stored, config),
      firstSeen: stored.firstSeen,
      graphId: stored.graphId,
    };
    nodes.set(key, node);
    pushTo(previous, stored.graphId, node);
  }
  const links = new Map<string, Edge>();
  for (const link of component.links) {
    const edge = edgeOf(link);
    if (!nodes.has(edge.a) || !nodes.has(edge.b)) {
      throw new IdentityGraphError(
        'DANGLING_LINK',
        `link ${formatIdentity(link.a)} - ${formatIdentity(link.b)} joins an identity that is not in the component`,
      );
    }
    const key = linkKey(link.a, link.b);
    const known = links.get(key);
    if (!known || known.link.at < link.at) links.set(key, edge);
  }
  return { nodes, links, previous };
}

function storedNamespace(identity: Identity, config: GraphConfig): NamespaceConfig {
  const namespace = config.namespace(identity.namespace);
  if (!namespace) {
    throw new IdentityGraphError(
      'UNKNOWN_NAMESPACE_IN_GRAPH',
      `stored identity ${formatIdentity(identity)} has a namespace that is no longer configured`,
    );
  }
  return namespace;
}

/** Links every pair of the record's identities; returns the identities the super-node guard held back. */
function linkRecord(
  identities: readonly Identity[],
  at: Date,
  config: GraphConfig,
  nodes: Map<string, GraphNode>,
  links: Map<string, Edge>,
  recordLinks: Set<string>,
): Identity[] {
  const degree = new Map<string, number>();
  for (const { a, b } of links.values()) {
    degree.set(a, (degree.get(a) ?? 0) + 1);
    degree.set(b, (degree.get(b) ?? 0) + 1);
  }
  const guarded = identities.filter(
    (identity) => (degree.get(identityKey(identity)) ?? 0) >= config.limits.superNodeLinks,
  );
  const guardedKeys = new Set(guarded.map(identityKey));

  for (let i = 0; i < identities.length; i++) {
    for (let j = i + 1; j < identities.length; j++) {
      const [a, b] = [identities[i], identities[j]];
      const key = linkKey(a, b);
      const known = links.get(key);
      if (!known && (guardedKeys.has(identityKey(a)) || guardedKeys.has(identityKey(b)))) continue;
      for (const identity of [a, b]) {
        const nodeKey = identityKey(identity);
        if (!nodes.has(nodeKey)) {
          nodes.set(nodeKey, {
            key: nodeKey,
            identity,
            namespace: config.namespace(identity.namespace)!,
            firstSeen: at,
          });
        }
      }
      links.set(key, edgeOf({ a, b, at: known && known.link.at > at ? known.link.at : at }));
      recordLinks.add(key);
    }
  }
  return guarded;
}

/** Every identity connected to one of `start` (the graph or graphs the record touches). */
function reachableFrom(
  start: ReadonlySet<string>,
  nodes: ReadonlyMap<string, GraphNode>,
  links: ReadonlyMap<string, Edge>,
) {
  const adjacency = adjacencyOf(links);
  const seen = new Set<string>();
  const stack = [...start].filter((key) => nodes.has(key));
  while (stack.length > 0) {
    const key = stack.pop()!;
    if (seen.has(key)) continue;
    seen.add(key);
    for (const next of adjacency.get(key) ?? []) if (!seen.has(next)) stack.push(next);
  }
  return seen;
}

/**
 * The replay rule: rebuild the touched graph from unlinked identities, adding links in order, and return
 * the links that would put two identities of a unique namespace into one graph.
 *
 * A replay drops nothing unless the touched identities hold two identities of one unique namespace, so
 * that cheap test comes first.
 */
function replayConflicts(
  affected: ReadonlySet<string>,
  nodes: ReadonlyMap<string, GraphNode>,
  links: ReadonlyMap<string, Edge>,
  recordLinks: ReadonlySet<string>,
): string[] {
  const uniqueSeen = new Set<string>();
  const conflicting = [...affected].some((key) => {
    const namespace = nodes.get(key)!.namespace;
    if (!namespace.unique) return false;
    if (uniqueSeen.has(namespace.code)) return true;
    uniqueSeen.add(namespace.code);
    return false;
  });
  if (!conflicting) return [];

  const prioritySum = (edge: Edge) =>
    nodes.get(edge.a)!.namespace.priority + nodes.get(edge.b)!.namespace.priority;
  const ordered = [...links.entries()]
    .filter(([, edge]) => affected.has(edge.a))
    .map(([key, edge]) => ({
      key,
      edge,
      at: edge.link.at.getTime(),
      fromRecord: recordLinks.has(key),
      sum: prioritySum(edge),
    }))
    .sort(
      (x, y) =>
        Number(y.fromRecord) - Number(x.fromRecord) ||
        x.sum - y.sum ||
        y.at - x.at ||
        compareStrings(x.key, y.key),
    );

  const sets = new UnionFind();
  const uniqueIn = new Map<string, Set<string>>();
  const uniqueNamespacesOf = (key: string): Set<string> => {
    const root = sets.find(key);
    let held = uniqueIn.get(root);
    if (!held) {
      const namespace = nodes.get(key)!.namespace;
      held = new Set(namespace.unique ? [namespace.code] : []);
      uniqueIn.set(root, held);
    }
    return held;
  };

  const dropped: string[] = [];
  for (const { key, edge } of ordered) {
    const [ka, kb] = [edge.a, edge.b];
    const [held, other] = [uniqueNamespacesOf(ka), uniqueNamespacesOf(kb)];
    if (sets.find(ka) === sets.find(kb)) continue;
    if ([...other].some((code) => held.has(code))) {
      dropped.push(key);
      continue;
    }
    const joined = sets.union(ka, kb)!;
    uniqueIn.set(joined.root, new Set([...held, ...other]));
    uniqueIn.delete(joined.merged);
  }
  return dropped;
}

const EVICTION_RANK = { COOKIE: 0, DEVICE: 1, PERSON: 2 } as const;

/** Cookies first, then devices, then people; within a type the oldest first; equal times by value. */
export function compareEviction(x: GraphNode, y: GraphNode): number {
  return (
    EVICTION_RANK[namespaceLayer(x.namespace.type)] - EVICTION_RANK[namespaceLayer(y.namespace.type)] ||
    x.firstSeen.getTime() - y.firstSeen.getTime() ||
    compareStrings(x.identity.id, y.identity.id) ||
    compareIdentities(x.identity, y.identity)
  );
}

/**
 * Deletes identities (never one of the record's) from any touched graph above the size limit until every
 * graph fits. Deleting an identity deletes its links, which may split the graph or leave identities unlinked;
 * those no longer count towards any graph.
 */
function enforceSizeLimit(
  affected: ReadonlySet<string>,
  recordKeys: ReadonlySet<string>,
  nodes: ReadonlyMap<string, GraphNode>,
  links: ReadonlyMap<string, Edge>,
  config: GraphConfig,
  dropLink: (key: string, reason: LinkRemovalReason) => void,
): Set<string> {
  const evicted = new Set<string>();
  const max = config.limits.maxIdentitiesPerGraph;
  const linksAmong = (members: ReadonlySet<string>) =>
    new Map([...links].filter(([, edge]) => members.has(edge.a)));
  const oversized = connectedComponents(nodes, linksAmong(affected)).filter((keys) => keys.length > max);
  for (let keys = oversized.pop(); keys; keys = oversized.pop()) {
    // The limits guarantee a record fits in a graph, so an oversized graph always has a candidate.
    const victim = keys
      .filter((key) => !recordKeys.has(key))
      .map((key) => nodes.get(key)!)
      .sort(compareEviction)[0];
    evicted.add(victim.key);
    const members = new Set(keys);
    for (const [key, edge] of linksAmong(members)) {
      if (edge.a === victim.key || edge.b === victim.key) dropLink(key, 'IDENTITY_EVICTED');
    }
    members.delete(victim.key);
    oversized.push(...connectedComponents(nodes, linksAmong(members)).filter((rest) => rest.length > max));
  }
  return evicted;
}

function adjacencyOf(links: ReadonlyMap<string, Edge>): Map<string, string[]> {
  const adjacency = new Map<string, string[]>();
  for (const { a, b } of links.values()) {
    pushTo(adjacency, a, b);
    pushTo(adjacency, b, a);
  }
  return adjacency;
}

/** Connected components of the identities that have at least one link; unlinked identities belong to none. */
function connectedComponents(
  nodes: ReadonlyMap<string, GraphNode>,
  links: ReadonlyMap<string, Edge>,
): string[][] {
  const sets = new UnionFind();
  const linked = new Set<string>();
  for (const { a, b } of links.values()) {
    sets.union(a, b);
    linked.add(a).add(b);
  }
  const groups = new Map<string, string[]>();
  for (const key of linked) if (nodes.has(key)) pushTo(groups, sets.find(key), key);
  return [...groups.values()];
}

function pushTo<T>(groups: Map<string, T[]>, key: string, value: T): void {
  const group = groups.get(key);
  if (group) group.push(value);
  else groups.set(key, [value]);
}
