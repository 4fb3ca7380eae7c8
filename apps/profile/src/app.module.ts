import { Module, type DynamicModule } from '@nestjs/common';
import { PlatformModule, type ServiceOptions } from '@weft/platform';
import { topics } from '@weft/xdm';
import { profileConfigSchema } from './config';
import { ProfileDb } from './database/profile-db';
import { MembershipsController } from './memberships/memberships.controller';
import { MembershipsService } from './memberships/memberships.service';
import { MergePoliciesController } from './merge-policies/merge-policies.controller';
import { MergePoliciesService } from './merge-policies/merge-policies.service';
import { MergePolicyEntity } from './merge-policies/merge-policy.entity';
import { CreateProfileTables1767225600000 } from './migrations/1767225600000-create-profile-tables';
import { LeaveRoomForProfileUpdates1767484800000 } from './migrations/1767484800000-leave-room-for-profile-updates';
import { IdentityClient } from './privacy/identity-client';
import { PrivacyJobEntity } from './privacy/privacy-job.entity';
import { PrivacyJobsController } from './privacy/privacy-jobs.controller';
import { PrivacyJobsService } from './privacy/privacy-jobs.service';
import { ProfilesController } from './profiles/profiles.controller';
import { ProfilesService } from './profiles/profiles.service';
import { RetentionController } from './retention/retention.controller';
import { RetentionService } from './retention/retention.service';
import { EventPartitions } from './store/event-partitions';
import { IdentityTopicsController } from './store/identity-topics.controller';
import { Materializer } from './store/materializer.service';
import { ProfileStore } from './store/profile-store.service';

export interface ProfileModuleOptions {
  /** Service name: consumer groups are `weft.<name>.<topic>`; tests and benchmarks use their own. */
  name?: string;
}

@Module({})
export class AppModule {
  static forRoot({ name = 'profile' }: ProfileModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        PlatformModule.forRoot({
          name,
          configSchema: profileConfigSchema,
          database: { entities: [MergePolicyEntity, PrivacyJobEntity], migrations: [CreateProfileTables1767225600000, LeaveRoomForProfileUpdates1767484800000] },
          messaging: {
            produces: [topics.profileChanged],
            consumes: [topics.identityResolved, topics.identityGraph, topics.segmentMembership],
            // Partitions are applied side by side, as by several instances: while one batch waits for Postgres,
            // another is decoded, merged and published (see ProfileStore for what keeps them consistent).
            partitionsConsumedConcurrently: 3,
            // A batch's fixed costs (BEGIN, COMMIT's flush, the publish round trip) spread over more documents.
            maxBatchSize: 2_500,
          },
        }),
      ],
      controllers: [
        IdentityTopicsController,
        MembershipsController,
        MergePoliciesController,
        ProfilesController,
        PrivacyJobsController,
        RetentionController,
      ],
      providers: [
        ProfileDb,
        EventPartitions,
        MergePoliciesService,
        Materializer,
        ProfileStore,
        MembershipsService,
        ProfilesService,
        IdentityClient,
        PrivacyJobsService,
        RetentionService,
      ],
    };
  }
}

/** How `main.ts`, the integration tests and the benchmark build the service. */
export function profileServiceOptions(options: ProfileModuleOptions = {}): ServiceOptions {
  return { module: AppModule.forRoot(options) as never, title: 'Weft profile service' };
}
