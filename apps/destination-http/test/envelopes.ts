import type { ProfileChanged, SegmentMembership } from '@weft/xdm';
import { randomUUID } from 'node:crypto';
import profiles from './fixtures/profiles.json';

export type ProfileFixture = keyof typeof profiles;

/** Attributes of a fixture profile (a fresh copy), optionally changed. */
export function attributesOf(name: ProfileFixture, change: (a: Record<string, any>) => void = () => undefined): Record<string, any> {
  const copy = structuredClone(profiles[name]) as Record<string, any>;
  change(copy);
  return copy;
}

let clock = Date.now();
/** Versions grow across the whole test run, like the producers' versions do. */
const nextVersion = () => ++clock;

export const newProfileId = () => `profile-${randomUUID()}`;
export const newSegmentId = () => randomUUID();

/** A membership change as segmentation publishes it. */
export function membership(
  profileId: string,
  segmentId: string,
  status: SegmentMembership['status'],
  over: Partial<SegmentMembership> = {},
): SegmentMembership {
  return {
    profileId,
    segmentId,
    status,
    lastQualificationTime: Date.now(),
    identities: [
      { namespace: 'ECID', id: `ecid-${profileId}` },
      { namespace: 'Email', id: `${profileId}@example.com` },
    ],
    version: nextVersion(),
    attributes: null,
    ...over,
  };
}

/** A merged-profile change as the profile service publishes it. */
export function profileChanged(profileId: string, attributes: Record<string, unknown>, over: Partial<ProfileChanged> = {}): ProfileChanged {
  return {
    profileId,
    version: nextVersion(),
    deleted: false,
    changedPaths: Object.keys(attributes),
    attributes: JSON.stringify(attributes),
    identities: [
      { namespace: 'ECID', id: `ecid-${profileId}`, primary: true },
      { namespace: 'Email', id: `${profileId}@example.com`, primary: false },
    ],
    events: [],
    flags: [],
    mergePolicyId: 'default',
    updatedAt: Date.now(),
    ...over,
  };
}
