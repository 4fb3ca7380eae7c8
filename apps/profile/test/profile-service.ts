import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { MessagingClient, type ConsumedMessage, type MessageConsumer, type TopicContract } from '@weft/messaging';
import { createService } from '@weft/platform';
import { createTestSchema, integrationEnv, requireSchemaRegistry, testKafka, uniqueName, type TestSchema } from '@weft/testing';
import { topics, type ProfileChanged } from '@weft/xdm';
import { profileServiceOptions } from '../src/app.module';

export const API_KEY = 'profile-test-key';

/** Moves a consumer group to the end of a topic, so a new service instance skips what earlier runs left there. */
export async function startGroupAtEnd(groupId: string, topic: string): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    await admin.setOffsets({ groupId, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
  } finally {
    await admin.disconnect();
  }
}

export async function topicEnds(topic: string): Promise<{ partition: number; offset: string }[]> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: p.high }));
  } finally {
    await admin.disconnect();
  }
}

export async function setGroupOffsets(groupId: string, topic: string, offsets: { partition: number; offset: string }[]): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    await admin.setOffsets({ groupId, topic, partitions: offsets });
  } finally {
    await admin.disconnect();
  }
}

/** Messages of the change feed seen since the collector started. */
export class ChangeFeed {
  readonly messages: ProfileChanged[] = [];
  private consumer?: MessageConsumer<ProfileChanged>;

  constructor(private readonly client: MessagingClient) {}

  async start(): Promise<void> {
    const groupId = uniqueName('profile-feed-test');
    await this.client.provision([topics.profileChanged]);
    await startGroupAtEnd(groupId, topics.profileChanged.name);
    this.consumer = await this.client.topicConsumer(topics.profileChanged, {
      groupId,
      handle: async (batch: ConsumedMessage<ProfileChanged>[]) => {
        this.messages.push(...batch.map((m) => m.data));
      },
    });
    await this.consumer.start();
  }

  of(profileId: string): ProfileChanged[] {
    return this.messages.filter((m) => m.profileId === profileId);
  }

  last(profileId: string): ProfileChanged | undefined {
    const list = this.of(profileId);
    return list[list.length - 1];
  }
}

export interface ProfileServiceOptions {
  env?: Record<string, string>;
  /** Reuse a schema (and the service name, hence the consumer groups) of an earlier instance. */
  schema?: TestSchema;
  name?: string;
}

/** One in-process profile service on its own schema and consumer groups, plus a client to feed and watch it. */
export class ProfileService {
  private constructor(
    readonly app: NestFastifyApplication,
    readonly url: string,
    readonly schema: TestSchema,
    readonly name: string,
  ) {}

  static async start(options: ProfileServiceOptions = {}): Promise<ProfileService> {
    const env = integrationEnv();
    const schema = options.schema ?? (await createTestSchema('profile'));
    const name = options.name ?? uniqueName('profile');
    Object.assign(process.env, {
      PORT: '0',
      HOST: '127.0.0.1',
      WEFT_API_KEYS: API_KEY,
      DATABASE_URL: env.databaseUrl,
      DATABASE_SCHEMA: schema.name,
      KAFKA_BROKERS: env.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: requireSchemaRegistry(),
      LOG_LEVEL: 'warn',
      RETENTION_INTERVAL_MINUTES: '0',
      ...options.env,
    });
    if (!options.name) {
      const client = messagingClient();
      await client.provision([topics.identityResolved, topics.identityGraph, topics.segmentMembership]);
      await client.close();
      for (const topic of [topics.identityResolved, topics.identityGraph, topics.segmentMembership]) {
        await startGroupAtEnd(`weft.${name}.${topic.name}`, topic.name);
      }
    }
    const app = await createService(profileServiceOptions({ name }));
    await app.init();
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
    return new ProfileService(app, await app.getUrl(), schema, name);
  }

  async stop(): Promise<void> {
    await this.app.close();
  }

  async request<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T; headers: Headers }> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { 'x-api-key': API_KEY, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // NDJSON or plain text stays text
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  lookup(namespace: string, id: string, mergePolicyId?: string) {
    const q = new URLSearchParams({ namespace, id, ...(mergePolicyId ? { mergePolicyId } : {}) });
    return this.request('GET', `/v1/profiles?${q}`);
  }
}

export function messagingClient(): MessagingClient {
  const env = integrationEnv();
  return new MessagingClient({ clientId: uniqueName('profile-test'), brokers: env.kafkaBrokers, schemaRegistryUrl: requireSchemaRegistry() });
}

export async function publish<T>(client: MessagingClient, topic: TopicContract<T>, values: T[], key: (v: T) => string): Promise<void> {
  await client.publish(topic, values.map((value) => ({ key: key(value), value })));
}
