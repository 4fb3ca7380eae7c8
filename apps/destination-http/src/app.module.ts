import { Module, type Type } from '@nestjs/common';
import {
  catalogActivationTopics,
  DestinationKitModule,
  type ActivationTopics,
  destinationKitEntities,
  destinationKitMessaging,
  destinationKitMigrations,
} from '@weft/destination-kit';
import { PlatformModule, type ServiceOptions } from '@weft/platform';
import { destinationHttpConfigSchema } from './config';
import { checkHttpConnection, httpCredentialsSchema, httpSettingsSchema } from './http-delivery/http-connection.dto';
import { HttpTransport } from './http-delivery/http-transport';

export const SERVICE_NAME = 'destination-http';

export interface DestinationHttpModuleOptions {
  /** Service name: logs, Kafka client id, consumer groups (`weft.<name>.<topic>`), default database schema. */
  name?: string;
  /** Topics to read instead of the catalog's (tests and benchmarks isolate themselves on their own). */
  topics?: ActivationTopics;
}

/** The service's root module; `main.ts` uses the defaults. */
export function destinationHttpModule(options: DestinationHttpModuleOptions = {}): Type<unknown> {
  const topics = options.topics ?? catalogActivationTopics;
  @Module({
    imports: [
      PlatformModule.forRoot({
        name: options.name ?? SERVICE_NAME,
        configSchema: destinationHttpConfigSchema,
        database: { entities: destinationKitEntities, migrations: destinationKitMigrations },
        messaging: destinationKitMessaging(topics),
      }),
      DestinationKitModule.forRoot({
        type: 'http',
        transport: HttpTransport,
        settingsSchema: httpSettingsSchema,
        credentialsSchema: httpCredentialsSchema,
        checkConnection: checkHttpConnection,
        scheduleModes: ['streaming'],
        topics,
      }),
    ],
  })
  class AppModule {}
  return AppModule;
}

/** How `main.ts`, the tests and the benchmark build the service. */
export function destinationHttpServiceOptions(options: DestinationHttpModuleOptions = {}): ServiceOptions {
  return { module: destinationHttpModule(options), title: 'Weft HTTP destination', bodyLimit: 1024 * 1024 };
}
