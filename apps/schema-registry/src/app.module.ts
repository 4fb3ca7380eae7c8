import { Module } from '@nestjs/common';
import { PlatformModule, type ServiceOptions } from '@weft/platform';
import { registryConfigSchema } from './config';
import { CreateRegistryTables1767225600000 } from './migrations/1767225600000-create-registry-tables';
import { registerRegistryBodyParsers } from './registry/registry-http';
import { RegistryModule, registryEntities } from './registry/registry.module';

@Module({
  imports: [
    PlatformModule.forRoot({
      name: 'schema-registry',
      configSchema: registryConfigSchema,
      database: { entities: registryEntities, migrations: [CreateRegistryTables1767225600000] },
    }),
    RegistryModule,
  ],
})
export class AppModule {}

/** How `main.ts` and the integration tests build the service. */
export const registryServiceOptions: ServiceOptions = {
  module: AppModule,
  title: 'Weft schema registry (Confluent Schema Registry API)',
  configure: registerRegistryBodyParsers,
};
