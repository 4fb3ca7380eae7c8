/** A pair (namespace code, value). Both must match for two records to meet. */
export interface Identity {
  namespace: string;
  id: string;
}

/** An unordered pair of identities seen together, stamped with the newest time it was seen. */
export interface Link {
  a: Identity;
  b: Identity;
  at: Date;
}

/** One profile row or experience event: the identities it carries and when it happened. */
export interface GraphRecord {
  at: Date;
  identities: readonly Identity[];
}

/** Unambiguous map key for an identity: the length prefix tells where the namespace ends, whatever the value holds. */
export function identityKey(identity: Identity): string {
  return `${identity.namespace.length}:${identity.namespace}:${identity.id}`;
}

/** Unambiguous key for the unordered pair {a, b}. */
export function linkKey(a: Identity, b: Identity): string {
  const ka = identityKey(a);
  const kb = identityKey(b);
  return ka < kb ? `${ka}|${kb}` : `${kb}|${ka}`;
}

/** Plain code-unit order, so results never depend on the locale of the machine. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareIdentities(a: Identity, b: Identity): number {
  return compareStrings(a.namespace, b.namespace) || compareStrings(a.id, b.id);
}

export function formatIdentity(identity: Identity): string {
  return `${identity.namespace}:${JSON.stringify(identity.id)}`;
}

/** Same link with its endpoints in canonical order (a before b). */
export function canonicalLink(link: Link): Link {
  return compareIdentities(link.a, link.b) <= 0
    ? { a: toIdentity(link.a), b: toIdentity(link.b), at: link.at }
    : { a: toIdentity(link.b), b: toIdentity(link.a), at: link.at };
}

/** Just the (namespace, value) pair, without any extra fields of a stored identity. */
export function toIdentity(identity: Identity): Identity {
  return { namespace: identity.namespace, id: identity.id };
}
