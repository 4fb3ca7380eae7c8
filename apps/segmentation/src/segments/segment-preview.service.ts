import { Inject, Injectable } from '@nestjs/common';
import { CONFIG } from '@weft/platform';
import { Clock } from '../clock/clock';
import type { SegmentationConfig } from '../config';
import { ProfileSnapshotsRepository } from '../snapshots/profile-snapshots.repository';
import type { PreviewDto } from './segment.dto';
import { SegmentsService } from './segments.service';

const SAMPLE_SHOWN = 20;

/** Estimates a segment's size by evaluating it (and what it references) over a random sample of the profile store. */
@Injectable()
export class SegmentPreviewService {
  constructor(
    private readonly segments: SegmentsService,
    private readonly snapshots: ProfileSnapshotsRepository,
    private readonly clock: Clock,
    @Inject(CONFIG) private readonly config: SegmentationConfig,
  ) {}

  async preview(segmentId: string): Promise<PreviewDto> {
    await this.segments.get(segmentId);
    const plan = (await this.segments.refresh()).planFor(segmentId);
    const totalProfiles = await this.snapshots.countEligible();
    const sampled = await this.snapshots.sample(this.config.PREVIEW_SAMPLE_SIZE, totalProfiles);
    const now = this.clock.now();
    const sample: PreviewDto['sample'] = [];
    let matchedProfiles = 0;
    for (const snapshot of sampled) {
      const attributes: unknown = JSON.parse(snapshot.attributes);
      const subject = { attributes, events: JSON.parse(snapshot.events) as unknown[], mergePolicyId: snapshot.mergePolicyId };
      if (!plan.qualifying(subject, now).has(segmentId)) continue;
      matchedProfiles++;
      if (sample.length < SAMPLE_SHOWN) {
        sample.push({ profileId: snapshot.profileId, identities: JSON.parse(snapshot.identities), attributes });
      }
    }
    const estimatedSize = sampled.length ? Math.round((matchedProfiles / sampled.length) * totalProfiles) : 0;
    return { estimatedSize, totalProfiles, sampledProfiles: sampled.length, matchedProfiles, sample };
  }
}
