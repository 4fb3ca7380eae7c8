import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { activationController, catalogActivationTopics, type ActivationTopics } from './activation/activation.controller';
import { ActivationService } from './activation/activation.service';
import { ConnectionEntity } from './connections/connection.entity';
import { ConnectionsController } from './connections/connections.controller';
import { ConnectionsService } from './connections/connections.service';
import { DataflowRegistry } from './dataflows/dataflow-registry';
import { DataflowEntity } from './dataflows/dataflow.entity';
import { DataflowsController } from './dataflows/dataflows.controller';
import { DataflowsService } from './dataflows/dataflows.service';
import { DeadLetterEntity } from './dead-letters/dead-letter.entity';
import { DeadLettersController } from './dead-letters/dead-letters.controller';
import { DeadLettersService } from './dead-letters/dead-letters.service';
import { DeliveryScheduler } from './delivery/delivery-scheduler.service';
import {
  DESTINATION_KIT_OPTIONS,
  DESTINATION_TRANSPORT,
  type DestinationKitOptions,
} from './destination-kit.options';
import { SchemaLabelsService } from './governance/schema-labels.service';
import { CreateDestinationTables1767300000000 } from './migrations/1767300000000-create-destination-tables';
import { GroupOutboxDocuments1767400000000 } from './migrations/1767400000000-group-outbox-documents';
import { PolicyEntity } from './policies/policy.entity';
import { PoliciesController } from './policies/policies.controller';
import { PoliciesService } from './policies/policies.service';
import { DataflowRunEntity } from './runs/dataflow-run.entity';
import { DeliveryLogEntity } from './runs/delivery-log.entity';
import { RunsService } from './runs/runs.service';

/** Pass to `PlatformModule.forRoot({ database: { entities, migrations } })`. */
export const destinationKitEntities = [
  ConnectionEntity,
  DataflowEntity,
  PolicyEntity,
  DataflowRunEntity,
  DeliveryLogEntity,
  DeadLetterEntity,
];
export const destinationKitMigrations = [CreateDestinationTables1767300000000, GroupOutboxDocuments1767400000000];

/** Pass to `PlatformModule.forRoot({ messaging })`: the topics every connector consumes. */
export function destinationKitMessaging(topics: ActivationTopics = catalogActivationTopics) {
  return { produces: [], consumes: [topics.segmentMembership, topics.profileChanged] };
}

/**
 * Everything a connector app shares: the admin API (/v1/connections, /v1/dataflows with runs and delivery log,
 * /v1/policies, dead letters), governance checks, the attribute projection, the Kafka handlers that fill the outbox,
 * and per-connection delivery workers. The app supplies its type, its connection settings and a transport.
 */
@Module({})
export class DestinationKitModule {
  static forRoot<S, C>(options: DestinationKitOptions<S, C> & { topics?: ActivationTopics }): DynamicModule {
    return {
      module: DestinationKitModule,
      imports: [TypeOrmModule.forFeature(destinationKitEntities)],
      controllers: [ConnectionsController, DataflowsController, PoliciesController, DeadLettersController,
        activationController(options.topics ?? catalogActivationTopics),
      ],
      providers: [
        { provide: DESTINATION_KIT_OPTIONS, useValue: options },
        { provide: DESTINATION_TRANSPORT, useClass: options.transport },
        ConnectionsService,
        DataflowsService,
        DataflowRegistry,
        PoliciesService,
        SchemaLabelsService,
        RunsService,
        DeadLettersService,
        ActivationService,
        DeliveryScheduler,
      ],
      exports: [ConnectionsService, DataflowsService, DeliveryScheduler, DESTINATION_TRANSPORT],
    };
  }
}
