import { Controller, Get, Injectable, Module, Param, type OnApplicationShutdown } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Type } from 'avsc';
import { createTestTopics, expectEventually, integrationEnv, requireSchemaRegistry } from '@weft/testing';
import { MessagingClient, PermanentMessageError, readDeadLetters, type ConsumedMessage, type TopicContract } from '@weft/messaging';
import { createService } from './bootstrap';
import { DomainError } from './http/domain-error';
import { PlatformModule } from './platform.module';

const pingType = Type.forSchema({ type: 'record', name: 'Ping', namespace: 'io.weft.test', fields: [{ name: 'n', type: 'int' }] });

describe(PlatformModule.name, () => {
  let topic: TopicContract<{ n: number }>;
  const received: number[] = [];

  @Controller()
  class PingController {
    @Get('v1/things/:id')
    thing(@Param('id') id: string) {
      if (id === 'missing') throw new DomainError('thing_not_found', 'thing "missing" does not exist', 404);
      return { id };
    }

    @EventPattern('__topic__')
    async onPing(@Payload() batch: ConsumedMessage<{ n: number }>[]) {
      received.push(...batch.map((m) => m.data.n));
    }
  }

  function moduleFor(consumes: TopicContract[], controllers: unknown[]) {
    @Module({
      imports: [PlatformModule.forRoot({ name: 'platform-test', messaging: { produces: [], consumes } })],
      controllers: controllers as never[],
    })
    class TestModule {}
    return TestModule;
  }

  async function start(consumes: TopicContract[], controllers: unknown[]): Promise<NestFastifyApplication> {
    const app = await createService({ module: moduleFor(consumes, controllers), title: 'test' });
    try {
      await app.init();
      await app.startAllMicroservices();
      await app.listen(0, '127.0.0.1');
      return app;
    } catch (err) {
      await app.close();
      throw err;
    }
  }

  beforeAll(async () => {
    const env = integrationEnv();
    Object.assign(process.env, {
      PORT: '0',
      WEFT_API_KEYS: 'k1,k2',
      KAFKA_BROKERS: env.kafkaBrokers.join(','),
      SCHEMA_REGISTRY_URL: requireSchemaRegistry(),
      LOG_LEVEL: 'silent',
    });
    const [name] = await createTestTopics(['platform-ping']);
    topic = { name, partitions: 1, valueType: pingType };
    Reflect.defineMetadata(
      'microservices:pattern',
      [name],
      PingController.prototype.onPing,
    );
  });

  it('serves health, metrics and docs, guards /v1 with API keys, maps domain errors, and feeds Kafka batches to handlers', async () => {
    const app = await start([topic], [PingController]);
    try {
      const url = await app.getUrl();
      expect((await fetch(`${url}/health/live`)).status).toBe(200);
      const ready = await fetch(`${url}/health/ready`);
      expect(await ready.json()).toEqual({ status: 'ok', checks: { kafka: true } });
      expect(await (await fetch(`${url}/metrics`)).text()).toContain('weft_messages_out_total');
      expect((await fetch(`${url}/docs`)).status).toBe(200);

      const noKey = await fetch(`${url}/v1/things/a`);
      expect(noKey.status).toBe(401);
      expect(await noKey.json()).toEqual({ error: { code: 'unauthorized', message: 'missing or invalid x-api-key header' } });
      expect((await fetch(`${url}/v1/things/a`, { headers: { 'x-api-key': 'nope' } })).status).toBe(401);
      expect(await (await fetch(`${url}/v1/things/a`, { headers: { 'x-api-key': 'k2' } })).json()).toEqual({ id: 'a' });
      const missing = await fetch(`${url}/v1/things/missing`, { headers: { 'x-api-key': 'k1' } });
      expect(missing.status).toBe(404);
      expect(await missing.json()).toEqual({ error: { code: 'thing_not_found', message: 'thing "missing" does not exist' } });

      await app.get(MessagingClient).publish(topic, [1, 2, 3].map((n) => ({ key: String(n), value: { n } })));
      await expectEventually(() => expect(received.sort()).toEqual([1, 2, 3]));
    } finally {
      await app.close();
    }
  });

  it('lets Kafka handlers in flight finish before connections close at shutdown, however many hooks drain', async () => {
    const events: string[] = [];
    let handlerStarted!: () => void;
    const started = new Promise<void>((resolve) => (handlerStarted = resolve));

    /** A service's own connection pool: drains Kafka first, whichever shutdown hook Nest runs first. */
    @Injectable()
    class Connection implements OnApplicationShutdown {
      constructor(private readonly messaging: MessagingClient) {}

      async onApplicationShutdown() {
        await this.messaging.close();
        events.push('connection closed');
      }
    }

    @Controller()
    class SlowController {
      @EventPattern('__topic__')
      async onPing(@Payload() batch: ConsumedMessage<{ n: number }>[]) {
        handlerStarted();
        await new Promise((resolve) => setTimeout(resolve, 500));
        events.push(`handled ${batch.length}`);
      }
    }
    const [name] = await createTestTopics(['platform-drain']);
    const slowTopic: TopicContract<{ n: number }> = { name, partitions: 1, valueType: pingType };
    Reflect.defineMetadata('microservices:pattern', [name], SlowController.prototype.onPing);

    @Module({
      imports: [PlatformModule.forRoot({ name: 'platform-test', messaging: { produces: [], consumes: [slowTopic] } })],
      controllers: [SlowController],
      providers: [Connection],
    })
    class DrainModule {}
    const app = await createService({ module: DrainModule, title: 'test' });
    await app.init();
    await app.startAllMicroservices();
    await app.get(MessagingClient).publish(slowTopic, [{ key: '1', value: { n: 1 } }]);
    await started;
    await app.close();
    expect(events).toEqual(['handled 1', 'connection closed']);
  });

  it('hands a Kafka handler\'s error to the consumer as thrown, so a permanent one is dead-lettered with its code', async () => {
    @Controller()
    class RejectingController {
      @EventPattern('__topic__')
      async onPing(@Payload() batch: ConsumedMessage<{ n: number }>[]) {
        const bad = batch.find((m) => m.data.n === 13);
        if (bad) throw new PermanentMessageError('unlucky_ping', `ping ${bad.data.n} is refused`);
      }
    }
    const [name] = await createTestTopics(['platform-reject']);
    const rejectTopic: TopicContract<{ n: number }> = { name, partitions: 1, valueType: pingType };
    Reflect.defineMetadata('microservices:pattern', [name], RejectingController.prototype.onPing);
    const app = await start([rejectTopic], [RejectingController]);
    try {
      const messaging = app.get(MessagingClient);
      await messaging.publish(rejectTopic, [12, 13, 14].map((n) => ({ key: String(n), value: { n } })));
      await expectEventually(async () => {
        const letters = await readDeadLetters(messaging.kafka, `weft.platform-test.${name}`);
        expect(letters.map((l) => [l.source.offset, l.error.code, l.error.message, l.error.attempts])).toEqual([
          ['1', 'unlucky_ping', 'ping 13 is refused', 1],
        ]);
      }, { timeoutMs: 20_000, intervalMs: 500 });
    } finally {
      await app.close();
    }
  });

  it('refuses to start when a consumed topic has no handler', async () => {
    const orphan: TopicContract = { name: `${topic.name}-orphan`, partitions: 1, valueType: pingType };
    await expect(start([topic, orphan], [PingController])).rejects.toThrow(`${orphan.name} is consumed but has no handler`);
  });

  it('refuses to start when a topic has two handlers', async () => {
    @Controller()
    class SecondController {
      @EventPattern(topic?.name ?? 'unset')
      async again() {}
    }
    Reflect.defineMetadata('microservices:pattern', [topic.name], SecondController.prototype.again);
    await expect(start([topic], [PingController, SecondController])).rejects.toThrow(`${topic.name} has more than one handler`);
  });
});
