/**
 * Codes of the standard identity namespaces by their numeric id, as used in namespace URIs such as
 * `https://data.adobe.io/entities/namespace/4` (ECID).
 */
export const STANDARD_NAMESPACE_CODES: Readonly<Record<number, string>> = {
  0: 'CORE',
  4: 'ECID',
  6: 'Email',
  7: 'Phone',
  8: 'WAID',
  9: 'TNTID',
  10: 'AAID',
  411: 'AdCloud',
  20914: 'GAID',
  20915: 'IDFA',
};

/** Resolves an identityMap key that is not a plain namespace code (a URI) to a code, or undefined. */
export type NamespaceResolver = (key: string) => string | undefined;

const NAMESPACE_URI = /^https?:\/\/[^/]+\/(?:.*\/)?namespace\/(\d+)$/;

export const resolveStandardNamespace: NamespaceResolver = (key) => {
  const match = NAMESPACE_URI.exec(key);
  return match ? STANDARD_NAMESPACE_CODES[Number(match[1])] : undefined;
};

export function isUri(key: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(key);
}
