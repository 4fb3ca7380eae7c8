import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CONFIG } from '@weft/platform';
import type { SegmentationConfig } from '../config';
import { MembershipsRepository } from '../memberships/memberships.repository';
import type { ChangeSummary } from '../memberships/memberships.service';
import { SegmentsService } from '../segments/segments.service';
import { ProfileSnapshotsRepository } from '../snapshots/profile-snapshots.repository';
import { ProfileEvaluationService } from './profile-evaluation.service';

const PAGE = 1_000;
const SWEEP = 'segmentation.sweep';

/**
 * Time passes without new data: a profile that "checked out within the last 24 hours" must leave the segment when
 * the window closes. On an interval, every profile realized in a time-bound streaming segment is re-evaluated at the
 * clock's now from its stored snapshot.
 */
@Injectable()
export class SweepService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SweepService.name);
  private running: Promise<ChangeSummary> | null = null;

  constructor(
    private readonly segments: SegmentsService,
    private readonly memberships: MembershipsRepository,
    private readonly snapshots: ProfileSnapshotsRepository,
    private readonly evaluation: ProfileEvaluationService,
    private readonly scheduler: SchedulerRegistry,
    @Inject(CONFIG) private readonly config: SegmentationConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.SWEEP_INTERVAL_MS <= 0) return;
    const timer = setInterval(() => {
      this.sweep().catch((err: unknown) => this.logger.error(`sweep failed: ${err instanceof Error ? err.stack : String(err)}`));
    }, this.config.SWEEP_INTERVAL_MS);
    timer.unref();
    this.scheduler.addInterval(SWEEP, timer);
  }

  async onModuleDestroy(): Promise<void> {
    if (this.scheduler.doesExist('interval', SWEEP)) this.scheduler.deleteInterval(SWEEP);
    // A pass in progress finishes while the database is still open.
    await this.running?.catch(() => undefined);
  }

  /** One pass; a call while a pass runs joins it. */
  sweep(): Promise<ChangeSummary> {
    this.running ??= this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async pass(): Promise<ChangeSummary> {
    const catalog = await this.segments.refresh();
    const total: ChangeSummary = { realized: 0, exited: 0 };
    let after: string | null = null;
    for (;;) {
      const ids = await this.memberships.realizedProfiles(catalog.timeBoundStreamingIds, after, PAGE);
      if (!ids.length) break;
      const summary = await this.evaluation.evaluate(await this.snapshots.byIds(ids));
      total.realized += summary.realized;
      total.exited += summary.exited;
      after = ids[ids.length - 1]!;
    }
    if (total.realized || total.exited) this.logger.log(`sweep: ${total.realized} realized, ${total.exited} exited`);
    return total;
  }
}
