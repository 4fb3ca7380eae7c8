import { createHash } from 'node:crypto';
import {
  checkIdentity,
  DEFAULT_GRAPH_LIMITS,
  GraphConfig,
  type NamespaceConfig,
} from '@weft/identity-graph';
import {
  canonicalJson,
  extractIdentities,
  normalizeXdm,
  XdmValidationError,
  type Identity,
  type IngestEnvelope,
  type IngestSource,
  type XdmIssueCode,
} from '@weft/xdm';
import { fieldErrors, type CompiledSchema } from '../xdm-schemas/schema-compiler';
import { ingestError, type IngestError, type IngestErrorCode } from './ingest-codes';

export interface IngestLimits {
  maxEventBytes: number;
  maxRecordBytes: number;
  maxIdentities: number;
}

export const DEFAULT_LIMITS: IngestLimits = { maxEventBytes: 10 * 1024, maxRecordBytes: 100 * 1024, maxIdentities: 20 };

/** What validation needs to know about a dataset. */
export interface DatasetTarget {
  id: string;
  kind: 'record' | 'event';
  schema: CompiledSchema;
  /** Avro form of the schema in the registry, when registered. */
  payloadSchemaId: number | null;
  /** ECIDs must be 38 digits (default); off for data with legacy ECIDs. */
  validateEcid: boolean;
}

export interface ValidationContext {
  source: IngestSource;
  receivedAt: number;
  batchId?: string | null;
  /** Id given to a document without `_id` (deterministic per batch row). */
  defaultId?: string;
  /** Convert scalar strings to the field's type (CSV cells). */
  coerce?: boolean;
}

export type ValidationResult =
  | { ok: true; envelope: IngestEnvelope }
  | { ok: false; id: string | null; errors: IngestError[] };

/** Placeholder values that identify nobody (the identity graph's list, plus `undefined` from JavaScript clients). */
const PLACEHOLDERS = new Set(['null', 'anonymous', 'invalid', 'undefined']);

/** Identity namespaces by how well they key a document when none is marked primary (lower first). */
const NAMESPACE_PRIORITY: Readonly<Record<string, number>> = { ECID: 1, CRMID: 2, Email: 3, Phone: 4, AAID: 5, GAID: 6, IDFA: 7 };

const XDM_CODES: Readonly<Record<XdmIssueCode, IngestErrorCode>> = {
  unknownField: 'UNKNOWN_FIELD',
  missingField: 'MISSING_FIELD',
  typeMismatch: 'TYPE_MISMATCH',
  invalidEnum: 'INVALID_ENUM',
  invalidTimestamp: 'INVALID_FORMAT',
  invalidDate: 'INVALID_FORMAT',
  unknownNamespace: 'UNKNOWN_NAMESPACE',
  invalidIdentity: 'INVALID_IDENTITY',
  multiplePrimaryIdentities: 'MULTIPLE_PRIMARY_IDENTITIES',
};

/** The identity graph's value rules, for any namespace (which namespaces exist is the identity service's business). */
class AnyNamespace extends GraphConfig {
  override namespace(code: string): NamespaceConfig {
    return super.namespace(code) ?? { code, type: 'CROSS_DEVICE', priority: 1, unique: false };
  }
}

/**
 * Turns one inbound message into an accepted envelope or the list of every rule it broke. Pure and synchronous:
 * the same message always gets the same answer, which is what makes replay and batch re-processing safe.
 */
export class DocumentValidator {
  private readonly identityRules: GraphConfig;

  constructor(private readonly limits: IngestLimits = DEFAULT_LIMITS) {
    this.identityRules = new AnyNamespace([], { ...DEFAULT_GRAPH_LIMITS, maxIdentitiesPerRecord: limits.maxIdentities });
  }

  validate(input: unknown, dataset: DatasetTarget, ctx: ValidationContext): ValidationResult {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return rejected(null, [ingestError('NOT_AN_OBJECT', `a message must be a JSON object, got ${describe(input)}`)]);
    }
    let doc = input as Record<string, unknown>;
    if (isJsonLd(doc)) {
      try {
        doc = normalizeXdm(input);
      } catch (err) {
        return rejected(readId(input), xdmErrors(err));
      }
    }
    if (ctx.defaultId !== undefined && (doc._id === undefined || doc._id === '')) doc._id = ctx.defaultId;
    const id = readId(doc);
    const errors: IngestError[] = [];
    const isEvent = dataset.kind === 'event';
    if (isEvent && id === null) errors.push(ingestError('MISSING_ID', 'an event needs an _id (a unique string)', '_id'));
    if (isEvent && (doc.timestamp === undefined || doc.timestamp === null)) {
      errors.push(ingestError('MISSING_TIMESTAMP', 'an event needs a timestamp (ISO 8601 date-time with zone)', 'timestamp'));
    }
    const validate = ctx.coerce ? dataset.schema.validateCoercing() : dataset.schema.validate;
    if (!validate(doc)) {
      for (const e of fieldErrors(validate.errors)) {
        if (e.code === 'MISSING_FIELD' && (e.path === '_id' || e.path === 'timestamp') && isEvent) continue;
        errors.push(e as IngestError);
      }
    }
    const payload = JSON.stringify(doc);
    const max = isEvent ? this.limits.maxEventBytes : this.limits.maxRecordBytes;
    // UTF-8 needs at most 3 bytes per UTF-16 unit, so most documents are within the limit without counting bytes.
    const bytes = payload.length * 3 <= max ? payload.length : Buffer.byteLength(payload);
    if (bytes > max) {
      errors.push(
        ingestError(
          isEvent ? 'EVENT_TOO_LARGE' : 'RECORD_TOO_LARGE',
          `${isEvent ? 'an event' : 'a record'} may be at most ${max} bytes, this one is ${bytes}`,
        ),
      );
    }
    const identities = this.identities(doc, dataset, errors);
    if (errors.length) return rejected(id, errors);

    const primary = choosePrimary(identities);
    const timestamp = typeof doc.timestamp === 'string' ? Date.parse(doc.timestamp) : ctx.receivedAt;
    return {
      ok: true,
      envelope: {
        id: id ?? contentId(dataset.id, doc),
        datasetId: dataset.id,
        schemaId: dataset.schema.definition.id,
        kind: dataset.kind,
        timestamp,
        receivedAt: ctx.receivedAt,
        identities,
        primaryIdentity: primary ? { namespace: primary.namespace, id: primary.id } : null,
        source: ctx.source,
        batchId: ctx.batchId ?? null,
        payloadSchemaId: dataset.payloadSchemaId,
        payload,
      },
    };
  }

  private identities(doc: Record<string, unknown>, dataset: DatasetTarget, errors: IngestError[]): Required<Identity>[] {
    const before = errors.length;
    checkPlaceholders(doc.identityMap, errors);
    if (errors.length > before) return [];
    let identities: Required<Identity>[];
    try {
      identities = extractIdentities(doc).identities;
    } catch (err) {
      errors.push(...xdmErrors(err));
      return [];
    }
    for (const field of dataset.schema.identityFields) {
      const value = valueAt(doc, field.path);
      if (value === undefined || value === null) continue;
      if (typeof value !== 'string') continue; // the schema validator already reported the type
      if (isPlaceholder(value)) {
        errors.push(placeholderError(field.path, value));
        continue;
      }
      const seen = identities.find((i) => i.namespace === field.namespace && i.id === value);
      if (seen) seen.primary ||= field.primary === true;
      else identities.push({ namespace: field.namespace, id: value, authenticatedState: 'ambiguous', primary: field.primary === true });
    }
    if (identities.length > this.limits.maxIdentities) {
      errors.push(
        ingestError(
          'RECORD_TOO_MANY_IDENTITIES',
          `a message may carry at most ${this.limits.maxIdentities} identities, this one has ${identities.length}`,
          'identityMap',
        ),
      );
    }
    for (const identity of identities) {
      const issue = checkIdentity(identity, this.identityRules);
      if (!issue || issue.code === 'IDENTITY_UNKNOWN_NAMESPACE') continue;
      if (issue.code === 'IDENTITY_INVALID_ECID' && !dataset.validateEcid) continue;
      errors.push(ingestError(issue.code, issue.message, identityPath(doc, identity)));
    }
    let primaries = 0;
    for (const identity of identities) if (identity.primary) primaries++;
    if (primaries > 1) {
      errors.push(
        ingestError(
          'MULTIPLE_PRIMARY_IDENTITIES',
          `only one identity may be primary, found ${identities.filter((i) => i.primary).map((i) => `${i.namespace}:${i.id}`).join(', ')}`,
          'identityMap',
        ),
      );
    }
    return identities;
  }
}

/**
 * Whether a document uses the JSON-LD form (prefixed or URI keys, `@id`, a legacy `identities` array) and so needs
 * normalizeXdm. Documents in the plain form, by far the most common, skip the copy normalizing makes.
 */
export function isJsonLd(doc: Record<string, unknown>): boolean {
  return Array.isArray(doc.identities) || hasJsonLdKey(doc);
}

function hasJsonLdKey(value: object): boolean {
  if (Array.isArray(value)) {
    for (const item of value) if (typeof item === 'object' && item !== null && hasJsonLdKey(item as object)) return true;
    return false;
  }
  for (const key in value) {
    if (key.charCodeAt(0) === 64 /* @ */ || key.includes(':')) return true;
    // Scalars, most of a document, are skipped without a call.
    const child = (value as Record<string, unknown>)[key];
    if (typeof child === 'object' && child !== null && hasJsonLdKey(child)) return true;
  }
  return false;
}

/** The identity marked primary; else the first of the best-ranked namespace (ECID, CRMID, Email, Phone, …). */
export function choosePrimary(identities: readonly Required<Identity>[]): Required<Identity> | undefined {
  const marked = identities.find((i) => i.primary);
  if (marked) return marked;
  let best: Required<Identity> | undefined;
  for (const identity of identities) {
    if (!best || rank(identity.namespace) < rank(best.namespace)) best = identity;
  }
  return best;
}

function rank(namespace: string): number {
  return NAMESPACE_PRIORITY[namespace] ?? 100;
}

function checkPlaceholders(identityMap: unknown, errors: IngestError[]): void {
  if (typeof identityMap !== 'object' || identityMap === null || Array.isArray(identityMap)) return;
  for (const namespace in identityMap) {
    const items = (identityMap as Record<string, unknown>)[namespace];
    if (!Array.isArray(items)) continue;
    for (let i = 0; i < items.length; i++) {
      const id = (items[i] as { id?: unknown } | null)?.id;
      if (typeof id === 'string' && isPlaceholder(id)) errors.push(placeholderError(`identityMap.${namespace}[${i}].id`, id));
    }
  }
}

/** Longest placeholder (anonymous, undefined). */
const PLACEHOLDER_MAX_LENGTH = 9;

function isPlaceholder(value: string): boolean {
  const v = value.trim();
  if (v.length > PLACEHOLDER_MAX_LENGTH) return false;
  return v === '' || PLACEHOLDERS.has(v.toLowerCase());
}

function placeholderError(path: string, value: string): IngestError {
  return ingestError(
    'IDENTITY_BLOCKED_VALUE',
    `${path} is ${JSON.stringify(value)}: empty values and placeholders (null, anonymous, invalid, undefined) identify nobody`,
    path,
  );
}

function identityPath(doc: Record<string, unknown>, identity: Identity): string {
  const items = (doc.identityMap as Record<string, unknown[]> | undefined)?.[identity.namespace];
  const index = Array.isArray(items) ? items.findIndex((i) => (i as { id?: unknown })?.id === identity.id) : -1;
  return index >= 0 ? `identityMap.${identity.namespace}[${index}].id` : 'identityMap';
}

function valueAt(doc: Record<string, unknown>, path: string): unknown {
  let node: unknown = doc;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** The `_id` (or JSON-LD `@id`) of a message, when it has a usable one. */
export function readId(doc: object): string | null {
  const id = (doc as { _id?: unknown; '@id'?: unknown })._id ?? (doc as { '@id'?: unknown })['@id'];
  return typeof id === 'string' && id.trim() !== '' ? id : null;
}

/** Records without `_id` get an id from their content, so re-sending the same record is harmless. */
function contentId(datasetId: string, doc: Record<string, unknown>): string {
  return createHash('sha256').update(datasetId).update('\u0000').update(canonicalJson(doc)).digest('hex').slice(0, 32);
}

function xdmErrors(err: unknown): IngestError[] {
  if (err instanceof XdmValidationError) return err.issues.map((i) => ingestError(XDM_CODES[i.code], `${i.path || 'document'}: ${i.message}`, i.path));
  throw err;
}

function rejected(id: string | null, errors: IngestError[]): ValidationResult {
  return { ok: false, id, errors };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
