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

export interface MembershipUpdate {
  /** Reads the stored rows of the profiles being evaluated. */
  load: () => Promise<StoredMembership[]>;
  /** Whether a profile is among those `load` reads (changes still being written are laid over them). */
  covers: (profileId: string) => boolean;
  /** The changes, from the current rows grouped by profile then segment. */
  decide: (existing: Map<string, Map<string, StoredMembership>>) => MembershipChange[];
}

/**
 * The one writer of memberships. Streaming batches, sweeps and batch pages each read the current rows of their
 * profiles, decide the changes and publish them (one call), one at a time so versions never collide; then the changes
 * are stored (one upsert). Storing overlaps the next update, whose reads see the changes still being stored.
 * Publishing before storing keeps at-least-once: if the store fails, the redelivered input finds the old status and
 * publishes the same change (same version) again. `update` resolves once its changes are stored.
 */
@Injectable()
export class MembershipsService {
  private readonly mutex = new AsyncMutex();
  /** Changes published and not yet stored, by profile id. */
  private readonly storing = new Map<string, MembershipChange[]>();

  constructor(
    private readonly repository: MembershipsRepository,
    private readonly messaging: MessagingClient,
    @Inject(SEGMENTATION_TOPICS) private readonly topics: SegmentationTopics,
  ) {}

  async update({ load, covers, decide }: MembershipUpdate): Promise<ChangeSummary> {
    const { changes, stored } = await this.mutex.run(async () => {
      const existing = indexMemberships(await load());
      this.overlayStoring(existing, covers);
      const decided = decide(existing);
      await this.publish(decided);
      return { changes: decided, stored: this.store(decided) };
    });
    await stored;
    let realized = 0;
    for (const c of changes) if (c.status === 'realized') realized++;
    return { realized, exited: changes.length - realized };
  }

  private async store(changes: MembershipChange[]): Promise<void> {
    if (!changes.length) return;
    for (const change of changes) {
      const list = this.storing.get(change.profileId);
      if (list) list.push(change);
      else this.storing.set(change.profileId, [change]);
    }
    try {
      await this.repository.save(changes);
    } finally {
      for (const change of changes) {
        const list = this.storing.get(change.profileId);
        const rest = list?.filter((c) => c !== change) ?? [];
        if (rest.length) this.storing.set(change.profileId, rest);
        else this.storing.delete(change.profileId);
      }
    }
  }

  private overlayStoring(existing: Map<string, Map<string, StoredMembership>>, covers: (profileId: string) => boolean): void {
    for (const [profileId, changes] of this.storing) {
      if (!covers(profileId)) continue;
      let rows = existing.get(profileId);
      if (!rows) existing.set(profileId, (rows = new Map()));
      for (const c of changes) {
        const row = rows.get(c.segmentId);
        if (!row || row.version < c.version) {
          rows.set(c.segmentId, { profileId, segmentId: c.segmentId, status: c.status, version: c.version, profileVersion: c.profileVersion });
        }
      }
    }
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
          // Destinations read identities from the event and attributes from the profile feed; events stay small.
          attributes: null,
        },
      })),
    );
  }
}
