import type { Kafka } from 'kafkajs';
import type { MessageProducer } from '../producer/producer';
import { deadLetterTopicFor } from '../kafka/topics';
import { DeadLetterHeaders, isDeadLetterHeader } from './dead-letter';

export interface DeadLetter {
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** The message's own headers, without the dead-letter ones. */
  headers: Record<string, string>;
  error: { code: string; message: string; stack: string; attempts: number; failedAt: string };
  source: { topic: string; partition: number; offset: string; group: string };
}

/** Reads the dead-letter topic of `groupId` from the start up to its current end, without committing anything. */
export async function readDeadLetters(kafka: Kafka, groupId: string, limit = 1_000): Promise<DeadLetter[]> {
  const topic = deadLetterTopicFor(groupId);
  const admin = kafka.admin();
  await admin.connect();
  let ends: { partition: number; high: string; low: string }[];
  try {
    ends = await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
  const out: DeadLetter[] = [];
  const consumer = kafka.consumer({ groupId: `${groupId}.dlq-reader.${process.pid}.${Date.now()}` });
  const remaining = new Map(ends.filter((e) => BigInt(e.high) > BigInt(e.low)).map((e) => [e.partition, BigInt(e.high)]));
  if (!remaining.size) return out;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            if (out.length < limit) out.push(toDeadLetter(partition, message));
            if (BigInt(message.offset) + 1n >= (remaining.get(partition) ?? 0n)) remaining.delete(partition);
            if (remaining.size === 0 || out.length >= limit) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}

/**
 * Re-publishes dead letters to the topics they came from (original key, value and headers), for example after the
 * bug that failed them is fixed. With `offsets`, only those dead letters (`<partition>:<offset>`) are replayed.
 */
export async function replayDeadLetters(
  kafka: Kafka,
  producer: MessageProducer,
  groupId: string,
  options: { offsets?: string[]; limit?: number } = {},
): Promise<number> {
  const letters = await readDeadLetters(kafka, groupId, options.limit);
  const wanted = options.offsets ? new Set(options.offsets) : undefined;
  const chosen = letters.filter((l) => !wanted || wanted.has(`${l.partition}:${l.offset}`));
  const byTopic = new Map<string, DeadLetter[]>();
  for (const l of chosen) byTopic.set(l.source.topic, [...(byTopic.get(l.source.topic) ?? []), l]);
  for (const [topic, list] of byTopic) {
    await producer.send(
      topic,
      list.map((l) => ({ key: l.key, value: l.value, headers: { ...l.headers, 'weft-replayed-from': `${l.partition}:${l.offset}` } })),
    );
  }
  return chosen.length;
}

function toDeadLetter(
  partition: number,
  message: { offset: string; key: Buffer | null; value: Buffer | null; headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined> },
): DeadLetter {
  const all: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) all[k] = String(Array.isArray(v) ? v.join(',') : v);
  const headers = Object.fromEntries(Object.entries(all).filter(([k]) => !isDeadLetterHeader(k)));
  return {
    partition,
    offset: message.offset,
    key: message.key,
    value: message.value,
    headers,
    error: {
      code: all[DeadLetterHeaders.errorCode] ?? '',
      message: all[DeadLetterHeaders.errorMessage] ?? '',
      stack: all[DeadLetterHeaders.errorStack] ?? '',
      attempts: Number(all[DeadLetterHeaders.attempts] ?? 0),
      failedAt: all[DeadLetterHeaders.failedAt] ?? '',
    },
    source: {
      topic: all[DeadLetterHeaders.sourceTopic] ?? '',
      partition: Number(all[DeadLetterHeaders.sourcePartition] ?? -1),
      offset: all[DeadLetterHeaders.sourceOffset] ?? '',
      group: all[DeadLetterHeaders.consumerGroup] ?? '',
    },
  };
}
