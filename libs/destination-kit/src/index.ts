// Framework-free building blocks.
export * from './crypto/secret-box';
export * from './mapping/attribute-mapping';
export * from './consent/consent';
export * from './governance/policy';
export * from './governance/schema-labels';
export * from './delivery/backoff';
export * from './delivery/token-bucket';
export * from './delivery/delivery';
export * from './delivery/connection-worker';
export * from './export/profile-document';
export * from './export/prepare-export';
// The Nest module a connector app imports.
export { catalogActivationTopics, type ActivationTopics } from './activation/activation.controller';
export * from './config';
export * from './destination-kit.options';
export { redactSecrets, secretValues } from './connections/connections.service';
export type { ConnectionView } from './connections/connection.dto';
export type { DataflowView } from './dataflows/dataflow.dto';
export type { DataflowSchedule } from './dataflows/dataflow.entity';
export type { RunView, DeliveryLogView } from './runs/runs.service';
export type { DeadLetterView } from './dead-letters/dead-letters.service';
export {
  DestinationKitModule,
  destinationKitEntities,
  destinationKitMigrations,
  destinationKitMessaging,
} from './destination-kit.module';
