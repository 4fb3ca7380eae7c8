import { isPlainObject, layer, type JsonObject } from './attributes';

/** Profile attributes one dataset holds for one primary identity. */
export interface Fragment {
  datasetId: string;
  /** `<namespace>:<id>` of the record's primary identity. */
  primaryIdentity: string;
  attributes: JsonObject;
  /** Time of the newest change the fragment holds (the envelope's timestamp), epoch ms. */
  timestamp: number;
  /** When ingestion received that change, epoch ms. */
  receivedAt: number;
}

/**
 * The field a source system may set to say when it last changed a record. When present it orders fragments
 * under a timestamp-ordered merge policy instead of the ingestion time (XDM field group
 * "External Source System Audit Details", as Experience Platform does).
 */
export const LAST_UPDATED_PATH = ['extSourceSystemAudit', 'lastUpdatedDate'] as const;

/** Fields of a record that are not profile attributes: identities travel separately, `_id` names the record. */
const NON_ATTRIBUTE_FIELDS = new Set(['identityMap', '_id']);

/** The profile attributes of an XDM record document. */
export function recordAttributes(document: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(document)) if (!NON_ATTRIBUTE_FIELDS.has(key)) out[key] = value;
  return out;
}

/** The source system's last update time of a fragment (epoch ms), or undefined when it has none that parses. */
export function customLastUpdated(attributes: JsonObject): number | undefined {
  let value: unknown = attributes;
  for (const key of LAST_UPDATED_PATH) value = isPlainObject(value) ? value[key] : undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/** Envelope order of two changes: timestamp, then ingestion time. */
export function compareChanges(a: Pick<Fragment, 'timestamp' | 'receivedAt'>, b: Pick<Fragment, 'timestamp' | 'receivedAt'>): number {
  return a.timestamp - b.timestamp || a.receivedAt - b.receivedAt;
}

/**
 * Applies a record change to the fragment it belongs to. A change at least as new as the fragment patches it
 * (its values win); an older change that arrives late only fills attributes the fragment lacks. Applying the same
 * change again, or any change already applied, leaves the fragment as it is, so replays are harmless.
 */
export function applyChange(stored: Fragment | undefined, change: Fragment): Fragment {
  if (!stored) return change;
  if (compareChanges(change, stored) >= 0) {
    return { ...stored, attributes: layer(stored.attributes, change.attributes), timestamp: change.timestamp, receivedAt: change.receivedAt };
  }
  return { ...stored, attributes: layer(change.attributes, stored.attributes) };
}
