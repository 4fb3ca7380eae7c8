import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { MessagingClient, type ConsumedMessage, type MessageConsumer, type TopicContract } from '@weft/messaging';
import { createService } from '@weft/platform';
import { createTestSchema, integrationEnv, requireSchemaRegistry, uniqueName, withClient, type TestSchema } from '@weft/testing';
import { topics, type ProfileChanged, type SegmentMembership } from '@weft/xdm';
import { segmentationServiceOptions } from '../src/app.module';
import type { Clock } from '../src/clock/clock';
import type { SegmentationTopics } from '../src/common/topics';

const API_KEY = 'test-key';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

/** A membership event as a test consumer received it, with the wall-clock time it arrived. */
export interface ReceivedMembership extends SegmentMembership {
  receivedAt: number;
}

/**
 * The segmentation service booted in-process on a random port, in a fresh database schema, reading and writing
 * topics of its own (the catalog's contracts under unique names), with a test producer and a membership reader.
 */
export class RunningSegmentation {
  private constructor(
    readonly url: string,
    readonly app: NestFastifyApplication,
    readonly schema: TestSchema,
    readonly topics: SegmentationTopics,
    private readonly client: MessagingClient,
    private readonly reader: MessageConsumer<SegmentMembership>,
    /** Every membership event the service published, in arrival order. */
    readonly memberships: ReceivedMembership[],
  ) {}

  static async start(options: { clock?: Clock; env?: Record<string, string> } = {}): Promise<RunningSegmentation> {
    const schema = await createTestSchema('segmentation');
    Object.assign(process.env, {
      DATABASE_SCHEMA: schema.name,
      WEFT_API_KEYS: API_KEY,
      PORT: '0',
      LOG_LEVEL: 'warn',
      SWEEP_INTERVAL_MS: '0',
      BATCH_CRON: 'off',
      KAFKA_TOPIC_PARTITIONS: '3',
      ...options.env,
    });
    const ownTopics: SegmentationTopics = {
      profileChanged: { ...(topics.profileChanged as TopicContract<ProfileChanged>), name: uniqueName('test.profile.changed') },
      segmentMembership: { ...(topics.segmentMembership as TopicContract<SegmentMembership>), name: uniqueName('test.segment.membership') },
    };
    const app = await createService(segmentationServiceOptions({ clock: options.clock, topics: ownTopics }));
    await app.init();
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };

    const client = new MessagingClient({ clientId: uniqueName('segmentation-test'), brokers: integrationEnv().kafkaBrokers, schemaRegistryUrl: requireSchemaRegistry() });
    await client.connect();
    const received: ReceivedMembership[] = [];
    const reader = await client.topicConsumer(ownTopics.segmentMembership, {
      groupId: uniqueName('membership-reader'),
      handle: async (batch: ConsumedMessage<SegmentMembership>[]) => {
        const at = Date.now();
        for (const m of batch) received.push({ ...m.data, receivedAt: at });
      },
    });
    await reader.start();
    return new RunningSegmentation(`http://127.0.0.1:${port}`, app, schema, ownTopics, client, reader, received);
  }

  async stop(): Promise<void> {
    await this.reader.stop();
    await this.client.close();
    await this.app.close();
    await this.schema.drop();
  }

  get<T = any>(path: string): Promise<ApiResponse<T>> {
    return this.request<T>('GET', path);
  }

  post<T = any>(path: string, body?: unknown): Promise<ApiResponse<T>> {
    return this.request<T>('POST', path, body);
  }

  patch<T = any>(path: string, body: unknown): Promise<ApiResponse<T>> {
    return this.request<T>('PATCH', path, body);
  }

  delete<T = any>(path: string): Promise<ApiResponse<T>> {
    return this.request<T>('DELETE', path);
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { 'x-api-key': API_KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Creates a segment and returns its id (fails the test when refused). */
  async defineSegment(name: string, expression: string): Promise<string> {
    const res = await this.post<{ id: string }>('/v1/segments', { name, expression });
    if (res.status !== 201) throw new Error(`segment ${name} refused: ${JSON.stringify(res.body)}`);
    return res.body.id;
  }

  /** Publishes ProfileChanged envelopes to the topic the service reads, as the profile service does. */
  publish(...changes: ProfileChanged[]): Promise<void> {
    return this.client.publish(
      this.topics.profileChanged,
      changes.map((value) => ({ key: value.profileId, value })),
    );
  }

  membershipsOf(profileId: string): ReceivedMembership[] {
    return this.memberships.filter((m) => m.profileId === profileId);
  }

  /** Runs SQL in the service's schema (search_path set to it). */
  sql<T = any>(text: string, params: unknown[] = []): Promise<T[]> {
    return withClient(this.schema.databaseUrl, async (c) => {
      await c.query(`SET search_path TO "${this.schema.name}"`);
      return (await c.query(text, params)).rows as T[];
    });
  }
}
