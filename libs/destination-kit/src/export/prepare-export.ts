import { checkConsent, type ConsentChannel } from '../consent/consent';
import type { MappingEntry } from '../mapping/attribute-mapping';
import { buildProfileDocument, type MembershipEntry, type ProfileIdentityRef } from './profile-document';

export interface ExportRules {
  mapping: readonly MappingEntry[];
  identityNamespaces: readonly string[];
  consentChannel: ConsentChannel;
}

export interface ProfileSnapshot {
  attributes: unknown;
  identities: readonly ProfileIdentityRef[];
}

export type PreparedExport = { document: string } | { excluded: string };

/**
 * Decides what a dataflow sends for one profile: nothing when its consents refuse the dataflow's channel or it has
 * none of the selected identities (each with the reason it is counted under), otherwise the profile document as
 * JSON text.
 */
export function prepareExport(rules: ExportRules, profile: ProfileSnapshot, memberships: readonly MembershipEntry[]): PreparedExport {
  const consent = checkConsent(profile.attributes, rules.consentChannel);
  if (!consent.allowed) return { excluded: consent.reason };
  const document = buildProfileDocument({
    attributes: profile.attributes,
    identities: profile.identities,
    mapping: rules.mapping,
    identityNamespaces: rules.identityNamespaces,
    memberships,
  });
  if (rules.identityNamespaces.length && Object.keys(document.identityMap).length === 0) {
    return { excluded: 'identity.none_selected' };
  }
  return { document: JSON.stringify(document) };
}
