import { PermanentMessageError } from '@weft/messaging';
import { formatIdentityKey, type ResolvedEnvelope } from '@weft/xdm';
import { applyChange, isPlainObject, recordAttributes, type Fragment, type JsonObject } from '../merge';

export interface FragmentChange {
  profileId: string;
  fragment: Fragment;
}

export interface EventRow {
  id: string;
  timestamp: number;
  profileId: string;
  datasetId: string;
  primaryIdentity: string;
  eventType: string | null;
  /** The event document as JSON text. */
  payload: string;
  receivedAt: number;
}

export interface IdentityRow {
  namespace: string;
  id: string;
  profileId: string;
  isPrimary: boolean;
}

/** What one consumed batch of resolved documents writes, folded so each key is written once. */
export interface ResolvedBatch {
  /** Record changes by `<datasetId>\u0000<primaryIdentity>`, folded in arrival order. */
  fragments: Map<string, FragmentChange>;
  /** Events by _id (the first occurrence wins; later copies are replays). */
  events: EventRow[];
  identities: IdentityRow[];
}

export function fragmentKey(datasetId: string, primaryIdentity: string): string {
  return `${datasetId}\u0000${primaryIdentity}`;
}

/** The identity a document's data is keyed by: the envelope's primary identity, else the profile itself. */
export function primaryIdentityOf(envelope: ResolvedEnvelope): string {
  const primary = envelope.primaryIdentity ?? envelope.identities.find((i) => i.primary) ?? envelope.identities[0];
  return primary ? formatIdentityKey(primary) : `_profile:${envelope.profileId}`;
}

function parsePayload(envelope: ResolvedEnvelope): JsonObject {
  let document: unknown;
  try {
    document = JSON.parse(envelope.payload);
  } catch (err) {
    throw new PermanentMessageError('invalid_payload', `document ${envelope.id}: payload is not JSON`, { cause: err });
  }
  if (!isPlainObject(document)) throw new PermanentMessageError('invalid_payload', `document ${envelope.id}: payload is not a JSON object`);
  return document;
}

/**
 * Folds a batch of resolved documents into the rows it writes. `redirect` maps profile ids that a merge folded
 * into another (documents stitched before the merge was seen) to the surviving id.
 */
export function foldResolvedBatch(envelopes: readonly ResolvedEnvelope[], redirect: (profileId: string) => string): ResolvedBatch {
  const fragments = new Map<string, FragmentChange>();
  const events = new Map<string, EventRow>();
  const identities = new Map<string, IdentityRow>();
  for (const envelope of envelopes) {
    const profileId = redirect(envelope.profileId);
    const primaryIdentity = primaryIdentityOf(envelope);
    const document = parsePayload(envelope);
    for (const identity of envelope.identities) {
      const key = formatIdentityKey(identity);
      const isPrimary = key === primaryIdentity || identity.primary === true;
      const seen = identities.get(key);
      identities.set(key, { namespace: identity.namespace, id: identity.id, profileId, isPrimary: isPrimary || (seen?.isPrimary ?? false) });
    }
    switch (envelope.kind) {
      case 'record': {
        const key = fragmentKey(envelope.datasetId, primaryIdentity);
        const change: Fragment = {
          datasetId: envelope.datasetId,
          primaryIdentity,
          attributes: recordAttributes(document),
          timestamp: envelope.timestamp,
          receivedAt: envelope.receivedAt,
        };
        fragments.set(key, { profileId, fragment: applyChange(fragments.get(key)?.fragment, change) });
        break;
      }
      case 'event':
        if (!events.has(envelope.id)) {
          events.set(envelope.id, {
            id: envelope.id,
            timestamp: envelope.timestamp,
            profileId,
            datasetId: envelope.datasetId,
            primaryIdentity,
            eventType: typeof document['eventType'] === 'string' ? document['eventType'] : null,
            payload: envelope.payload,
            receivedAt: envelope.receivedAt,
          });
        }
        break;
    }
  }
  return { fragments, events: [...events.values()], identities: [...identities.values()] };
}

export function emptyBatch(): ResolvedBatch {
  return { fragments: new Map(), events: [], identities: [] };
}

/** The batch with every row's profile id passed through `redirect` (ids a merge folded into a survivor). */
export function redirectBatch(batch: ResolvedBatch, redirect: (profileId: string) => string): ResolvedBatch {
  const fragments = new Map<string, FragmentChange>();
  for (const [key, change] of batch.fragments) fragments.set(key, { ...change, profileId: redirect(change.profileId) });
  return {
    fragments,
    events: batch.events.map((e) => ({ ...e, profileId: redirect(e.profileId) })),
    identities: batch.identities.map((i) => ({ ...i, profileId: redirect(i.profileId) })),
  };
}

function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * Splits a folded batch into at most `parts` batches that write disjoint profiles (by a hash of the profile id
 * every row is written to), so they can be applied side by side. Empty parts are left out.
 */
export function splitByProfile(batch: ResolvedBatch, parts: number): ResolvedBatch[] {
  const out = Array.from({ length: parts }, emptyBatch);
  const of = (profileId: string) => out[hash(profileId) % parts];
  for (const [key, change] of batch.fragments) of(change.profileId).fragments.set(key, change);
  for (const e of batch.events) of(e.profileId).events.push(e);
  for (const i of batch.identities) of(i.profileId).identities.push(i);
  return out.filter((b) => b.fragments.size || b.events.length || b.identities.length);
}
