import { applyMapping, type MappingEntry } from '../mapping/attribute-mapping';

export interface ProfileIdentityRef {
  namespace: string;
  id: string;
  primary?: boolean;
}

export interface MembershipEntry {
  segmentId: string;
  status: 'realized' | 'existing' | 'exited';
  /** Epoch milliseconds. */
  lastQualificationTime: number;
}

export interface ProfileDocumentInput {
  attributes: unknown;
  identities: readonly ProfileIdentityRef[];
  mapping: readonly MappingEntry[];
  /** Namespaces to send (case-insensitive); empty sends every identity. */
  identityNamespaces: readonly string[];
  memberships: readonly MembershipEntry[];
}

export interface ProfileDocument {
  [field: string]: unknown;
  identityMap: Record<string, { id: string; primary?: boolean }[]>;
  segmentMembership: { ups: Record<string, { status: MembershipEntry['status']; lastQualificationTime: string }> };
}

/** The selected identities as an XDM identityMap, namespace codes lower-cased (as in the HTTP destination's format). */
export function selectIdentityMap(
  identities: readonly ProfileIdentityRef[],
  namespaces: readonly string[],
): ProfileDocument['identityMap'] {
  const wanted = new Set(namespaces.map((n) => n.toLowerCase()));
  const map: ProfileDocument['identityMap'] = {};
  for (const identity of identities) {
    const ns = identity.namespace.toLowerCase();
    if (wanted.size && !wanted.has(ns)) continue;
    const list = (map[ns] ??= []);
    if (!list.some((i) => i.id === identity.id)) list.push(identity.primary ? { id: identity.id, primary: true } : { id: identity.id });
  }
  return map;
}

/** RFC 3339 UTC with `Z`, whole seconds. */
export function formatQualificationTime(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * One profile as a streaming destination receives it: the mapped attributes, the selected identities as
 * `identityMap`, and `segmentMembership.ups.<segmentId>.{status, lastQualificationTime}` for the audiences
 * that triggered the export.
 */
export function buildProfileDocument(input: ProfileDocumentInput): ProfileDocument {
  const ups: ProfileDocument['segmentMembership']['ups'] = {};
  for (const m of input.memberships) {
    ups[m.segmentId] = { status: m.status, lastQualificationTime: formatQualificationTime(m.lastQualificationTime) };
  }
  return {
    ...applyMapping(input.attributes, input.mapping),
    segmentMembership: { ups },
    identityMap: selectIdentityMap(input.identities, input.identityNamespaces),
  };
}
