import { createTestTopics, expectEventually, integrationEnv, readAll, uniqueName } from '@weft/testing';
import { Registry } from 'prom-client';
import { createKafka } from '../kafka/kafka-client';
import { deadLetterTopicFor } from '../kafka/topics';
import { MessagingMetrics } from '../metrics';
import { MessageProducer } from '../producer/producer';
import { PermanentMessageError } from '../errors';
import { MessageConsumer, type ConsumedMessage } from './consumer';
import { DeadLetterHeaders } from './dead-letter';
import { readDeadLetters, replayDeadLetters } from './dead-letter-replay';

describe(MessageConsumer.name, () => {
  const kafka = createKafka({ clientId: uniqueName('consumer-it'), brokers: integrationEnv().kafkaBrokers });
  const metrics = MessagingMetrics.for(new Registry());
  const producer = new MessageProducer(kafka, { metrics });
  const running: MessageConsumer<string>[] = [];

  beforeAll(() => producer.connect());
  afterEach(async () => {
    await Promise.all(running.splice(0).map((c) => c.stop()));
  });
  afterAll(() => producer.close());

  function consume(topic: string, handle: (messages: ConsumedMessage<string>[]) => Promise<void>, decode?: (v: string) => string) {
    const sut = new MessageConsumer<string>(kafka, producer, {
      groupId: uniqueName('group'),
      topics: [topic],
      decode: (raw) => (decode ? decode(raw.value?.toString() ?? '') : (raw.value?.toString() ?? '')),
      handle,
      retry: { retries: 2, initialDelayMs: 5, maxDelayMs: 20 },
      metrics,
    });
    running.push(sut);
    return sut;
  }

  const send = (topic: string, values: string[]) =>
    producer.send(topic, values.map((v, i) => ({ key: `k${i}`, value: Buffer.from(v) })));

  it('dead-letters a message whose handler always fails after the retries, and keeps processing the partition', async () => {
    const [topic] = await createTestTopics(['dlq-source']);
    const handled: string[] = [];
    let poisonAttempts = 0;
    const sut = consume(topic, async (messages) => {
      if (messages.some((m) => m.data === 'poison')) {
        if (messages.length === 1) poisonAttempts++;
        throw new Error('cannot handle poison');
      }
      handled.push(...messages.map((m) => m.data));
    });
    await sut.start();
    await send(topic, ['a', 'b', 'poison', 'c']);
    await send(topic, ['d']);

    await expectEventually(() => expect(handled).toEqual(['a', 'b', 'c', 'd']));
    expect(poisonAttempts).toBe(3);
    const dead = await expectEventually(async () => {
      const all = await readAll(deadLetterTopicFor(sut.groupId));
      expect(all).toHaveLength(1);
      return all[0];
    });
    expect(dead.value?.toString()).toBe('poison');
    expect(dead.key?.toString()).toBe('k2');
    expect(dead.headers).toMatchObject({
      [DeadLetterHeaders.errorCode]: 'handler_error',
      [DeadLetterHeaders.errorMessage]: 'cannot handle poison',
      [DeadLetterHeaders.sourceTopic]: topic,
      [DeadLetterHeaders.sourcePartition]: '0',
      [DeadLetterHeaders.sourceOffset]: '2',
      [DeadLetterHeaders.attempts]: '3',
    });
    expect(dead.headers[DeadLetterHeaders.errorStack]).toContain('cannot handle poison');
  });

  it('lists dead letters with their error and replays them to the source topic once the cause is fixed', async () => {
    const [topic] = await createTestTopics(['dlq-replay']);
    const handled: string[] = [];
    let fixed = false;
    const sut = consume(topic, async (messages) => {
      if (!fixed && messages.some((m) => m.data === 'needs-fix')) throw new PermanentMessageError('not_yet', 'cannot handle yet');
      handled.push(...messages.map((m) => m.data));
    });
    await sut.start();
    await send(topic, ['x', 'needs-fix']);
    const letters = await expectEventually(async () => {
      const all = await readDeadLetters(kafka, sut.groupId);
      expect(all).toHaveLength(1);
      return all;
    });
    expect(letters[0]).toMatchObject({
      value: Buffer.from('needs-fix'),
      error: { code: 'not_yet', message: 'cannot handle yet', attempts: 1 },
      source: { topic, partition: 0, offset: '1', group: sut.groupId },
    });

    fixed = true;
    expect(await replayDeadLetters(kafka, producer, sut.groupId)).toBe(1);
    await expectEventually(() => expect(handled).toEqual(['x', 'needs-fix']));
  });

  it('dead-letters permanent errors and undecodable messages without retrying them', async () => {
    const [topic] = await createTestTopics(['dlq-permanent']);
    const handled: string[] = [];
    let calls = 0;
    const sut = consume(
      topic,
      async (messages) => {
        calls++;
        const bad = messages.find((m) => m.data === 'invalid');
        if (bad) throw new PermanentMessageError('rule_broken', 'field x breaks rule y');
        handled.push(...messages.map((m) => m.data));
      },
      (v) => {
        if (v === 'garbage') throw new PermanentMessageError('undecodable', 'not a value');
        return v;
      },
    );
    await sut.start();
    await send(topic, ['ok1', 'garbage', 'invalid', 'ok2']);

    await expectEventually(() => expect(handled.sort()).toEqual(['ok1', 'ok2']));
    const dead = await expectEventually(async () => {
      const all = await readAll(deadLetterTopicFor(sut.groupId));
      expect(all).toHaveLength(2);
      return all;
    });
    const byValue = Object.fromEntries(dead.map((d) => [d.value?.toString(), d.headers]));
    expect(byValue['garbage']).toMatchObject({ [DeadLetterHeaders.errorCode]: 'undecodable', [DeadLetterHeaders.attempts]: '1' });
    expect(byValue['invalid']).toMatchObject({ [DeadLetterHeaders.errorCode]: 'rule_broken', [DeadLetterHeaders.attempts]: '1' });
    // One call for the slice, one for each remaining message alone: no retries of a permanent failure.
    expect(calls).toBe(1 + 3);
  });

  it('handles several partitions at once when asked, keeping each partition in order', async () => {
    const [topic] = await createTestTopics(['concurrent'], 3);
    const seen = new Map<string, number[]>();
    let inFlight = 0;
    let maxInFlight = 0;
    const sut = new MessageConsumer<string>(kafka, producer, {
      groupId: uniqueName('group'),
      topics: [topic],
      partitionsConsumedConcurrently: 3,
      maxBatchSize: 50,
      decode: (raw) => raw.value?.toString() ?? '',
      handle: async (messages) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 20));
        for (const m of messages) {
          const [key, n] = m.data.split(':');
          seen.set(key, [...(seen.get(key) ?? []), Number(n)]);
        }
        inFlight--;
      },
      metrics,
    });
    running.push(sut);
    const keys = Array.from({ length: 12 }, (_, i) => `key${i}`);
    await producer.send(
      topic,
      Array.from({ length: 600 }, (_, i) => ({ key: keys[i % keys.length], value: Buffer.from(`${keys[i % keys.length]}:${i}`) })),
    );
    await sut.start();
    await expectEventually(() => expect([...seen.values()].reduce((n, l) => n + l.length, 0)).toBe(600));
    for (const list of seen.values()) expect(list).toEqual([...list].sort((a, b) => a - b));
    expect(maxInFlight).toBeGreaterThan(1);
  });

  it('commits offsets only after the handler succeeded, so a restarted consumer resumes where it left off', async () => {
    const [topic] = await createTestTopics(['resume']);
    const groupId = uniqueName('group');
    const seen: string[] = [];
    const make = () => {
      const c = new MessageConsumer<string>(kafka, producer, {
        groupId,
        topics: [topic],
        decode: (raw) => raw.value?.toString() ?? '',
        handle: async (messages) => {
          seen.push(...messages.map((m) => m.data));
        },
        metrics,
      });
      running.push(c);
      return c;
    };
    const first = make();
    await first.start();
    await send(topic, ['1', '2', '3']);
    await expectEventually(() => expect(seen).toEqual(['1', '2', '3']));
    await first.stop();

    await send(topic, ['4', '5']);
    const second = make();
    await second.start();
    await expectEventually(() => expect(seen).toEqual(['1', '2', '3', '4', '5']));
  });
});
