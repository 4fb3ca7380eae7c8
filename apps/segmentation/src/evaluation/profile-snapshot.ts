import { PermanentMessageError } from '@weft/messaging';
import type { IdentityKey, ProfileChanged, ProfileEvent } from '@weft/xdm';

/** The latest known state of a profile, as the change feed delivered it (JSON columns stay text until evaluated). */
export interface ProfileSnapshot {
  readonly profileId: string;
  readonly version: number;
  readonly deleted: boolean;
  readonly flags: readonly string[];
  /** Merged profile attributes, JSON object text. */
  readonly attributes: string;
  /** `[{namespace, id, primary}]`, JSON text. */
  readonly identities: string;
  /** The profile's events as PQL sees them (`_id`, `timestamp`, `eventType` and the event's fields), JSON array text. */
  readonly events: string;
  readonly mergePolicyId: string;
  readonly updatedAt: number;
}

/** Deleted and guardrail-flagged profiles are left out of segmentation: they belong to no segment. */
export function isEligible(snapshot: Pick<ProfileSnapshot, 'deleted' | 'flags'>): boolean {
  return !snapshot.deleted && snapshot.flags.length === 0;
}

/** The snapshot a ProfileChanged envelope describes. Throws PermanentMessageError for payloads that are not JSON. */
export function snapshotFromChange(change: ProfileChanged): ProfileSnapshot {
  const deleted = change.deleted === true;
  if (!deleted) parseJson(change.attributes, 'attributes', change.profileId);
  return {
    profileId: change.profileId,
    version: change.version,
    deleted,
    flags: change.flags ?? [],
    attributes: deleted ? '{}' : change.attributes,
    identities: JSON.stringify(change.identities.map((i) => ({ namespace: i.namespace, id: i.id, primary: i.primary ?? false }))),
    events: deleted ? '[]' : JSON.stringify((change.events ?? []).map((e) => toPqlEvent(e, change.profileId))),
    mergePolicyId: change.mergePolicyId,
    updatedAt: change.updatedAt,
  };
}

/** An envelope event as PQL reads it: the event's own fields, with the envelope's id, time and type authoritative. */
export function toPqlEvent(event: ProfileEvent, profileId: string): Record<string, unknown> {
  const payload = parseJson(event.payload, `events[${event.id}].payload`, profileId);
  const fields = payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? payload : {};
  return {
    ...(fields as Record<string, unknown>),
    _id: event.id,
    timestamp: event.timestamp,
    ...(event.eventType ? { eventType: event.eventType } : {}),
  };
}

export function identityKeys(identitiesJson: string): IdentityKey[] {
  const list = JSON.parse(identitiesJson) as { namespace: string; id: string }[];
  return list.map((i) => ({ namespace: i.namespace, id: i.id }));
}

function parseJson(text: string, field: string, profileId: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new PermanentMessageError('invalid_json', `profile ${profileId}: ${field} is not JSON`, { cause: err });
  }
}
