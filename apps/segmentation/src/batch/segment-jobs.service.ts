import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectRepository } from '@nestjs/typeorm';
import { CONFIG, NotFoundError } from '@weft/platform';
import { CronJob } from 'cron';
import type { Repository } from 'typeorm';
import { Clock } from '../clock/clock';
import type { SegmentationConfig } from '../config';
import { SegmentsService } from '../segments/segments.service';
import { ProfileSnapshotsRepository } from '../snapshots/profile-snapshots.repository';
import { BatchEvaluation } from './batch-evaluation';
import { SegmentJobEntity, type SegmentJobTrigger } from './segment-job.entity';

const DAILY = 'segmentation.batch';

/**
 * Batch jobs: on the daily schedule (BATCH_CRON) and on demand. Jobs run one at a time, in the order asked; a job
 * that was running when the service stopped is marked failed at the next start.
 */
@Injectable()
export class SegmentJobsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SegmentJobsService.name);
  private queue: Promise<void> = Promise.resolve();

  constructor(
    @InjectRepository(SegmentJobEntity) private readonly jobs: Repository<SegmentJobEntity>,
    private readonly segments: SegmentsService,
    private readonly snapshots: ProfileSnapshotsRepository,
    private readonly batch: BatchEvaluation,
    private readonly clock: Clock,
    private readonly scheduler: SchedulerRegistry,
    @Inject(CONFIG) private readonly config: SegmentationConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.update(
      [{ status: 'running' }, { status: 'queued' }],
      { status: 'failed', error: 'interrupted: the service stopped while the job was pending', finishedAt: new Date(this.clock.now()) },
    );
    if (this.config.BATCH_CRON === 'off') return;
    const job = CronJob.from({
      cronTime: this.config.BATCH_CRON,
      timeZone: 'UTC',
      onTick: () => {
        this.start('schedule').catch((err: unknown) => this.logger.error(`scheduled batch job failed to start: ${String(err)}`));
      },
    });
    this.scheduler.addCronJob(DAILY, job);
    job.start();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.scheduler.doesExist('cron', DAILY)) this.scheduler.deleteCronJob(DAILY);
    await this.queue;
  }

  /** Queues a job and returns it at once; `done` settles when it has finished. */
  async start(trigger: SegmentJobTrigger): Promise<{ job: SegmentJobEntity; done: Promise<SegmentJobEntity> }> {
    const job = await this.jobs.save(this.jobs.create({ trigger, status: 'queued' }));
    const done = this.queue.then(() => this.run(job.id));
    this.queue = done.then(
      () => undefined,
      () => undefined,
    );
    return { job, done };
  }

  async get(id: string): Promise<SegmentJobEntity> {
    const job = /^[0-9a-f-]{36}$/i.test(id) ? await this.jobs.findOneBy({ id }) : null;
    if (!job) throw new NotFoundError('segment job', id);
    return job;
  }

  list(limit: number): Promise<SegmentJobEntity[]> {
    return this.jobs.find({ order: { createdAt: 'DESC' }, take: limit });
  }

  private async run(id: string): Promise<SegmentJobEntity> {
    const catalog = await this.segments.refresh();
    const now = this.clock.now();
    const totalProfiles = await this.snapshots.countEligible();
    await this.jobs.update(id, { status: 'running', startedAt: new Date(now), totalProfiles, segmentCount: catalog.all.size });
    const started = performance.now();
    try {
      const result = await this.batch.run({
        plan: catalog.all,
        now,
        pageSize: this.config.BATCH_PAGE_SIZE,
        workers: this.config.BATCH_WORKERS,
        onProgress: async (p) => {
          await this.jobs.update(id, { processedProfiles: p.processed, realized: p.realized, exited: p.exited });
        },
      });
      await this.jobs.update(id, { status: 'succeeded', finishedAt: new Date(this.clock.now()) });
      this.logger.log(
        `batch job ${id}: ${result.processed} profiles x ${catalog.all.size} segments in ${Math.round(performance.now() - started)} ms; ` +
          `${result.realized} realized, ${result.exited} exited`,
      );
    } catch (err) {
      this.logger.error(`batch job ${id} failed: ${err instanceof Error ? err.stack : String(err)}`);
      await this.jobs.update(id, { status: 'failed', error: err instanceof Error ? err.message : String(err), finishedAt: new Date(this.clock.now()) });
    }
    return this.get(id);
  }
}
