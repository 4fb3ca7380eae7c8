import { Global, Module, type Type } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PlatformModule, type ServiceOptions } from '@weft/platform';
import { BatchEvaluation } from './batch/batch-evaluation';
import { SegmentJobEntity } from './batch/segment-job.entity';
import { SegmentJobsController } from './batch/segment-jobs.controller';
import { SegmentJobsService } from './batch/segment-jobs.service';
import { Clock, SystemClock } from './clock/clock';
import { catalogTopics, SEGMENTATION_TOPICS, type SegmentationTopics } from './common/topics';
import { segmentationConfigSchema } from './config';
import { SegmentationDb } from './database/segmentation-db';
import { MembershipsController } from './memberships/memberships.controller';
import { MembershipsRepository } from './memberships/memberships.repository';
import { MembershipsService } from './memberships/memberships.service';
import { CreateSegmentationTables1767398400000 } from './migrations/1767398400000-create-segmentation-tables';
import { PqlController } from './pql/pql.controller';
import { SegmentPreviewService } from './segments/segment-preview.service';
import { SegmentEntity } from './segments/segment.entity';
import { SegmentsController } from './segments/segments.controller';
import { SegmentsService } from './segments/segments.service';
import { ProfileSnapshotsRepository } from './snapshots/profile-snapshots.repository';
import { profileChangedController } from './streaming/profile-changed.controller';
import { ProfileEvaluationService } from './streaming/profile-evaluation.service';
import { StreamingService } from './streaming/streaming.service';
import { SweepService } from './streaming/sweep.service';

export interface SegmentationModuleOptions {
  /** Source of "now" for evaluation, sweeps and jobs (tests pass a clock they move). */
  clock?: Clock;
  /** Topics to read and write instead of the catalog's (tests and benchmarks isolate themselves). */
  topics?: SegmentationTopics;
  /** Service name (logs, Kafka client id, consumer group prefix, default schema). */
  name?: string;
}

const entities = [SegmentEntity, SegmentJobEntity];

/** The segmentation service's root module; `main.ts` uses the defaults. */
export function createAppModule(options: SegmentationModuleOptions = {}): Type<unknown> {
  const topics = options.topics ?? catalogTopics;

  @Global()
  @Module({
    providers: [
      { provide: Clock, useValue: options.clock ?? new SystemClock() },
      { provide: SEGMENTATION_TOPICS, useValue: topics },
    ],
    exports: [Clock, SEGMENTATION_TOPICS],
  })
  class SegmentationCoreModule {}

  @Module({
    imports: [
      PlatformModule.forRoot({
        name: options.name ?? 'segmentation',
        configSchema: segmentationConfigSchema,
        database: { entities, migrations: [CreateSegmentationTables1767398400000] },
        messaging: { produces: [topics.segmentMembership], consumes: [topics.profileChanged] },
      }),
      TypeOrmModule.forFeature(entities),
      ScheduleModule.forRoot(),
      SegmentationCoreModule,
    ],
    controllers: [
      SegmentsController,
      PqlController,
      MembershipsController,
      SegmentJobsController,
      profileChangedController(topics.profileChanged.name),
    ],
    providers: [
      SegmentationDb,
      SegmentsService,
      SegmentPreviewService,
      ProfileSnapshotsRepository,
      MembershipsRepository,
      MembershipsService,
      ProfileEvaluationService,
      StreamingService,
      SweepService,
      BatchEvaluation,
      SegmentJobsService,
    ],
  })
  class AppModule {}

  return AppModule;
}

/** How `main.ts` and the integration tests build the service. */
export function segmentationServiceOptions(options: SegmentationModuleOptions = {}): ServiceOptions {
  return { module: createAppModule(options), title: 'Weft segmentation (PQL segments, streaming and batch memberships)' };
}
