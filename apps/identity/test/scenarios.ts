import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { identityKey, type GraphConfigInput, type Identity } from '@weft/identity-graph';

export interface Scenario {
  id: string;
  title: string;
  config: GraphConfigInput;
  events: { at: string; identities: Identity[] }[];
  expect: { graphs: Identity[][] };
}

/** The reference identity scenarios (copied from shared/reference/identity/scenarios.json). */
export function loadScenarios(): Scenario[] {
  return (JSON.parse(readFileSync(join(__dirname, 'scenarios.json'), 'utf8')) as { scenarios: Scenario[] }).scenarios;
}

/** A canonical form of a partition: sorted identity keys of each graph, graphs sorted. */
export function partitionOf(graphs: readonly (readonly Identity[])[]): string[][] {
  return graphs.map((g) => g.map(identityKey).sort()).sort((x, y) => (x.join() < y.join() ? -1 : x.join() > y.join() ? 1 : 0));
}

/** The scenario with every identity value prefixed, so runs against a shared store cannot meet. */
export function prefixed(scenario: Scenario, prefix: string): Scenario {
  const p = (i: Identity): Identity => ({ namespace: i.namespace, id: prefixValue(i, prefix) });
  return {
    ...scenario,
    events: scenario.events.map((e) => ({ ...e, identities: e.identities.map(p) })),
    expect: { graphs: scenario.expect.graphs.map((g) => g.map(p)) },
  };
}

/**
 * ECIDs must stay 38 digits, so a numeric prefix replaces their leading zeros; blocked and invalid values stay as they
 * are (they must keep failing validation for the same reason).
 */
function prefixValue(identity: Identity, prefix: string): string {
  const value = identity.id;
  if (['', 'null', 'anonymous', 'invalid'].includes(value.trim().toLowerCase())) return value;
  if (identity.namespace === 'ECID') {
    if (!/^0{12}[0-9]{26}$/.test(value)) return value;
    const digits = BigInt(`0x${createHash('sha256').update(prefix).digest('hex').slice(0, 15)}`).toString().padStart(12, '1').slice(-12);
    return digits + value.slice(12);
  }
  return `${prefix}${value}`;
}

/**
 * The comparison of the scenario format: every graph of two or more identities matches exactly (as sets) and there is
 * no other; an expected single identity is in no graph of two or more. Returns the differences (empty when it matches).
 */
export function partitionDifferences(actual: readonly (readonly Identity[])[], expected: readonly (readonly Identity[])[]): string[] {
  const multi = (graphs: readonly (readonly Identity[])[]) => partitionOf(graphs.filter((g) => g.length > 1));
  const problems: string[] = [];
  const got = multi(actual).map((g) => g.join(' + '));
  const want = multi(expected).map((g) => g.join(' + '));
  for (const g of want) if (!got.includes(g)) problems.push(`missing graph ${g}`);
  for (const g of got) if (!want.includes(g)) problems.push(`unexpected graph ${g}`);
  const linked = new Set(actual.filter((g) => g.length > 1).flat().map(identityKey));
  for (const [single] of expected.filter((g) => g.length === 1)) {
    if (linked.has(identityKey(single))) problems.push(`${identityKey(single)} should be linked to nothing`);
  }
  return problems;
}
