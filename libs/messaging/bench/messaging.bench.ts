// npm run bench:messaging — produce and consume N Avro-encoded XDM ExperienceEvents (~1 KB) through the local broker
// with Weft's messaging library (idempotent producer, registry-backed Avro serde, batch consumer with commits),
// and the same events' bytes with plain kafkajs (no serde, auto-commit after each batch); prints events/s and ratios.
//
// Timed: the library's work (Avro encoding, batching, sending; fetching, decoding, handing over, committing) and
// kafkajs's. Not timed:
// - building the test events: they come from a pool of EVENT_POOL distinct events built before any clock (a pool,
//   not all N: N live events would be over 400 MB of heap whose major collections would be charged to the library);
//   keys are prebuilt for both sides alike. The earlier method, building each event inside the timed loop, is still
//   run once and printed for comparison with older figures;
// - a warm-up of WARMUP events per producer (and for the Weft consumer) on a topic of its own, so that no side pays
//   for compilation and connection set-up that a side running later gets for free.
// The raw side sends the Avro bytes of the same events (encoded before its clock), so both copy distinct ~1 KB
// values rather than one buffer that stays in the CPU cache.
//
// Raw kafkajs is produced twice: with the library's delivery guarantees (idempotent, acks=all, one request in flight),
// the baseline of the ratios, and with kafkajs's defaults (acks=all, not idempotent, requests pipelined). Both use
// kafkajs's DefaultPartitioner (murmur2 on emulated 64-bit longs, several µs per message); the library uses its own
// 32-bit murmur2 (same partitions). A third raw run, same guarantees with the library's partitioner, isolates what
// the serde and the wrapper cost.
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { Type } from 'avsc';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { benchInfra, uniqueName } from '@weft/testing';
import { fastDefaultPartitioner, MessagingClient, type OutboundMessage, type TopicContract } from '../src';

const N = Number(process.env['BENCH_EVENTS'] ?? 200_000);
const CHUNK = 1_000;
const CONCURRENCY = 8;
const EVENT_POOL = 10_000;
/** Events each producer and the Weft consumer handle before their clock starts (code compiled, connections set up). */
const WARMUP = 20_000;

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

const profileDir = process.env['BENCH_CPU_PROFILE'];
let inspector: Session | undefined;

/** With BENCH_CPU_PROFILE=<dir>, writes <dir>/<name>.cpuprofile covering `run` (open it in Chrome DevTools). */
async function profiled<R>(name: string, run: () => Promise<R>): Promise<R> {
  if (!profileDir) return run();
  if (!inspector) {
    inspector = new Session();
    inspector.connect();
    await inspector.post('Profiler.enable');
    await inspector.post('Profiler.setSamplingInterval', { interval: 200 });
  }
  await inspector.post('Profiler.start');
  try {
    return await run();
  } finally {
    const { profile } = await inspector.post('Profiler.stop');
    mkdirSync(profileDir, { recursive: true });
    writeFileSync(join(profileDir, `${name}.cpuprofile`), JSON.stringify(profile));
  }
}

/** Builds the test data before any clock starts: distinct events for the Weft side, keys for both sides. */
function testData() {
  const events = Array.from({ length: EVENT_POOL }, (_, i) => makeEvent(i));
  const keys = Array.from({ length: N }, (_, i) => String(i).padStart(38, '0'));
  return { events, keys };
}

type TestData = ReturnType<typeof testData>;

async function benchWeft(brokers: string[], registryUrl: string, data: TestData) {
  const topic: TopicContract<ReturnType<typeof makeEvent>> = { name: uniqueName('bench.weft'), partitions: 3, valueType: eventType };
  const oldStyleTopic: TopicContract<ReturnType<typeof makeEvent>> = { ...topic, name: uniqueName('bench.weft-events-in-loop') };
  const warmupTopic: TopicContract<ReturnType<typeof makeEvent>> = { ...topic, name: uniqueName('bench.weft-warmup') };
  const client = new MessagingClient({ clientId: 'bench-weft', brokers, schemaRegistryUrl: registryUrl });
  await client.provision([topic, oldStyleTopic, warmupTopic]);
  await client.connect();
  const codec = await client.codec(topic);
  const oldStyleCodec = await client.codec(oldStyleTopic);
  const sample = codec.encode(data.events[1]);
  await codec.decode(sample);
  // Serde alone, after a warm-up round (the first round mostly measures compilation).
  const reps = 50_000;
  let decodeOnly = 0;
  let encodeOnly = 0;
  for (let round = 0; round < 2; round++) {
    const d0 = performance.now();
    for (let i = 0; i < reps; i++) void codec.decode(sample);
    decodeOnly = rate(reps, performance.now() - d0);
    const e0 = performance.now();
    for (let i = 0; i < reps; i++) codec.encode(data.events[i % EVENT_POOL]);
    encodeOnly = rate(reps, performance.now() - e0);
  }

  const produce = (target: TopicContract<ReturnType<typeof makeEvent>>, count: number) =>
    inChunks(count, (from, to) => {
      const messages = new Array<OutboundMessage>(to - from);
      for (let i = from; i < to; i++) messages[i - from] = { key: data.keys[i], value: codec.encode(data.events[i % EVENT_POOL]) };
      return client.producer.send(target.name, messages);
    });
  await produce(warmupTopic, WARMUP);
  const t0 = performance.now();
  await profiled('weft-produce', () => produce(topic, N));
  const produceMs = performance.now() - t0;

  // The bench's earlier method: each event built inside the timed loop (kept for comparison with older figures).
  const o0 = performance.now();
  await inChunks(N, (from, to) =>
    client.producer.send(
      oldStyleTopic.name,
      Array.from({ length: to - from }, (_, k) => {
        const e = makeEvent(from + k);
        return { key: e.identityMap.ECID[0].id, value: oldStyleCodec.encode(e) };
      }),
    ),
  );
  const oldStyleProduceMs = performance.now() - o0;

  let warmed = 0;
  let warm!: () => void;
  const warmedUp = new Promise<void>((resolve) => (warm = resolve));
  const warmupConsumer = await client.topicConsumer(warmupTopic, {
    groupId: uniqueName('bench-weft-warmup'),
    handle: async (batch) => {
      warmed += batch.length;
      if (warmed >= WARMUP) warm();
    },
  });
  await warmupConsumer.start();
  await warmedUp;
  await warmupConsumer.stop();

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
  await profiled('weft-consume', async () => {
    await consumer.start();
    await finished;
  });
  // From the first delivered message to the last: group join and topic setup are not part of the rate.
  const consumeMs = performance.now() - first;
  await client.close();
  return {
    produce: rate(N, produceMs),
    produceOldStyle: rate(N, oldStyleProduceMs),
    consume: rate(N, consumeMs),
    bytes: sample.length,
    // The raw side sends the same bytes (encoded here, before any clock), without a serde.
    payloads: data.events.map((e) => Buffer.from(codec.encode(e))),
    decodeOnly,
    encodeOnly,
  };
}

/**
 * Raw kafkajs, no serde: produces the N events' bytes, Avro-encoded before the clock, with the library's delivery guarantees (idempotent,
 * acks=all, so one request in flight), then N more with kafkajs's defaults, and consumes the first N.
 */
async function benchRaw(brokers: string[], payloads: Buffer[], data: TestData) {
  const kafka = new Kafka({ clientId: 'bench-raw', brokers, logLevel: logLevel.NOTHING });
  const topic = uniqueName('bench.raw');
  const defaultsTopic = uniqueName('bench.raw-defaults');
  const fastPartitionerTopic = uniqueName('bench.raw-fast-partitioner');
  const warmupTopic = uniqueName('bench.raw-warmup');
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic, numPartitions: 3 },
      { topic: defaultsTopic, numPartitions: 3 },
      { topic: fastPartitionerTopic, numPartitions: 3 },
      { topic: warmupTopic, numPartitions: 3 },
    ],
  });
  await admin.disconnect();
  const produce = async (producer: Producer, target: string, acks: { acks?: number }) => {
    const run = (into: string, count: number) =>
      inChunks(count, async (from, to) => {
        const messages = new Array<{ key: string; value: Buffer }>(to - from);
        for (let i = from; i < to; i++) messages[i - from] = { key: data.keys[i], value: payloads[i % EVENT_POOL] };
        await producer.send({ topic: into, ...acks, messages });
      });
    await producer.connect();
    await run(warmupTopic, WARMUP);
    const t0 = performance.now();
    await profiled(`raw-produce-${target === topic ? 'same' : target === defaultsTopic ? 'defaults' : 'fast-partitioner'}`, () => run(target, N));
    const ms = performance.now() - t0;
    await producer.disconnect();
    return rate(N, ms);
  };
  const produceSame = await produce(
    kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner }),
    topic,
    { acks: -1 },
  );
  const produceDefaults = await produce(kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner }), defaultsTopic, {});
  const produceFastPartitioner = await produce(
    kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: fastDefaultPartitioner }),
    fastPartitionerTopic,
    { acks: -1 },
  );

  let consumed = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const consumer = kafka.consumer({ groupId: uniqueName('bench-raw'), maxWaitTimeInMs: 100, maxBytesPerPartition: 4 * 1024 * 1024, maxBytes: 32 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let first = 0;
  await profiled('raw-consume', async () => {
    await consumer.run({
      eachBatch: async ({ batch }) => {
        if (!first) first = performance.now();
        consumed += batch.messages.length;
        if (consumed >= N) done();
      },
    });
    await finished;
  });
  const consumeMs = performance.now() - first;
  await consumer.disconnect();
  return { produce: produceSame, produceDefaults, produceFastPartitioner, consume: rate(N, consumeMs) };
}

const us = (perSecond: number) => (1e6 / perSecond).toFixed(2);

async function main(): Promise<void> {
  const infra = await benchInfra();
  try {
    console.log(
      `messaging benchmark: ${N} events, ${CHUNK} per send, ${CONCURRENCY} concurrent senders, 3 partitions; ` +
        `test events built before the clock (${EVENT_POOL} distinct)`,
    );
    const data = testData();
    const weft = await benchWeft(infra.kafkaBrokers, infra.schemaRegistryUrl, data);
    const raw = await benchRaw(infra.kafkaBrokers, weft.payloads, data);
    const n = (x: number) => x.toLocaleString('en');
    console.log(
      `event size (Avro, wire format): ${weft.bytes} bytes; alone, one core: Avro encode ${n(weft.encodeOnly)} ev/s ` +
        `(${us(weft.encodeOnly)} µs), decode ${n(weft.decodeOnly)} ev/s (${us(weft.decodeOnly)} µs)`,
    );
    console.log(`raw kafkajs, same guarantees (idempotent, acks=all)   produce ${n(raw.produce)} ev/s   consume ${n(raw.consume)} ev/s`);
    console.log(`raw kafkajs, kafkajs defaults (not idempotent)        produce ${n(raw.produceDefaults)} ev/s`);
    console.log(`raw kafkajs, same guarantees + library's partitioner  produce ${n(raw.produceFastPartitioner)} ev/s`);
    console.log(`weft library (Avro encode/decode, commits)            produce ${n(weft.produce)} ev/s   consume ${n(weft.consume)} ev/s`);
    console.log(`weft library, events built inside the timed loop      produce ${n(weft.produceOldStyle)} ev/s   (the earlier method)`);
    const cycle = (produce: number, consume: number) => 1 / (1 / produce + 1 / consume);
    console.log(
      `ratio weft/raw same guarantees: produce ${(weft.produce / raw.produce).toFixed(2)}   consume ${(weft.consume / raw.consume).toFixed(2)}   ` +
        `produce+consume cycle ${(cycle(weft.produce, weft.consume) / cycle(raw.produce, raw.consume)).toFixed(2)}`,
    );
    console.log(
      `ratio weft/raw kafkajs defaults: produce ${(weft.produce / raw.produceDefaults).toFixed(2)}   ` +
        `(earlier method: ${(weft.produceOldStyle / raw.produceDefaults).toFixed(2)})`,
    );
    console.log(
      `ratio weft/raw same guarantees + library's partitioner (serde and wrapper only): produce ` +
        `${(weft.produce / raw.produceFastPartitioner).toFixed(2)}`,
    );
    console.log(
      `per event: consume raw ${us(raw.consume)} µs, weft ${us(weft.consume)} µs; ` +
        `produce raw ${us(raw.produce)} µs, weft ${us(weft.produce)} µs`,
    );
  } finally {
    await infra.stop();
  }
  process.exit(0);
}

void main();
