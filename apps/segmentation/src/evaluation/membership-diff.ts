import type { IdentityKey, MembershipStatus } from '@weft/xdm';

/** A stored membership row. */
export interface StoredMembership {
  readonly profileId: string;
  readonly segmentId: string;
  readonly status: MembershipStatus;
  /** Grows with every status change of this profile in this segment. */
  readonly version: number;
  /** Version of the profile snapshot the status was computed from. */
  readonly profileVersion: number;
}

/** The result of evaluating one profile against the segments in scope. */
export interface ProfileOutcome {
  readonly profileId: string;
  /** Version of the snapshot evaluated; null when the profile has no eligible snapshot (it qualifies for nothing). */
  readonly profileVersion: number | null;
  /** The segments in scope that the profile qualifies for. */
  readonly qualified: ReadonlySet<string>;
  readonly identities: () => IdentityKey[];
}

/** A status change to store and publish. */
export interface MembershipChange {
  readonly profileId: string;
  readonly segmentId: string;
  readonly status: MembershipStatus;
  readonly version: number;
  readonly lastQualificationTime: number;
  readonly profileVersion: number;
  readonly identities: IdentityKey[];
}

export interface DiffOptions {
  /** The segments the outcomes were evaluated for. */
  readonly scope: readonly string[];
  readonly now: number;
  /** Also exit realized rows of the outcomes' profiles whose segment is outside the scope (deleted segments). */
  readonly exitOutsideScope?: boolean;
}

/**
 * Status changes between stored memberships and fresh outcomes: a profile enters (realized) a segment it now
 * qualifies for and exits a segment it was realized in and no longer qualifies for. Nothing else changes, so
 * replaying the same outcome is a no-op. Outcomes older than the profile version a row was computed from are skipped.
 */
export function diffMemberships(
  existing: ReadonlyMap<string, ReadonlyMap<string, StoredMembership>>,
  outcomes: readonly ProfileOutcome[],
  { scope, now, exitOutsideScope = false }: DiffOptions,
): MembershipChange[] {
  const changes: MembershipChange[] = [];
  const inScope = exitOutsideScope ? new Set(scope) : null;
  for (const outcome of outcomes) {
    const rows = existing.get(outcome.profileId);
    // Most profiles of a batch qualify for nothing and never did.
    if (rows === undefined && outcome.qualified.size === 0) continue;
    let identities: IdentityKey[] | undefined;
    const change = (segmentId: string, status: MembershipStatus, row: StoredMembership | undefined): void => {
      identities ??= outcome.identities();
      changes.push({
        profileId: outcome.profileId,
        segmentId,
        status,
        version: (row?.version ?? 0) + 1,
        lastQualificationTime: now,
        profileVersion: outcome.profileVersion ?? row?.profileVersion ?? 0,
        identities,
      });
    };
    for (const segmentId of scope) {
      const row = rows?.get(segmentId);
      if (row && outcome.profileVersion !== null && row.profileVersion > outcome.profileVersion) continue;
      const realized = row?.status === 'realized';
      const qualifies = outcome.qualified.has(segmentId);
      if (qualifies && !realized) change(segmentId, 'realized', row);
      else if (!qualifies && realized) change(segmentId, 'exited', row);
    }
    if (inScope && rows) {
      for (const row of rows.values()) {
        if (row.status === 'realized' && !inScope.has(row.segmentId)) change(row.segmentId, 'exited', row);
      }
    }
  }
  return changes;
}

/** Rows grouped by profile id, then segment id. */
export function indexMemberships(rows: readonly StoredMembership[]): Map<string, Map<string, StoredMembership>> {
  const index = new Map<string, Map<string, StoredMembership>>();
  for (const row of rows) {
    let bySegment = index.get(row.profileId);
    if (!bySegment) index.set(row.profileId, (bySegment = new Map()));
    bySegment.set(row.segmentId, row);
  }
  return index;
}
