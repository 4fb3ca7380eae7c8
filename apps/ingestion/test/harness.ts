import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Consumer } from 'kafkajs';
import { AvroSerde, SchemaRegistryClient } from '@weft/messaging';
import { createService } from '@weft/platform';
import { createTestSchema, integrationEnv, requireSchemaRegistry, testKafka, uniqueName, type TestSchema } from '@weft/testing';
import { ingestionServiceOptions } from '../src/app.module';

export const API_KEY = 'ingestion-test-key';

export interface Harness {
  app: NestFastifyApplication;
  url: string;
  schema: TestSchema;
  api<T = any>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T; headers: Headers }>;
  close(): Promise<void>;
}

/** Boots the whole ingestion service in-process on a fresh database schema, with real Kafka and the schema registry. */
export async function startIngestion(env: Record<string, string> = {}): Promise<Harness> {
  const infra = integrationEnv();
  const schema = await createTestSchema('ingestion');
  Object.assign(process.env, {
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    DATABASE_URL: infra.databaseUrl,
    SCHEMA_REGISTRY_URL: requireSchemaRegistry(),
    DATABASE_SCHEMA: schema.name,
    WEFT_API_KEYS: API_KEY,
    LOG_LEVEL: 'warn',
    PORT: '0',
    BATCH_DIR: `tmp/ingestion-test/${schema.name}`,
    // One consumer group reads weft.inbound.v1; only the test file about the Kafka inlet turns it on.
    INBOUND_ENABLED: 'false',
    ...env,
  });
  const app = await createService(ingestionServiceOptions());
  await app.init();
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  const url = await app.getUrl();
  return {
    app,
    url,
    schema,
    async api(method, path, body, headers = {}) {
      const raw = typeof body === 'string' || body instanceof Uint8Array;
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          'x-api-key': API_KEY,
          ...(body !== undefined && !raw ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : raw ? (body as string) : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
    },
    async close() {
      await app.close();
      await schema.drop();
    },
  };
}

/** Reads a topic from its end at the time of `start()`, decoding values in wire format with the registry. */
export class TopicTail<T = any> {
  readonly messages: { key: string | null; value: T; headers: Record<string, string> }[] = [];
  private consumer: Consumer | undefined;

  constructor(private readonly topic: string) {}

  async start(): Promise<this> {
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(this.topic);
    await admin.disconnect();
    const serde = new AvroSerde(new SchemaRegistryClient(requireSchemaRegistry()));
    this.consumer = kafka.consumer({ groupId: uniqueName('ingestion-tail'), maxWaitTimeInMs: 100 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: false });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = v.toString();
        const value = await serde.decode<T>(message.value as Buffer);
        this.messages.push({ key: message.key?.toString() ?? null, value, headers });
      },
    });
    for (const { partition, offset } of offsets) this.consumer.seek({ topic: this.topic, partition, offset });
    return this;
  }

  values(filter: (value: T) => boolean = () => true): T[] {
    return this.messages.map((m) => m.value).filter(filter);
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
