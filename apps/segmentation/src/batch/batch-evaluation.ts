import { Injectable } from '@nestjs/common';
import { diffMemberships, type ProfileOutcome } from '../evaluation/membership-diff';
import { identityKeys, type ProfileSnapshot } from '../evaluation/profile-snapshot';
import type { SegmentPlan } from '../evaluation/segment-plan';
import { MembershipsRepository } from '../memberships/memberships.repository';
import { MembershipsService, type ChangeSummary } from '../memberships/memberships.service';
import { ProfileSnapshotsRepository } from '../snapshots/profile-snapshots.repository';
import { EvaluationPool } from './evaluation-pool';

export interface BatchOptions {
  plan: SegmentPlan;
  now: number;
  pageSize: number;
  workers: number;
  onProgress?: (progress: { processed: number; realized: number; exited: number }) => Promise<void>;
}

/**
 * Evaluates every segment of `plan` over every eligible profile, page by page in profile id order (memory stays
 * bounded by the page size). Worker threads evaluate page k while the main thread writes page k-1 and reads page
 * k+1, and storing page k-1 overlaps publishing page k. Each page's id range is diffed against the stored memberships of that range, so realized memberships of
 * profiles no longer eligible (deleted, flagged) and of deleted segments exit too.
 */
@Injectable()
export class BatchEvaluation {
  constructor(
    private readonly snapshots: ProfileSnapshotsRepository,
    private readonly membershipRows: MembershipsRepository,
    private readonly memberships: MembershipsService,
  ) {}

  async run({ plan, now, pageSize, workers, onProgress }: BatchOptions): Promise<ChangeSummary & { processed: number }> {
    const pool = await EvaluationPool.start(workers, plan.segments);
    const scope = plan.segments.map((s) => s.id);
    const totals = { processed: 0, realized: 0, exited: 0 };
    const applyRange = async (after: string | null, upTo: string | null, page: readonly ProfileSnapshot[], flags: Uint8Array) => {
      const summary = await this.memberships.update({
        load: () => this.membershipRows.inRange(after, upTo),
        covers: (profileId) => (after === null || profileId > after) && (upTo === null || profileId <= upTo),
        decide: (existing) => {
          const outcomes: ProfileOutcome[] = page.map((snapshot, i) => ({
            profileId: snapshot.profileId,
            profileVersion: snapshot.version,
            qualified: plan.idsOf(flags, i * plan.size),
            identities: () => identityKeys(snapshot.identities),
          }));
          const evaluated = new Set(page.map((s) => s.profileId));
          for (const profileId of existing.keys()) {
            if (!evaluated.has(profileId)) outcomes.push(this.absent(profileId));
          }
          return diffMemberships(existing, outcomes, { scope, now, exitOutsideScope: true });
        },
      });
      totals.processed += page.length;
      totals.realized += summary.realized;
      totals.exited += summary.exited;
      await onProgress?.({ ...totals });
    };

    try {
      let after: string | null = null;
      let next = this.snapshots.eligiblePage(after, pageSize);
      // At most two pages being written: one publishing, the one before it storing.
      const writes: Promise<void>[] = [];
      for (;;) {
        const page = await next;
        if (!page.length) break;
        const upTo = page[page.length - 1]!.profileId;
        next = this.snapshots.eligiblePage(upTo, pageSize);
        next.catch(() => undefined); // awaited on the next turn; this only keeps an early failure from going unhandled
        const flags = await pool.evaluate(page, now);
        if (writes.length >= 2) await writes.shift();
        const write = applyRange(after, upTo, page, flags);
        write.catch(() => undefined); // awaited below, as above
        writes.push(write);
        after = upTo;
      }
      await Promise.all(writes);
      await applyRange(after, null, [], new Uint8Array(0));
    } finally {
      await pool.close();
    }
    return totals;
  }

  /** A profile with stored memberships but no eligible snapshot: it qualifies for nothing. */
  private absent(profileId: string): ProfileOutcome {
    return { profileId, profileVersion: null, qualified: new Set(), identities: () => [] };
  }
}
