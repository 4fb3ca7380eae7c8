/** Marketing actions a dataflow declares (what the data will be used for). */
export const MARKETING_ACTIONS = [
  'analytics',
  'combineWithPii',
  'crossSiteTargeting',
  'dataScience',
  'emailTargeting',
  'exportToThirdParty',
  'onsiteAdvertising',
  'onsitePersonalization',
  'segmentMatch',
  'singleIdentityPersonalization',
] as const;
export type MarketingAction = (typeof MARKETING_ACTIONS)[number];

/** Data-usage labels (contract, identity, sensitive, and the prospect label). */
export const DATA_USAGE_LABEL = /^(C([1-9]|1[0-2])|I[12]|S[1-9][0-9]*|PSPD|RHD|Third-Party)$/;

export interface PolicyRule {
  id: string;
  name: string;
  /** The action the policy forbids. */
  marketingAction: MarketingAction;
  /** `anyOf`: one of the labels forbids; `allOf`: the labels together (across the dataflow's mapped fields) forbid. */
  operator: 'anyOf' | 'allOf';
  labels: string[];
  enabled: boolean;
}

export interface Violation {
  field: string;
  label: string;
  policy: string;
  action: MarketingAction;
}

/** A mapped field with every label it carries (from the schema and from the mapping entry). */
export interface LabelledField {
  field: string;
  labels: readonly string[];
}

const core = (
  id: string,
  name: string,
  marketingAction: MarketingAction,
  labels: string[],
): Omit<PolicyRule, 'enabled'> => ({ id, name, marketingAction, operator: 'anyOf', labels });

/**
 * Weft's core policies (all disabled until enabled), paired from the label wording: C2/C12 forbid export to third
 * parties, C12 forbids every export action, C3 combining with PII, C4 every targeting action, C5 cross-site
 * targeting, C6 on-site ads, C7 on-site personalisation, C8 analytics, C9 data science, C10 single-identity
 * personalisation, C11 segment match.
 */
export const CORE_POLICIES: readonly Omit<PolicyRule, 'enabled'>[] = [
  core('core-c2-export-third-party', 'No export of C2 data to third parties', 'exportToThirdParty', ['C2', 'C12']),
  ...MARKETING_ACTIONS.filter((a) => a !== 'exportToThirdParty').map((action) =>
    core(`core-c12-${action}`, `No export of C12 data (${action})`, action, ['C12']),
  ),
  core('core-c3-combine-pii', 'No combining C3 data with directly identifiable data', 'combineWithPii', ['C3']),
  core('core-c4-cross-site', 'No targeting with C4 data (cross-site)', 'crossSiteTargeting', ['C4']),
  core('core-c4-onsite-ads', 'No targeting with C4 data (on-site ads)', 'onsiteAdvertising', ['C4']),
  core('core-c4-onsite-personalization', 'No targeting with C4 data (on-site content)', 'onsitePersonalization', ['C4']),
  core('core-c5-interest-based', 'No interest-based cross-site targeting with C5 data', 'crossSiteTargeting', ['C5']),
  core('core-c6-onsite-ads', 'No on-site ad targeting with C6 data', 'onsiteAdvertising', ['C6']),
  core('core-c7-onsite-personalization', 'No on-site content targeting with C7 data', 'onsitePersonalization', ['C7']),
  core('core-c8-analytics', 'No measurement with C8 data', 'analytics', ['C8']),
  core('core-c9-data-science', 'No data science with C9 data', 'dataScience', ['C9']),
  core('core-c10-single-identity', 'No stitched-identity activation of C10 data', 'singleIdentityPersonalization', ['C10']),
  core('core-c11-segment-match', 'No Segment Match sharing of C11 data', 'segmentMatch', ['C11']),
];

/**
 * The violations of the enabled policies by a dataflow's mapped fields and actions. `anyOf` policies are broken by
 * each field that carries one of their labels; `allOf` policies when the fields together carry every label, and
 * then each contributing field is listed.
 */
export function evaluatePolicies(
  policies: readonly PolicyRule[],
  fields: readonly LabelledField[],
  actions: readonly MarketingAction[],
): Violation[] {
  const violations: Violation[] = [];
  for (const policy of policies) {
    if (!policy.enabled || !actions.includes(policy.marketingAction)) continue;
    const wanted = new Set(policy.labels);
    const hits = fields.flatMap((f) => f.labels.filter((l) => wanted.has(l)).map((label) => ({ field: f.field, label })));
    if (policy.operator === 'allOf' && !policy.labels.every((l) => hits.some((h) => h.label === l))) continue;
    for (const hit of hits) violations.push({ ...hit, policy: policy.id, action: policy.marketingAction });
  }
  return dedupe(violations);
}

function dedupe(violations: Violation[]): Violation[] {
  const seen = new Set<string>();
  return violations.filter((v) => {
    const key = `${v.field}\u0000${v.label}\u0000${v.policy}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
