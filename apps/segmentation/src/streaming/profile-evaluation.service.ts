import { Injectable } from '@nestjs/common';
import { Clock } from '../clock/clock';
import { diffMemberships, type MembershipChange, type ProfileOutcome } from '../evaluation/membership-diff';
import { identityKeys, isEligible, type ProfileSnapshot } from '../evaluation/profile-snapshot';
import { MembershipsRepository } from '../memberships/memberships.repository';
import { MembershipsService, type ChangeSummary } from '../memberships/memberships.service';
import { SegmentsService } from '../segments/segments.service';

/**
 * Re-evaluates the streaming and edge segments for given profile snapshots and applies the status changes. Deleted
 * and flagged profiles exit every segment. `inSegment` of a batch segment reads its stored membership.
 */
@Injectable()
export class ProfileEvaluationService {
  constructor(
    private readonly segments: SegmentsService,
    private readonly memberships: MembershipsService,
    private readonly membershipRows: MembershipsRepository,
    private readonly clock: Clock,
  ) {}

  evaluate(snapshots: readonly ProfileSnapshot[]): Promise<ChangeSummary> {
    if (!snapshots.length) return Promise.resolve({ realized: 0, exited: 0 });
    const catalog = this.segments.catalog();
    const plan = catalog.streaming;
    const allIds = catalog.ordered.map((d) => d.id);
    const streamingIds = plan.segments.map((s) => s.id);
    const profileIds = new Set(snapshots.map((s) => s.profileId));
    return this.memberships.update({
      load: () => this.membershipRows.forProfiles([...profileIds]),
      covers: (profileId) => profileIds.has(profileId),
      decide: (existing) => {
        const now = this.clock.now();
        const live: ProfileOutcome[] = [];
        const gone: ProfileOutcome[] = [];
        for (const snapshot of snapshots) {
          const identities = () => identityKeys(snapshot.identities);
          if (!isEligible(snapshot)) {
            gone.push({ profileId: snapshot.profileId, profileVersion: snapshot.version, qualified: new Set(), identities });
            continue;
          }
          const rows = existing.get(snapshot.profileId);
          const stored = (segmentId: string) => rows?.get(segmentId)?.status === 'realized';
          const subject = {
            attributes: JSON.parse(snapshot.attributes) as unknown,
            events: JSON.parse(snapshot.events) as unknown[],
            mergePolicyId: snapshot.mergePolicyId,
          };
          live.push({
            profileId: snapshot.profileId,
            profileVersion: snapshot.version,
            qualified: plan.qualifying(subject, now, stored),
            identities,
          });
        }
        const changes: MembershipChange[] = diffMemberships(existing, live, { scope: streamingIds, now });
        // Every segment, including deleted ones, so nothing stays realized for a profile that left segmentation.
        changes.push(...diffMemberships(existing, gone, { scope: allIds, now, exitOutsideScope: true }));
        return changes;
      },
    });
  }
}

