import { getPath } from '../mapping/attribute-mapping';

/** Channels a dataflow can send on; `none` skips the consent check (e.g. analytics exports). */
export const CONSENT_CHANNELS = ['email', 'sms', 'push', 'phone', 'ads', 'none'] as const;
export type ConsentChannel = (typeof CONSENT_CHANNELS)[number];

/** `val` values that say no: opt-out and default-no. */
const REFUSALS = new Set(['n', 'dn']);

export type ConsentDecision = { allowed: true } | { allowed: false; reason: string };

function refuses(attributes: unknown, path: string): boolean {
  const val = getPath(attributes, path);
  return typeof val === 'string' && REFUSALS.has(val);
}

/**
 * Whether a profile may be sent on a channel, from its XDM consents:
 * - `consents.marketing.any.val` = n/dn refuses every channel;
 * - `consents.marketing.<channel>.val` = n/dn refuses that channel;
 * - `ads` also reads `consents.share.val` (ad platforms are third parties);
 * - the legacy `privacyOptOuts[]` entry `general_opt_out` = `out` refuses every channel.
 * Unknown, pending or missing values do not refuse: consent policies drop explicit refusals only.
 */
export function checkConsent(attributes: unknown, channel: ConsentChannel): ConsentDecision {
  if (channel === 'none') return { allowed: true };
  if (refuses(attributes, 'consents.marketing.any.val')) return { allowed: false, reason: 'consent.marketing.any' };
  if (refuses(attributes, `consents.marketing.${channel}.val`)) return { allowed: false, reason: `consent.marketing.${channel}` };
  if (channel === 'ads' && refuses(attributes, 'consents.share.val')) return { allowed: false, reason: 'consent.share' };
  const optOuts = getPath(attributes, 'privacyOptOuts');
  if (
    Array.isArray(optOuts) &&
    optOuts.some((o: { optOutType?: unknown; optOutValue?: unknown }) => o?.optOutType === 'general_opt_out' && o?.optOutValue === 'out')
  ) {
    return { allowed: false, reason: 'consent.general_opt_out' };
  }
  return { allowed: true };
}
