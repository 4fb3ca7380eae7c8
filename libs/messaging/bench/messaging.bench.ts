// npm run bench:messaging — produce and consume N Avro-encoded XDM ExperienceEvents (~1 KB) through the local broker
// with Weft's messaging library (idempotent producer, registry-backed Avro serde, batch consumer with commits),
// and the same N raw ~1 KB buffers with plain kafkajs (no serde, auto-commit); prints events/s and the ratio.
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { Type } from 'avsc';
import { benchInfra, uniqueName } from '@weft/testing';
import { MessagingClient, type TopicContract } from '../src';

const N = Number(process.env['BENCH_EVENTS'] ?? 200_000);
const CHUNK = 1_000;
const CONCURRENCY = 8;

const eventType = Type.forSchema({
  type: 'record',
  name: 'BenchExperienceEvent',
  namespace: 'io.weft.bench',
  fields: [
    { name: '_id', type: 'string' },
    { name: 'timestamp', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'eventType', type: 'string' },
    {
      name: 'identityMap',
      type: { type: 'map', values: { type: 'array', items: { type: 'record', name: 'IdentityItem', fields: [
        { name: 'id', type: 'string' }, { name: 'authenticatedState', type: 'string' }, { name: 'primary', type: 'boolean' },
      ] } } },
    },
    { name: 'web', type: { type: 'record', name: 'Web', fields: [
      { name: 'url', type: 'string' }, { name: 'name', type: 'string' }, { name: 'referrer', type: 'string' },
    ] } },
    { name: 'commerce', type: { type: 'record', name: 'Commerce', fields: [
      { name: 'priceTotal', type: 'double' }, { name: 'currencyCode', type: 'string' }, { name: 'purchaseID', type: 'string' },
    ] } },
    { name: 'productListItems', type: { type: 'array', items: { type: 'record', name: 'Product', fields: [
      { name: 'SKU', type: 'string' }, { name: 'name', type: 'string' }, { name: 'quantity', type: 'int' }, { name: 'priceTotal', type: 'double' },
    ] } } },
    { name: 'userAgent', type: 'string' },
    { name: 'marketingTrackingCode', type: 'string' },
  ],
});

function makeEvent(i: number) {
  return {
    _id: `evt-${i}-${'x'.repeat(24)}`,
    timestamp: 1_700_000_000_000 + i,
    eventType: 'commerce.purchases',
    identityMap: {
      ECID: [{ id: String(i).padStart(38, '0'), authenticatedState: 'ambiguous', primary: true }],
      Email: [{ id: `user${i % 50_000}@example.com`, authenticatedState: 'authenticated', primary: false }],
    },
    web: {
      url: `https://shop.example.com/products/category/item-${i % 1000}?utm_source=newsletter&utm_medium=email`,
      name: `Product page ${i % 1000}`,
      referrer: 'https://www.search.example.com/search?q=running+shoes+for+trail+and+road',
    },
    commerce: { priceTotal: 129.99, currencyCode: 'USD', purchaseID: `order-${i}` },
    productListItems: [0, 1, 2, 3, 4, 5].map((k) => ({ SKU: `SKU-${(i + k) % 10_000}-BLUE-42`, name: `Trail running shoe model ${k}`, quantity: 1 + k, priceTotal: 39.99 + k })),
    userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
    marketingTrackingCode: `spring-sale-2024/email/newsletter-${i % 97}/segment-loyal-customers/variant-b`,
  };
}

async function inChunks(total: number, send: (from: number, to: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < total) {
        const from = next;
        next = Math.min(total, next + CHUNK);
        await send(from, next);
      }
    }),
  );
}

const rate = (count: number, ms: number) => Math.round((count / ms) * 1000);

async function benchWeft(brokers: string[], registryUrl: string) {
  const topic: TopicContract<ReturnType<typeof makeEvent>> = { name: uniqueName('bench.weft'), partitions: 3, valueType: eventType };
  const client = new MessagingClient({ clientId: 'bench-weft', brokers, schemaRegistryUrl: registryUrl });
  await client.provision([topic]);
  await client.connect();
  const codec = await client.codec(topic);
  const sample = codec.encode(makeEvent(1));
  await codec.decode(sample);
  const d0 = performance.now();
  for (let i = 0; i < 50_000; i++) void codec.decode(sample);
  const decodeOnly = rate(50_000, performance.now() - d0);

  const t0 = performance.now();
  await inChunks(N, (from, to) =>
    client.producer.send(
      topic.name,
      Array.from({ length: to - from }, (_, k) => {
        const e = makeEvent(from + k);
        return { key: e.identityMap.ECID[0].id, value: codec.encode(e) };
      }),
    ),
  );
  const produceMs = performance.now() - t0;

  let consumed = 0;
  let first = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const consumer = await client.topicConsumer(topic, {
    groupId: uniqueName('bench-weft'),
    handle: async (batch) => {
      if (!first) first = performance.now();
      consumed += batch.length;
      if (consumed >= N) done();
    },
  });
  await consumer.start();
  await finished;
  // From the first delivered message to the last: group join and topic setup are not part of the rate.
  const consumeMs = performance.now() - first;
  await client.close();
  return { produce: rate(N, produceMs), consume: rate(N, consumeMs), bytes: sample.length, decodeOnly };
}

async function benchRaw(brokers: string[], size: number) {
  const kafka = new Kafka({ clientId: 'bench-raw', brokers, logLevel: logLevel.NOTHING });
  const topic = uniqueName('bench.raw');
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
  await admin.disconnect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const payload = Buffer.alloc(size, 'x');

  const t0 = performance.now();
  await inChunks(N, async (from, to) => {
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: to - from }, (_, k) => ({ key: String(from + k).padStart(38, '0'), value: payload })),
    });
  });
  const produceMs = performance.now() - t0;
  await producer.disconnect();

  let consumed = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const consumer = kafka.consumer({ groupId: uniqueName('bench-raw'), maxWaitTimeInMs: 100, maxBytesPerPartition: 4 * 1024 * 1024, maxBytes: 32 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let first = 0;
  await consumer.run({
    eachBatch: async ({ batch }) => {
      if (!first) first = performance.now();
      consumed += batch.messages.length;
      if (consumed >= N) done();
    },
  });
  await finished;
  const consumeMs = performance.now() - first;
  await consumer.disconnect();
  return { produce: rate(N, produceMs), consume: rate(N, consumeMs) };
}

async function main(): Promise<void> {
  const infra = await benchInfra();
  try {
    console.log(`messaging benchmark: ${N} events, ${CHUNK} per send, ${CONCURRENCY} concurrent senders, 3 partitions`);
    const weft = await benchWeft(infra.kafkaBrokers, infra.schemaRegistryUrl);
    const raw = await benchRaw(infra.kafkaBrokers, weft.bytes);
    console.log(`event size (Avro, wire format): ${weft.bytes} bytes; Avro decode alone, one core: ${weft.decodeOnly.toLocaleString('en')} ev/s`);
    console.log(`raw kafkajs   produce ${raw.produce.toLocaleString('en')} ev/s   consume ${raw.consume.toLocaleString('en')} ev/s`);
    console.log(`weft library  produce ${weft.produce.toLocaleString('en')} ev/s   consume ${weft.consume.toLocaleString('en')} ev/s (Avro encode/decode included)`);
    const cycle = (r: { produce: number; consume: number }) => 1 / (1 / r.produce + 1 / r.consume);
    console.log(
      `ratio weft/raw produce ${(weft.produce / raw.produce).toFixed(2)}   consume ${(weft.consume / raw.consume).toFixed(2)}   ` +
        `produce+consume cycle ${(cycle(weft) / cycle(raw)).toFixed(2)}`,
    );
  } finally {
    await infra.stop();
  }
  process.exit(0);
}

void main();
