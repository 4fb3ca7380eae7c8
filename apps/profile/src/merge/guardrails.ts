export interface GuardrailLimits {
  /** A profile whose identity graph holds more identities than this is flagged. */
  maxIdentities: number;
  /** A profile holding more experience events than this is flagged. */
  maxEvents: number;
}

export const DEFAULT_GUARDRAILS: GuardrailLimits = { maxIdentities: 50, maxEvents: 5_000 };

export type ProfileFlag = 'tooManyIdentities' | 'tooManyEvents';

/** Flags of a profile; flagged profiles are left out of segmentation and exports. */
export function guardrailFlags(identityCount: number, eventCount: number, limits: GuardrailLimits): ProfileFlag[] {
  const flags: ProfileFlag[] = [];
  if (identityCount > limits.maxIdentities) flags.push('tooManyIdentities');
  if (eventCount > limits.maxEvents) flags.push('tooManyEvents');
  return flags;
}
