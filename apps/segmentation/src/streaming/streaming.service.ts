import { Injectable } from '@nestjs/common';
import type { ProfileChanged } from '@weft/xdm';
import { snapshotFromChange } from '../evaluation/profile-snapshot';
import type { ChangeSummary } from '../memberships/memberships.service';
import { ProfileSnapshotsRepository } from '../snapshots/profile-snapshots.repository';
import { ProfileEvaluationService } from './profile-evaluation.service';

/**
 * Applies a consumed batch of profile changes: the newest version of each profile replaces its snapshot (older
 * versions than the stored one are ignored), then streaming segments are re-evaluated for those profiles.
 */
@Injectable()
export class StreamingService {
  constructor(
    private readonly snapshots: ProfileSnapshotsRepository,
    private readonly evaluation: ProfileEvaluationService,
  ) {}

  async apply(changes: readonly ProfileChanged[]): Promise<ChangeSummary> {
    const newest = new Map<string, ProfileChanged>();
    for (const change of changes) {
      const seen = newest.get(change.profileId);
      if (!seen || seen.version <= change.version) newest.set(change.profileId, change);
    }
    const snapshots = [...newest.values()].map(snapshotFromChange);
    const stored = await this.snapshots.save(snapshots);
    return this.evaluation.evaluate(snapshots.filter((s) => stored.has(s.profileId)));
  }
}
