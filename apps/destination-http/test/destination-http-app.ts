import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ActivationTopics } from '@weft/destination-kit';
import { MessagingClient, type TopicContract } from '@weft/messaging';
import { createService } from '@weft/platform';
import { createTestSchema, integrationEnv, requireSchemaRegistry, uniqueName, type TestSchema } from '@weft/testing';
import { topics, type ProfileChanged, type SegmentMembership } from '@weft/xdm';
import { destinationHttpServiceOptions } from '../src/app.module';

export const API_KEY = 'test-key';
export const SECRETS_KEY = Buffer.alloc(32, 7).toString('base64');

export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

/**
 * The HTTP destination booted in-process on a random port, in a fresh database schema, reading topics of its own
 * (the catalog's contracts under unique names), with a producer for membership and profile-changed envelopes.
 */
export class RunningDestinationHttp {
  private constructor(
    readonly url: string,
    readonly app: NestFastifyApplication,
    readonly schema: TestSchema,
    readonly topics: ActivationTopics,
    private readonly client: MessagingClient,
  ) {}

  static async start(env: Record<string, string> = {}): Promise<RunningDestinationHttp> {
    const schema = await createTestSchema('destination_http');
    Object.assign(process.env, {
      DATABASE_SCHEMA: schema.name,
      WEFT_API_KEYS: API_KEY,
      WEFT_SECRETS_KEY: SECRETS_KEY,
      PORT: '0',
      LOG_LEVEL: 'warn',
      INGESTION_URL: 'http://127.0.0.1:9',
      KAFKA_TOPIC_PARTITIONS: '3',
      ...env,
    });
    const ownTopics: ActivationTopics = {
      segmentMembership: { ...(topics.segmentMembership as TopicContract<SegmentMembership>), name: uniqueName('test.segment.membership') },
      profileChanged: { ...(topics.profileChanged as TopicContract<ProfileChanged>), name: uniqueName('test.profile.changed') },
    };
    const app = await createService(destinationHttpServiceOptions({ name: uniqueName('destination-http'), topics: ownTopics }));
    await app.init();
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    const client = new MessagingClient({
      clientId: uniqueName('destination-http-test'),
      brokers: integrationEnv().kafkaBrokers,
      schemaRegistryUrl: requireSchemaRegistry(),
    });
    await client.connect();
    return new RunningDestinationHttp(`http://127.0.0.1:${port}`, app, schema, ownTopics, client);
  }

  async api<T = any>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: { 'x-api-key': API_KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
  }

  /** Creates a connection and returns its id, failing loudly when the API refuses. */
  async connection(body: Record<string, unknown>): Promise<string> {
    const res = await this.api('POST', '/v1/connections', { name: 'test connection', ...body });
    if (res.status !== 201) throw new Error(`connection refused: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  }

  async dataflow(body: Record<string, unknown>): Promise<string> {
    const res = await this.api('POST', '/v1/dataflows', {
      name: 'test dataflow',
      marketingActions: ['emailTargeting'],
      consentChannel: 'email',
      mapping: [
        { source: 'person.name.firstName', target: 'person.name.firstName' },
        { source: 'personalEmail.address', target: 'personalEmail.address' },
      ],
      ...body,
    });
    if (res.status !== 201) throw new Error(`dataflow refused: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.id as string;
  }

  publishMemberships(values: SegmentMembership[]): Promise<void> {
    return this.client.publish(this.topics.segmentMembership, values.map((value) => ({ key: value.profileId, value })));
  }

  publishProfiles(values: ProfileChanged[]): Promise<void> {
    return this.client.publish(this.topics.profileChanged, values.map((value) => ({ key: value.profileId, value })));
  }

  async stop(): Promise<void> {
    await this.client.close();
    await this.app.close();
    await this.schema.drop();
  }
}
