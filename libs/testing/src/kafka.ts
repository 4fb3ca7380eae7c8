import { Kafka, logLevel } from 'kafkajs';
import { integrationEnv } from './integration-env';
import { uniqueName } from './unique';

export function testKafka(): Kafka {
  return new Kafka({ clientId: uniqueName('test'), brokers: integrationEnv().kafkaBrokers, logLevel: logLevel.NOTHING });
}

/** Creates topics with unique names (one per entry of `prefixes`) and returns their names in the same order. */
export async function createTestTopics(prefixes: string[], numPartitions = 1): Promise<string[]> {
  const names = prefixes.map((p) => uniqueName(p));
  const admin = testKafka().admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: names.map((topic) => ({ topic, numPartitions })) });
  } finally {
    await admin.disconnect();
  }
  return names;
}

/** Reads every message currently in `topic` (all partitions) from the beginning, without a consumer group. */
export async function readAll(topic: string): Promise<{ key: Buffer | null; value: Buffer | null; headers: Record<string, string>; partition: number; offset: string }[]> {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const wanted = ends.filter((p) => Number(p.high) > Number(p.low));
  const out: { key: Buffer | null; value: Buffer | null; headers: Record<string, string>; partition: number; offset: string }[] = [];
  if (!wanted.length) return out;
  const consumer = kafka.consumer({ groupId: uniqueName('read-all') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const remaining = new Map(wanted.map((p) => [p.partition, Number(p.high)]));
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        eachMessage: async ({ partition, message }) => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = v.toString();
          out.push({ key: message.key, value: message.value, headers, partition, offset: message.offset });
          if (Number(message.offset) + 1 >= (remaining.get(partition) ?? 0)) remaining.delete(partition);
          if (remaining.size === 0) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return out;
}
