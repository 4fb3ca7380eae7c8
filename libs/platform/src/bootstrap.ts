import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { MessagingClient } from '@weft/messaging';
import type { BaseConfig } from './config/config';
import { KafkaTransport } from './messaging/kafka-transport';
import { CONFIG, PLATFORM_OPTIONS } from './tokens';
import type { PlatformOptions } from './platform.module';
import { API_KEY_HEADER } from './auth/api-key.guard';

export interface ServiceOptions {
  module: Type<unknown>;
  title: string;
  /** Largest accepted request body in bytes (Fastify answers 413 above it). */
  bodyLimit?: number;
  /** Extra Fastify setup before routes are registered (content-type parsers, ...). */
  configure?: (app: NestFastifyApplication) => void | Promise<void>;
}

/** Builds a service: Fastify, JSON logs, OpenAPI at /docs, Kafka handlers, graceful shutdown. Not yet listening. */
export async function createService({ module, title, bodyLimit, configure }: ServiceOptions): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    module,
    new FastifyAdapter({ bodyLimit: bodyLimit ?? 10 * 1024 * 1024 }),
    { bufferLogs: true },
  );
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await configure?.(app);

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(title)
      .addApiKey({ type: 'apiKey', name: API_KEY_HEADER, in: 'header' }, API_KEY_HEADER)
      .addSecurityRequirements(API_KEY_HEADER)
      .build(),
  );
  SwaggerModule.setup('docs', app, document);

  const options = app.get<PlatformOptions>(PLATFORM_OPTIONS);
  if (options.messaging?.consumes.length) {
    const transport = new KafkaTransport(app.get(MessagingClient), {
      groupPrefix: `weft.${options.name}`,
      consumes: options.messaging.consumes,
      maxBatchSize: options.messaging.maxBatchSize,
      partitionsConsumedConcurrently: options.messaging.partitionsConsumedConcurrently,
    });
    app.connectMicroservice({ strategy: transport }, { inheritAppConfig: true });
  }
  return app;
}

/** Starts a service for `main.ts`: listens on PORT/HOST and starts its Kafka handlers. */
export async function runService(options: ServiceOptions): Promise<INestApplication> {
  const app = await createService(options);
  await app.init();
  await app.startAllMicroservices();
  const config = app.get<BaseConfig>(CONFIG);
  await app.listen(config.PORT, config.HOST);
  app.get(Logger).log(`${options.title} listening on ${await app.getUrl()} (OpenAPI at /docs)`);
  return app;
}
