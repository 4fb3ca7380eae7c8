import { Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PlatformModule, type ServiceOptions } from '@weft/platform';
import { topics } from '@weft/xdm';
import { identityConfigSchema } from './config';
import { GraphChangeOutbox } from './graph/graph-change-outbox';
import { graphStoreProviders } from './graph/graph-store.provider';
import { IdentityGraphsController } from './graph/identity-graphs.controller';
import { IdentityResolverService } from './graph/identity-resolver.service';
import { INGEST_CONSUMPTION, IngestConsumer } from './graph/ingest.consumer';
import { IdentityRulesController } from './identity-rules/identity-rules.controller';
import { IdentityRulesEntity } from './identity-rules/identity-rules.entity';
import { IdentityRulesService } from './identity-rules/identity-rules.service';
import { CreateIdentityTables1767312000000 } from './migrations/1767312000000-create-identity-tables';
import { LeaveRoomForTimeRefreshes1767398400000 } from './migrations/1767398400000-leave-room-for-time-refreshes';
import { NamespaceEntity } from './namespaces/namespace.entity';
import { NamespacesController } from './namespaces/namespaces.controller';
import { NamespacesService } from './namespaces/namespaces.service';
import { SimulationController } from './simulation/simulation.controller';

const entities = [NamespaceEntity, IdentityRulesEntity];

/**
 * The identity service's modules. `name` is the service name (consumer groups `weft.<name>.<topic>`, default schema);
 * tests pass a unique one so that their consumers never share a group with a running service.
 */
export function identityModules(name = 'identity'): DynamicModule['imports'] {
  return [
    PlatformModule.forRoot({
      name,
      configSchema: identityConfigSchema,
      database: { entities, migrations: [CreateIdentityTables1767312000000, LeaveRoomForTimeRefreshes1767398400000] },
      messaging: {
        produces: [topics.identityResolved, topics.identityGraph],
        consumes: [topics.ingestAccepted],
        ...INGEST_CONSUMPTION,
      },
    }),
    TypeOrmModule.forFeature(entities),
  ];
}

export const identityControllers = [
  NamespacesController,
  IdentityRulesController,
  IdentityGraphsController,
  SimulationController,
  IngestConsumer,
];

export const identityProviders = [
  NamespacesService,
  IdentityRulesService,
  ...graphStoreProviders,
  GraphChangeOutbox,
  IdentityResolverService,
];

@Module({ imports: identityModules(), controllers: identityControllers, providers: identityProviders })
export class AppModule {}

export const identityServiceOptions: ServiceOptions = { module: AppModule, title: 'Weft identity service' };
