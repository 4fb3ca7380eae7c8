import { CORE_POLICIES, evaluatePolicies, type PolicyRule } from './policy';

const enabled = (id: string): PolicyRule => {
  const policy = CORE_POLICIES.find((p) => p.id === id);
  if (!policy) throw new Error(`no core policy ${id}`);
  return { ...policy, enabled: true };
};

describe(evaluatePolicies.name, () => {
  const email = { field: 'personalEmail.address', labels: ['C2', 'I1'] };
  const interests = { field: 'interests', labels: ['C5'] };

  it('refuses a C2 field for export to third parties under the enabled core policy', () => {
    expect(evaluatePolicies([enabled('core-c2-export-third-party')], [email, interests], ['exportToThirdParty'])).toEqual([
      { field: 'personalEmail.address', label: 'C2', policy: 'core-c2-export-third-party', action: 'exportToThirdParty' },
    ]);
  });

  it('ignores disabled policies (core policies start disabled)', () => {
    const disabled = { ...enabled('core-c2-export-third-party'), enabled: false };
    expect(evaluatePolicies([disabled], [email], ['exportToThirdParty'])).toEqual([]);
  });

  it('ignores policies of actions the dataflow does not declare', () => {
    expect(evaluatePolicies([enabled('core-c2-export-third-party')], [email], ['emailTargeting'])).toEqual([]);
  });

  it('C5 forbids interest-based (cross-site) targeting', () => {
    expect(evaluatePolicies([enabled('core-c5-interest-based')], [email, interests], ['crossSiteTargeting'])).toEqual([
      { field: 'interests', label: 'C5', policy: 'core-c5-interest-based', action: 'crossSiteTargeting' },
    ]);
  });

  it('an allOf policy needs every label across the fields, then lists each contributing field', () => {
    const policy: PolicyRule = {
      id: 'p-c1-c2',
      name: 'C1 and C2',
      marketingAction: 'analytics',
      operator: 'allOf',
      labels: ['C1', 'C2'],
      enabled: true,
    };
    expect(evaluatePolicies([policy], [email], ['analytics'])).toEqual([]);
    expect(evaluatePolicies([policy], [email, { field: 'geo', labels: ['C1'] }], ['analytics'])).toEqual([
      { field: 'personalEmail.address', label: 'C2', policy: 'p-c1-c2', action: 'analytics' },
      { field: 'geo', label: 'C1', policy: 'p-c1-c2', action: 'analytics' },
    ]);
  });

  it('ships every core policy disabled-ready with unique ids', () => {
    const ids = CORE_POLICIES.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(CORE_POLICIES.filter((p) => p.labels.includes('C12')).length).toBeGreaterThanOrEqual(10);
  });
});
