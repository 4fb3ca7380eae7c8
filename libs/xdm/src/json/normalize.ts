import { childPath, XdmValidationError, type XdmIssue } from '../errors';
import { isPlainObject } from '../avro/convert';
import { isUri, resolveStandardNamespace, type NamespaceResolver } from './namespaces';

export interface NormalizeOptions {
  /**
   * Resolves identityMap keys written as URIs to namespace codes. Tried before the standard namespaces
   * (ECID, Email, ...), so an organisation's own namespaces can be added.
   */
  readonly resolveNamespace?: NamespaceResolver;
}

export type XdmDocument = Record<string, unknown>;

/**
 * Fields whose keys are data rather than field names, with how many levels of keys to keep verbatim:
 * consents.idSpecific is namespace -> id -> consents; segmentMembership is namespace -> audience -> item.
 */
const DATA_KEYED_FIELDS: Readonly<Record<string, number>> = { idSpecific: 2, segmentMembership: 2 };
const EXTENSION_URI = /^https?:\/\/ns\.adobe\.com\/([A-Za-z_][\w-]*)\/(.+)$/;
const PREFIXED = /^([A-Za-z][\w-]*):([^/].*)$/;

/**
 * Turns an XDM document from the JSON-LD form of the XDM repository into the plain form services exchange:
 * - `xdm:name` becomes `name`; `@id` and `@type` become `_id` and `_type`;
 * - fields from other vocabularies nest under `_<prefix>` (`schema:latitude` -> `_schema.latitude`), and
 *   extension fields named by URI nest by path (`https://ns.adobe.com/experience/campaign/channel` ->
 *   `_experience.campaign.channel`), as Experience Platform does;
 * - identityMap keys written as namespace URIs become namespace codes (entries for one code are joined);
 * - a legacy root `identities` array of `{id, namespace: {code}}` is folded into identityMap.
 * Keys that are data (identityMap namespaces, idSpecific and segmentMembership keys) are kept as they are.
 * A document already in the plain form comes back equal.
 */
export function normalizeXdm(doc: unknown, options: NormalizeOptions = {}): XdmDocument {
  const issues: XdmIssue[] = [];
  if (!isPlainObject(doc)) {
    throw new XdmValidationError([
      { path: '', code: 'typeMismatch', message: 'an XDM document must be a JSON object' },
    ]);
  }
  const resolve: NamespaceResolver = (key) =>
    options.resolveNamespace?.(key) ?? resolveStandardNamespace(key);
  const out = normalizeObject(doc, '', { issues, resolve }) as XdmDocument;
  foldLegacyIdentities(out, issues);
  if (issues.length > 0) throw new XdmValidationError(issues);
  return out;
}

interface Context {
  readonly issues: XdmIssue[];
  readonly resolve: NamespaceResolver;
}

function normalizeValue(value: unknown, path: string, ctx: Context): unknown {
  if (Array.isArray(value)) return value.map((item, i) => normalizeValue(item, childPath(path, i), ctx));
  if (isPlainObject(value)) return normalizeObject(value, path, ctx);
  return value;
}

function normalizeObject(obj: Record<string, unknown>, path: string, ctx: Context): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    const segments = fieldPath(key);
    const name = segments[segments.length - 1];
    const valuePath = segments.reduce(childPath, path);
    let normalized: unknown;
    if (name === 'identityMap') normalized = normalizeIdentityMap(value, valuePath, ctx);
    else if (name in DATA_KEYED_FIELDS)
      normalized = normalizeDataKeyed(value, DATA_KEYED_FIELDS[name], valuePath, ctx);
    else normalized = normalizeValue(value, valuePath, ctx);
    assign(out, segments, normalized, path, ctx);
  }
  return out;
}

/** The plain-form field path a JSON-LD key stands for. */
function fieldPath(key: string): string[] {
  if (key.startsWith('xdm:')) return [key.slice(4)];
  if (key.startsWith('@')) return [`_${key.slice(1)}`];
  const extension = EXTENSION_URI.exec(key);
  if (extension && extension[1] !== 'xdm') return [`_${extension[1]}`, ...extension[2].split('/')];
  const prefixed = isUri(key) ? null : PREFIXED.exec(key);
  if (prefixed) return [`_${prefixed[1]}`, prefixed[2]];
  return [key];
}

function assign(
  target: Record<string, unknown>,
  segments: string[],
  value: unknown,
  path: string,
  ctx: Context,
): void {
  let node = target;
  let nodePath = path;
  for (const segment of segments.slice(0, -1)) {
    nodePath = childPath(nodePath, segment);
    const next = node[segment] ?? {};
    if (!isPlainObject(next)) {
      ctx.issues.push({
        path: nodePath,
        code: 'typeMismatch',
        message: `${segment} is both a value and an object`,
      });
      return;
    }
    node[segment] = next;
    node = next;
  }
  const last = segments[segments.length - 1];
  const existing = node[last];
  if (existing === undefined) node[last] = value;
  else if (isPlainObject(existing) && isPlainObject(value)) Object.assign(existing, value);
  else
    ctx.issues.push({
      path: childPath(nodePath, last),
      code: 'typeMismatch',
      message: `${last} is given twice`,
    });
}

function normalizeDataKeyed(value: unknown, levels: number, path: string, ctx: Context): unknown {
  if (levels === 0 || !isPlainObject(value)) return normalizeValue(value, path, ctx);
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [
      key,
      normalizeDataKeyed(v, levels - 1, childPath(path, key), ctx),
    ]),
  );
}

function normalizeIdentityMap(value: unknown, path: string, ctx: Context): unknown {
  if (!isPlainObject(value)) return normalizeValue(value, path, ctx);
  const out: Record<string, unknown[]> = {};
  for (const [key, items] of Object.entries(value)) {
    const keyPath = childPath(path, key);
    const code = isUri(key) ? ctx.resolve(key) : key;
    if (code === undefined) {
      ctx.issues.push({
        path: keyPath,
        code: 'unknownNamespace',
        message: `no identity namespace is known for ${key}`,
      });
      continue;
    }
    const normalized = normalizeValue(items, keyPath, ctx);
    if (!Array.isArray(normalized)) {
      ctx.issues.push({
        path: keyPath,
        code: 'typeMismatch',
        message: 'identities of a namespace must be an array',
      });
      continue;
    }
    out[code] = [...(out[code] ?? []), ...normalized];
  }
  return out;
}

function foldLegacyIdentities(doc: XdmDocument, issues: XdmIssue[]): void {
  const legacy = doc.identities;
  if (!Array.isArray(legacy)) return;
  const identityMap = (isPlainObject(doc.identityMap) ? doc.identityMap : {}) as Record<string, unknown[]>;
  const start = issues.length;
  legacy.forEach((item, i) => {
    const namespace = isPlainObject(item) && isPlainObject(item.namespace) ? item.namespace.code : undefined;
    if (typeof namespace !== 'string' || !namespace) {
      issues.push({
        path: `identities[${i}].namespace.code`,
        code: 'invalidIdentity',
        message: 'namespace code is required',
      });
      return;
    }
    const { namespace: _namespace, ...identity } = item as Record<string, unknown>;
    identityMap[namespace] = [...(identityMap[namespace] ?? []), identity];
  });
  if (issues.length > start) return;
  delete doc.identities;
  doc.identityMap = identityMap;
}
