import {
  Global,
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type BeforeApplicationShutdown,
  type OnModuleInit,
  type Provider,
} from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TypeOrmModule, getDataSourceToken } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import type { z } from 'zod';
import type { DataSource, MixedList, EntitySchema } from 'typeorm';
import { MessagingClient, type TopicContract } from '@weft/messaging';
import { ApiKeyGuard } from './auth/api-key.guard';
import { baseConfigSchema, loadConfig, type BaseConfig } from './config/config';
import { ensureDatabaseAndSchema } from './database/database';
import { HealthController, HealthRegistry } from './health/health';
import { ErrorFilter } from './http/domain-error';
import { MetricsController } from './metrics/metrics.controller';
import { CONFIG, PLATFORM_OPTIONS } from './tokens';

export interface PlatformOptions {
  /** Service name: logs, Kafka client id, consumer group prefix and default database schema. */
  name: string;
  /** The service's config schema (extends baseConfigShape); validated once at boot. */
  configSchema?: z.ZodObject;
  database?: {
    // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
    entities: MixedList<Function | string | EntitySchema>;
    // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
    migrations: MixedList<Function | string>;
  };
  messaging?: {
    /** Topics the service writes; created at boot when missing. */
    produces: TopicContract[];
    /** Topics the service reads; each needs exactly one `@EventPattern` handler. */
    consumes: TopicContract[];
    /** Largest batch handed to a handler (default 1,000). */
    maxBatchSize?: number;
    /** Partitions handled at the same time (default 1); handlers must then be safe across partitions. */
    partitionsConsumedConcurrently?: number;
  };
}

/** Registers database and Kafka readiness checks and drains Kafka on shutdown. */
@Injectable()
class PlatformLifecycle implements OnModuleInit, BeforeApplicationShutdown {
  constructor(
    private readonly health: HealthRegistry,
    @Inject(PLATFORM_OPTIONS) private readonly options: PlatformOptions,
    @Inject(CONFIG) private readonly config: BaseConfig,
    @Inject(MessagingClient) private readonly messaging: MessagingClient | null,
    @Inject('WEFT_DATA_SOURCE') private readonly dataSource: DataSource | null,
  ) {}

  async onModuleInit(): Promise<void> {
    const { dataSource, messaging } = this;
    if (dataSource) {
      this.health.register('postgres', async () => {
        await dataSource.query('SELECT 1');
        return true;
      });
    }
    if (messaging && this.options.messaging) {
      await messaging.provision(
        [...this.options.messaging.produces, ...this.options.messaging.consumes].map((c) => ({
          name: c.name,
          partitions: Math.max(c.partitions, this.config.KAFKA_TOPIC_PARTITIONS),
        })),
      );
      await messaging.connect();
      this.health.register('kafka', () => {
        const h = messaging.health();
        return h.producer && h.consumers.every((c) => c.healthy);
      });
    }
  }

  /**
   * Before the shutdown hooks that close connections (TypeORM's data source among them): handlers in flight finish
   * and commit while the database is still there.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.messaging?.close();
  }
}

@Global()
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    const configProvider: Provider = {
      provide: CONFIG,
      useFactory: () => loadConfig(options.configSchema ?? baseConfigSchema),
    };
    const imports: DynamicModule['imports'] = [
      LoggerModule.forRootAsync({
        inject: [CONFIG],
        useFactory: (config: BaseConfig) => ({
          pinoHttp: {
            name: options.name,
            level: config.LOG_LEVEL,
            autoLogging: false,
            redact: ['req.headers["x-api-key"]', 'req.headers.authorization', 'req.headers.cookie'],
          },
        }),
      }),
    ];
    const providers: Provider[] = [
      configProvider,
      { provide: PLATFORM_OPTIONS, useValue: options },
      HealthRegistry,
      PlatformLifecycle,
      { provide: APP_GUARD, useClass: ApiKeyGuard },
      { provide: APP_FILTER, useClass: ErrorFilter },
    ];
    if (options.database) {
      const database = options.database;
      imports.push(
        TypeOrmModule.forRootAsync({
          inject: [CONFIG],
          useFactory: async (config: BaseConfig & { DATABASE_SCHEMA?: string }) => {
            const schema = process.env['DATABASE_SCHEMA'] || options.name.replace(/-/g, '_');
            await ensureDatabaseAndSchema(config.DATABASE_URL, schema);
            return {
              type: 'postgres' as const,
              url: config.DATABASE_URL,
              schema,
              entities: database.entities,
              migrations: database.migrations,
              migrationsRun: true,
              migrationsTableName: 'migrations',
              synchronize: false,
              extra: { max: 20, application_name: `weft-${options.name}` },
            };
          },
        }),
      );
      providers.push({ provide: 'WEFT_DATA_SOURCE', useExisting: getDataSourceToken() });
    } else {
      providers.push({ provide: 'WEFT_DATA_SOURCE', useValue: null });
    }
    if (options.messaging) {
      providers.push({
        provide: MessagingClient,
        inject: [CONFIG],
        useFactory: (config: BaseConfig) =>
          new MessagingClient({
            clientId: `weft-${options.name}`,
            brokers: config.KAFKA_BROKERS,
            schemaRegistryUrl: config.SCHEMA_REGISTRY_URL,
          }),
      });
    } else {
      providers.push({ provide: MessagingClient, useValue: null });
    }
    return {
      module: PlatformModule,
      imports,
      providers,
      controllers: [HealthController, MetricsController],
      exports: [CONFIG, PLATFORM_OPTIONS, HealthRegistry, MessagingClient, 'WEFT_DATA_SOURCE'],
    };
  }
}
