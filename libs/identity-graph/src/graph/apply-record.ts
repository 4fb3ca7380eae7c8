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
    if (stored) removedLinks.push({ link: stored, reason });
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
    .forEach(([, link]) => linksByComponent[componentIndex.get(identityKey(link.a))!].push(link));

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
  const links = new Map<string, Link>();
  for (const link of component.links) {
    if (!nodes.has(identityKey(link.a)) || !nodes.has(identityKey(link.b))) {
      throw new IdentityGraphError(
        'DANGLING_LINK',
        `link ${formatIdentity(link.a)} - ${formatIdentity(link.b)} joins an identity that is not in the component`,
      );
    }
    const key = linkKey(link.a, link.b);
    const known = links.get(key);
    if (!known || known.at < link.at) links.set(key, canonicalLink(link));
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
  links: Map<string, Link>,
  recordLinks: Set<string>,
): Identity[] {
  const degree = new Map<string, number>();
  for (const link of links.values()) {
    for (const end of [link.a, link.b]) degree.set(identityKey(end), (degree.get(identityKey(end)) ?? 0) + 1);
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
      links.set(key, canonicalLink({ a, b, at: known && known.at > at ? known.at : at }));
      recordLinks.add(key);
    }
  }
  return guarded;
}

/** Every identity connected to one of `start` (the graph or graphs the record touches). */
function reachableFrom(
  start: ReadonlySet<string>,
  nodes: ReadonlyMap<string, GraphNode>,
  links: Map<string, Link>,
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
 * Replaying a graph without such a conflict keeps every link, so the graph is always replayed rather than
 * first testing for a conflict.
 */
function replayConflicts(
  affected: ReadonlySet<string>,
  nodes: ReadonlyMap<string, GraphNode>,
  links: ReadonlyMap<string, Link>,
  recordLinks: ReadonlySet<string>,
): string[] {
  const prioritySum = (link: Link) =>
    nodes.get(identityKey(link.a))!.namespace.priority + nodes.get(identityKey(link.b))!.namespace.priority;
  const ordered = [...links.entries()]
    .filter(([, link]) => affected.has(identityKey(link.a)))
    .map(([key, link]) => ({ key, link, fromRecord: recordLinks.has(key), sum: prioritySum(link) }))
    .sort(
      (x, y) =>
        Number(y.fromRecord) - Number(x.fromRecord) ||
        x.sum - y.sum ||
        y.link.at.getTime() - x.link.at.getTime() ||
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
  for (const { key, link } of ordered) {
    const [ka, kb] = [identityKey(link.a), identityKey(link.b)];
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
  links: ReadonlyMap<string, Link>,
  config: GraphConfig,
  dropLink: (key: string, reason: LinkRemovalReason) => void,
): Set<string> {
  const evicted = new Set<string>();
  const max = config.limits.maxIdentitiesPerGraph;
  const linksAmong = (members: ReadonlySet<string>) =>
    new Map([...links].filter(([, link]) => members.has(identityKey(link.a))));
  const oversized = connectedComponents(nodes, linksAmong(affected)).filter((keys) => keys.length > max);
  for (let keys = oversized.pop(); keys; keys = oversized.pop()) {
    // The limits guarantee a record fits in a graph, so an oversized graph always has a candidate.
    const victim = keys
      .filter((key) => !recordKeys.has(key))
      .map((key) => nodes.get(key)!)
      .sort(compareEviction)[0];
    evicted.add(victim.key);
    const members = new Set(keys);
    for (const [key, link] of linksAmong(members)) {
      if (identityKey(link.a) === victim.key || identityKey(link.b) === victim.key)
        dropLink(key, 'IDENTITY_EVICTED');
    }
    members.delete(victim.key);
    oversized.push(...connectedComponents(nodes, linksAmong(members)).filter((rest) => rest.length > max));
  }
  return evicted;
}

function adjacencyOf(links: ReadonlyMap<string, Link>): Map<string, string[]> {
  const adjacency = new Map<string, string[]>();
  for (const link of links.values()) {
    const [ka, kb] = [identityKey(link.a), identityKey(link.b)];
    pushTo(adjacency, ka, kb);
    pushTo(adjacency, kb, ka);
  }
  return adjacency;
}

/** Connected components of the identities that have at least one link; unlinked identities belong to none. */
function connectedComponents(
  nodes: ReadonlyMap<string, GraphNode>,
  links: ReadonlyMap<string, Link>,
): string[][] {
  const sets = new UnionFind();
  for (const link of links.values()) sets.union(identityKey(link.a), identityKey(link.b));
  const groups = new Map<string, string[]>();
  for (const key of adjacencyOf(links).keys()) {
    if (!nodes.has(key)) continue;
    pushTo(groups, sets.find(key), key);
  }
  return [...groups.values()];
}

function pushTo<T>(groups: Map<string, T[]>, key: string, value: T): void {
  const group = groups.get(key);
  if (group) group.push(value);
  else groups.set(key, [value]);
}
