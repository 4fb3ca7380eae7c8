import { effectiveTime } from './merge-profile';
import type { Fragment } from './fragment';
import { sortIdentities, type ProfileIdentityValue } from './profile-change';

/**
 * The namespaces every installation's identity graph starts with, highest priority first (identity's default
 * linking rules: people, then devices, then cookies).
 */
export const DEFAULT_NAMESPACE_PRIORITY: readonly string[] = [
  'CRMID',
  'loginID',
  'Email',
  'Email_LC_SHA256',
  'Phone',
  'Phone_E.164',
  'Phone_SHA256',
  'IDFA',
  'GAID',
  'WAID',
  'APNS',
  'FCM',
  'ECID',
  'AAID',
  'TNTID',
];

/**
 * A merged profile's identities with exactly one marked primary (none when there are none). The stored flag only
 * says an identity was the primary identity of some document, so several can carry it; among those (or among all,
 * when none does) the one of the highest-priority namespace wins (`namespacePriority`, highest first; unlisted
 * namespaces rank last), then the one the most recent fragment is keyed by, then the first by namespace and id.
 */
export function markPrimary(
  identities: readonly ProfileIdentityValue[],
  fragments: readonly Fragment[],
  namespacePriority: readonly string[],
): ProfileIdentityValue[] {
  if (!identities.length) return [];
  const flagged = identities.filter((i) => i.primary);
  const candidates = flagged.length ? flagged : identities;
  const rank = (i: ProfileIdentityValue) => {
    const r = namespacePriority.indexOf(i.namespace);
    return r < 0 ? namespacePriority.length : r;
  };
  const latest = new Map<string, number>();
  for (const f of fragments) latest.set(f.primaryIdentity, Math.max(latest.get(f.primaryIdentity) ?? -Infinity, effectiveTime(f)));
  const recency = (i: ProfileIdentityValue) => latest.get(`${i.namespace}:${i.id}`) ?? -Infinity;
  let chosen = candidates[0];
  for (const c of candidates.slice(1)) {
    const better =
      rank(c) - rank(chosen) ||
      recency(chosen) - recency(c) ||
      (c.namespace < chosen.namespace ? -1 : c.namespace > chosen.namespace ? 1 : c.id < chosen.id ? -1 : 1);
    if (better < 0) chosen = c;
  }
  return sortIdentities(identities.map((i) => ({ namespace: i.namespace, id: i.id, primary: i === chosen })));
}
