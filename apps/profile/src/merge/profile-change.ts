import { changedPaths, jsonEqual, type JsonObject } from './attributes';

export interface ProfileIdentityValue {
  namespace: string;
  id: string;
  primary: boolean;
}

/** A merged profile as materialized. */
export interface MergedProfile {
  attributes: JsonObject;
  identities: ProfileIdentityValue[];
  flags: string[];
  eventCount: number;
}

/**
 * What changed between two materializations of a profile: the attribute paths that differ, plus `identityMap`
 * when its identities changed, `events` when it gained or lost events and `flags` when a guardrail flag changed.
 * Empty when nothing changed, and then nothing is published.
 */
export function profileChanges(before: MergedProfile | undefined, after: MergedProfile, newEvents: number): string[] {
  const paths = changedPaths(before?.attributes ?? {}, after.attributes);
  if (!jsonEqual(before?.identities ?? [], after.identities)) paths.push('identityMap');
  if (newEvents > 0 || (before?.eventCount ?? 0) !== after.eventCount) paths.push('events');
  if (!jsonEqual(before?.flags ?? [], after.flags)) paths.push('flags');
  return paths;
}

/** Identities in a stable order: primary ones first, then by namespace and id. */
export function sortIdentities(identities: ProfileIdentityValue[]): ProfileIdentityValue[] {
  return [...identities].sort(
    (a, b) => Number(b.primary) - Number(a.primary) || (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}
