import { createTestTopics, integrationEnv, readAll, uniqueName } from '@weft/testing';
import { Registry } from 'prom-client';
import { ProducerBufferFullError } from '../errors';
import { createKafka } from '../kafka/kafka-client';
import { MessagingMetrics } from '../metrics';
import { MessageProducer } from './producer';

describe(MessageProducer.name, () => {
  const kafka = createKafka({ clientId: uniqueName('producer-it'), brokers: integrationEnv().kafkaBrokers });

  it('splits sends larger than one produce request and resolves after all of them are acknowledged', async () => {
    const [topic] = await createTestTopics(['producer-split'], 2);
    const sut = new MessageProducer(kafka, { metrics: MessagingMetrics.for(new Registry()), maxRequestBytes: 64 * 1024 });
    await sut.connect();
    const value = Buffer.alloc(10 * 1024, 'v');
    // 3 MB in one call and 100 concurrent small calls: both must land completely.
    await Promise.all([
      sut.send(topic, Array.from({ length: 300 }, (_, i) => ({ key: `big-${i}`, value }))),
      ...Array.from({ length: 100 }, (_, i) => sut.send(topic, [{ key: `small-${i}`, value: Buffer.from(String(i)) }])),
    ]);
    expect(sut.bufferedBytes).toBe(0);
    await sut.close();
    const all = await readAll(topic);
    expect(all).toHaveLength(400);
    expect(new Set(all.map((m) => m.key?.toString())).size).toBe(400);
  });

  it('keeps the order of sends and of messages within a send when requests take part of a send', async () => {
    const [topic] = await createTestTopics(['producer-order'], 1);
    const sut = new MessageProducer(kafka, { metrics: MessagingMetrics.for(new Registry()), maxRequestBytes: 64 * 1024 });
    await sut.connect();
    const value = Buffer.alloc(7 * 1024, 'v');
    // Sizes that do not divide the request size: most requests end in the middle of a send.
    const sends = Array.from({ length: 5 }, (_, s) => Array.from({ length: 23 + s * 7 }, (_, i) => `s${s}-${i}`));
    await Promise.all(sends.map((keys) => sut.send(topic, keys.map((key) => ({ key, value })))));
    await sut.close();
    const all = await readAll(topic);
    expect(all.sort((a, b) => Number(a.offset) - Number(b.offset)).map((m) => m.key?.toString())).toEqual(sends.flat());
  });

  it('refuses a send with ProducerBufferFullError while the buffer is full', async () => {
    const [topic] = await createTestTopics(['producer-full']);
    const sut = new MessageProducer(kafka, { metrics: MessagingMetrics.for(new Registry()), maxBufferedBytes: 50 * 1024 });
    await sut.connect();
    const first = sut.send(topic, [{ key: 'a', value: Buffer.alloc(40 * 1024) }]);
    await expect(sut.send(topic, [{ key: 'b', value: Buffer.alloc(40 * 1024) }])).rejects.toBeInstanceOf(ProducerBufferFullError);
    await first;
    await sut.send(topic, [{ key: 'c', value: Buffer.alloc(40 * 1024) }]);
    await sut.close();
  });
});
