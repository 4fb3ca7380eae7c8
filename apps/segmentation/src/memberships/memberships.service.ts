import { Inject, Injectable } from '@nestjs/common';
import { MessagingClient } from '@weft/messaging';
import { AsyncMutex } from '../common/async-mutex';
import { SEGMENTATION_TOPICS, type SegmentationTopics } from '../common/topics';
import { indexMemberships, type MembershipChange, type StoredMembership } from '../evaluation/membership-diff';
import { MembershipsRepository } from './memberships.repository';

export interface ChangeSummary {
  realized: number;
  exited: number;
}

/**
 * The one writer of memberships. Streaming batches, sweeps and batch pages each read the current rows of their
 * profiles, decide the changes, publish them (one call) and then store them (one upsert), one writer at a time, so
 * versions never collide. Publishing first keeps at-least-once: if the store fails, the redelivered input finds the
 * old status and publishes the same change (same version) again.
 */
@Injectable()
export class MembershipsService {
  private readonly mutex = new AsyncMutex();

  constructor(
    private readonly repository: MembershipsRepository,
    private readonly messaging: MessagingClient,
    @Inject(SEGMENTATION_TOPICS) private readonly topics: SegmentationTopics,
  ) {}

  update(
    load: () => Promise<StoredMembership[]>,
    decide: (existing: Map<string, Map<string, StoredMembership>>) => MembershipChange[],
  ): Promise<ChangeSummary> {
    return this.mutex.run(async () => {
      const changes = decide(indexMemberships(await load()));
      await this.publish(changes);
      await this.repository.save(changes);
      let realized = 0;
      for (const c of changes) if (c.status === 'realized') realized++;
      return { realized, exited: changes.length - realized };
    });
  }

  private async publish(changes: readonly MembershipChange[]): Promise<void> {
    if (!changes.length) return;
    await this.messaging.publish(
      this.topics.segmentMembership,
      changes.map((c) => ({
        key: c.profileId,
        value: {
          profileId: c.profileId,
          segmentId: c.segmentId,
          status: c.status,
          lastQualificationTime: c.lastQualificationTime,
          identities: c.identities,
          version: c.version,
          attributes: c.attributes,
        },
      })),
    );
  }
}
