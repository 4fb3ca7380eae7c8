import { Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { MessagingClient, type ConsumedMessage, type MessageConsumer, type TopicContract } from '@weft/messaging';
import { createService } from '@weft/platform';
import { integrationEnv, requireSchemaRegistry, uniqueName, type TestSchema } from '@weft/testing';
import type { Identity } from '@weft/identity-graph';
import type { IngestEnvelope } from '@weft/xdm';
import { identityControllers, identityModules, identityProviders } from '../src/app.module';

export const API_KEY = 'identity-test-key';

/** Boots the whole service on `schema`, with its own consumer group (`name`), listening on a free port. */
export async function startIdentityService(schema: TestSchema, name: string): Promise<{ app: NestFastifyApplication; url: string }> {
  Object.assign(process.env, {
    DATABASE_SCHEMA: schema.name,
    WEFT_API_KEYS: API_KEY,
    PORT: '0',
    LOG_LEVEL: 'warn',
    IDENTITY_RULES_REFRESH_MS: '0',
    IDENTITY_OUTBOX_SWEEP_MS: '500',
  });
  @Module({ imports: identityModules(name), controllers: identityControllers, providers: identityProviders })
  class TestIdentityModule {}
  const app = await createService({ module: TestIdentityModule, title: 'identity (test)' });
  await app.init();
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  return { app, url: await app.getUrl() };
}

export function testMessaging(): MessagingClient {
  return new MessagingClient({
    clientId: uniqueName('identity-test'),
    brokers: integrationEnv().kafkaBrokers,
    schemaRegistryUrl: requireSchemaRegistry(),
  });
}

/** Collects every value of `topic` (from the beginning) into `into`. */
export async function collect<T>(messaging: MessagingClient, topic: TopicContract<T>, into: T[]): Promise<MessageConsumer<T>> {
  const consumer = await messaging.topicConsumer(topic, {
    groupId: uniqueName('identity-test-reader'),
    handle: async (batch: ConsumedMessage<T>[]) => {
      into.push(...batch.map((m) => m.data));
    },
  });
  await consumer.start();
  return consumer;
}

let sequence = 0;

/** An accepted envelope carrying `identities`, as ingestion publishes it. */
export function anEnvelope(identities: readonly Identity[], at: Date | string, overrides: Partial<IngestEnvelope> = {}): IngestEnvelope {
  const time = new Date(at).getTime();
  return {
    id: uniqueName(`env-${++sequence}`),
    datasetId: 'dataset-identity-test',
    schemaId: 'schema-identity-test',
    kind: 'event',
    timestamp: time,
    receivedAt: time,
    identities: identities.map((i) => ({ namespace: i.namespace, id: i.id, authenticatedState: 'ambiguous', primary: false })),
    primaryIdentity: null,
    source: 'kafka',
    batchId: null,
    payloadSchemaId: null,
    payload: '{}',
    ...overrides,
  };
}

/** A small client of the service's HTTP API. */
export function api(url: string) {
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { 'x-api-key': API_KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as any };
  };
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body: unknown) => call('POST', path, body),
    put: (path: string, body: unknown) => call('PUT', path, body),
    delete: (path: string) => call('DELETE', path),
    graphOf: (identity: Identity) =>
      call('GET', `/v1/identities/graph?namespace=${encodeURIComponent(identity.namespace)}&id=${encodeURIComponent(identity.id)}`),
  };
}
