import { layer, type JsonObject } from './attributes';
import { customLastUpdated, type Fragment } from './fragment';

export type AttributeMerge =
  | { type: 'timestampOrdered' }
  /** Datasets first to last by precedence; fragments of datasets not listed are not merged. */
  | { type: 'datasetPrecedence'; datasets: readonly string[] };

/**
 * When a fragment's data last changed, for timestamp ordering: the source system's own last update time when the
 * data carries one (see LAST_UPDATED_PATH), otherwise the time ingestion received it.
 */
export function effectiveTime(fragment: Fragment): number {
  return customLastUpdated(fragment.attributes) ?? fragment.receivedAt;
}

function byTime(a: Fragment, b: Fragment): number {
  return (
    effectiveTime(a) - effectiveTime(b) ||
    a.receivedAt - b.receivedAt ||
    a.timestamp - b.timestamp ||
    compare(a.datasetId, b.datasetId) ||
    compare(a.primaryIdentity, b.primaryIdentity)
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The fragments a policy merges, from the one that wins least to the one that wins most. */
export function mergeOrder(fragments: readonly Fragment[], policy: AttributeMerge): Fragment[] {
  switch (policy.type) {
    case 'timestampOrdered':
      return [...fragments].sort(byTime);
    case 'datasetPrecedence': {
      const rank = new Map(policy.datasets.map((d, i) => [d, i]));
      return fragments
        .filter((f) => rank.has(f.datasetId))
        .sort((a, b) => (rank.get(b.datasetId) as number) - (rank.get(a.datasetId) as number) || byTime(a, b));
    }
  }
}

/**
 * The merged attributes of a profile. For every attribute (leaf path) the winning fragment that has a value gives
 * it: under timestamp ordering the most recent fragment, under dataset precedence the fragment of the highest
 * listed dataset (ties in one dataset go to the most recent). Arrays are single attributes.
 */
export function mergeFragments(fragments: readonly Fragment[], policy: AttributeMerge): JsonObject {
  return mergeOrder(fragments, policy).reduce<JsonObject>((merged, f) => layer(merged, f.attributes), {});
}
