import { childPath, XdmValidationError, type XdmIssue } from '../errors';
import { AuthenticatedStateSymbols, type Identity, type IdentityKey } from '../generated/types';
import { isPlainObject } from '../avro/convert';

export interface ExtractedIdentities {
  /** Every identity of the identityMap in document order, duplicates removed, defaults applied. */
  readonly identities: Required<Identity>[];
  /**
   * The document's primary identity: the one marked primary; else the first ECID (the device id XDM
   * treats as primary when none is marked); else the first identity. Null when there is none.
   */
  readonly primary: IdentityKey | null;
}

/** Reads the identities of a plain XDM document (see normalizeXdm) from its identityMap. */
export function extractIdentities(doc: Record<string, unknown>): ExtractedIdentities {
  // Paths are built only for issues: this runs for every ingested document.
  const issues: XdmIssue[] = [];
  const identities: Required<Identity>[] = [];
  const byKey = new Map<string, Required<Identity>>();
  const identityMap = doc.identityMap;
  if (identityMap !== undefined && identityMap !== null && !isPlainObject(identityMap)) {
    issues.push({ path: 'identityMap', code: 'typeMismatch', message: 'identityMap must be an object' });
  }
  const namespaces = isPlainObject(identityMap) ? Object.keys(identityMap) : [];
  for (const namespace of namespaces) {
    const items = (identityMap as Record<string, unknown>)[namespace];
    if (!Array.isArray(items)) {
      issues.push({
        path: childPath('identityMap', namespace),
        code: 'typeMismatch',
        message: 'identities of a namespace must be an array',
      });
      continue;
    }
    for (let i = 0; i < items.length; i++) {
      const identity = readIdentity(namespace, items[i], i, issues);
      if (!identity) continue;
      const key = formatIdentityKey(identity);
      const seen = byKey.get(key);
      if (seen) {
        seen.primary ||= identity.primary;
        continue;
      }
      byKey.set(key, identity);
      identities.push(identity);
    }
  }
  let marked: Required<Identity> | undefined;
  let markedCount = 0;
  for (const identity of identities) {
    if (!identity.primary) continue;
    marked ??= identity;
    markedCount++;
  }
  if (markedCount > 1) {
    issues.push({
      path: 'identityMap',
      code: 'multiplePrimaryIdentities',
      message: `only one identity may be primary, found ${identities.filter((i) => i.primary).map(formatIdentityKey).join(', ')}`,
    });
  }
  if (issues.length > 0) throw new XdmValidationError(issues);
  const chosen = marked ?? identities.find((i) => i.namespace === 'ECID') ?? identities[0];
  return { identities, primary: chosen ? { namespace: chosen.namespace, id: chosen.id } : null };
}

function readIdentity(
  namespace: string,
  item: unknown,
  index: number,
  issues: XdmIssue[],
): Required<Identity> | undefined {
  if (!isPlainObject(item)) {
    issues.push({ path: itemPath(namespace, index), code: 'typeMismatch', message: 'an identity must be an object' });
    return undefined;
  }
  const { id, authenticatedState = 'ambiguous', primary = false } = item;
  const before = issues.length;
  if (typeof id !== 'string' || id.trim() === '') {
    issues.push({
      path: childPath(itemPath(namespace, index), 'id'),
      code: 'invalidIdentity',
      message: 'id must be a non-empty string',
    });
  }
  if (!(AuthenticatedStateSymbols as readonly unknown[]).includes(authenticatedState)) {
    issues.push({
      path: childPath(itemPath(namespace, index), 'authenticatedState'),
      code: 'invalidEnum',
      message: `expected one of ${AuthenticatedStateSymbols.join(', ')}`,
    });
  }
  if (typeof primary !== 'boolean') {
    issues.push({
      path: childPath(itemPath(namespace, index), 'primary'),
      code: 'typeMismatch',
      message: 'primary must be a boolean',
    });
  }
  if (issues.length > before) return undefined;
  return {
    namespace,
    id: id as string,
    authenticatedState: authenticatedState as Identity['authenticatedState'] & string,
    primary: primary as boolean,
  };
}

function itemPath(namespace: string, index: number): string {
  return childPath(childPath('identityMap', namespace), index);
}

/** The Kafka key form of an identity: `<namespace>:<id>`. */
export function formatIdentityKey(identity: IdentityKey): string {
  return `${identity.namespace}:${identity.id}`;
}

/** Reads `<namespace>:<id>`; the id may itself contain colons, namespace codes do not. */
export function parseIdentityKey(key: string): IdentityKey {
  const colon = key.indexOf(':');
  if (colon <= 0 || colon === key.length - 1)
    throw new Error(`not an identity key (<namespace>:<id>): ${key}`);
  return { namespace: key.slice(0, colon), id: key.slice(colon + 1) };
}
