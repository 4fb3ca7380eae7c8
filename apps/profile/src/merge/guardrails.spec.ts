import { DEFAULT_GUARDRAILS, guardrailFlags } from './guardrails';

describe(guardrailFlags.name, () => {
  it('flags graphs of more than 50 identities and profiles of more than 5,000 events', () => {
    expect(guardrailFlags(50, 5_000, DEFAULT_GUARDRAILS)).toEqual([]);
    expect(guardrailFlags(51, 5_000, DEFAULT_GUARDRAILS)).toEqual(['tooManyIdentities']);
    expect(guardrailFlags(3, 5_001, DEFAULT_GUARDRAILS)).toEqual(['tooManyEvents']);
  });
});
