import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  defineGraphConfig,
  GraphConfig,
  GraphConfigInput,
  GraphRecord,
  Identity,
  IdentityGraph,
  identityKey,
  Link,
  SimulationEvent,
} from '../src';

export interface Scenario {
  id: string;
  title: string;
  config: GraphConfigInput;
  events: SimulationEvent[];
  expect: { graphs: Identity[][] };
  notes: string;
}

export function loadScenarios(): Scenario[] {
  const file = JSON.parse(readFileSync(join(__dirname, 'scenarios.json'), 'utf8')) as {
    scenarios: Scenario[];
  };
  return file.scenarios;
}

/** The documentation writes short ECIDs; valid ones are 38 digits, left-padded with zeros. */
export function ecid(short: number | string): Identity {
  return { namespace: 'ECID', id: String(short).padStart(38, '0') };
}

export function id(namespace: string, value: string): Identity {
  return { namespace, id: value };
}

/** Minutes after 2024-01-01T00:00Z, the clock of the reference scenarios. */
export function minute(n: number): Date {
  return new Date(Date.UTC(2024, 0, 1, 0, n));
}

export function record(at: number, ...identities: Identity[]): GraphRecord {
  return { at: minute(at), identities };
}

/** CRMID and Email unique, then loginID, two device namespaces and ECID; the layout of most scenarios. */
export function aConfig(): ConfigBuilder {
  return new ConfigBuilder();
}

export class ConfigBuilder {
  private input: GraphConfigInput = {
    namespaces: [
      { code: 'CRMID', type: 'CROSS_DEVICE', priority: 1, unique: true },
      { code: 'Email', type: 'EMAIL', priority: 2, unique: true },
      { code: 'loginID', type: 'CROSS_DEVICE', priority: 3, unique: false },
      { code: 'Phone', type: 'PHONE', priority: 4, unique: false },
      { code: 'IDFA', type: 'DEVICE', priority: 5, unique: false },
      { code: 'GAID', type: 'DEVICE', priority: 6, unique: false },
      { code: 'ECID', type: 'COOKIE', priority: 7, unique: false },
    ],
  };

  withUnique(code: string, unique: boolean): this {
    this.input = {
      ...this.input,
      namespaces: this.input.namespaces.map((ns) => (ns.code === code ? { ...ns, unique } : ns)),
    };
    return this;
  }

  withLimits(limits: GraphConfigInput['limits']): this {
    this.input = { ...this.input, limits: { ...this.input.limits, ...limits } };
    return this;
  }

  build(): GraphConfig {
    return defineGraphConfig(this.input);
  }
}

/** Sorted identity keys of each graph, graphs sorted: a canonical form of a partition. */
export function partitionOf(graphs: readonly (readonly Identity[])[]): string[][] {
  return graphs
    .map((graph) => graph.map(identityKey).sort())
    .sort((x, y) => (x.join() < y.join() ? -1 : x.join() > y.join() ? 1 : 0));
}

/** Sequential ids `prefix-1`, `prefix-2`, ... */
export function counterIds(prefix = 'graph'): () => string {
  let next = 0;
  return () => `${prefix}-${++next}`;
}

/** A stored graph built link by link; an identity's firstSeen is the time of its first link. */
export function aGraph(graphId: string): GraphBuilder {
  return new GraphBuilder(graphId);
}

export class GraphBuilder {
  private readonly links: Link[] = [];
  private readonly firstSeen = new Map<string, { identity: Identity; at: Date }>();

  constructor(private readonly graphId: string) {}

  /** Links `a` to each of `others` at minute `at`. */
  linked(at: number, a: Identity, ...others: Identity[]): this {
    for (const b of others) {
      this.links.push({ a, b, at: minute(at) });
      for (const identity of [a, b]) {
        const known = this.firstSeen.get(identityKey(identity));
        if (!known || known.at > minute(at))
          this.firstSeen.set(identityKey(identity), { identity, at: minute(at) });
      }
    }
    return this;
  }

  build(): IdentityGraph {
    return {
      graphId: this.graphId,
      identities: [...this.firstSeen.values()].map(({ identity, at }) => ({
        ...identity,
        firstSeen: at,
        graphId: this.graphId,
      })),
      links: [...this.links],
    };
  }
}
