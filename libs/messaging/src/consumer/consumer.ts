import type { Consumer as KafkaConsumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { errorCode, isRetryable } from '../errors';
import { MessagingMetrics } from '../metrics';
import { MessageProducer } from '../producer/producer';
import { deadLetterTopicFor, ensureTopics } from '../kafka/topics';
import { backoffDelay, defaultRetryPolicy, type RetryPolicy } from './backoff';
import { DeadLetterHeaders } from './dead-letter';

export interface RawMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
  timestamp: number;
}

export interface ConsumedMessage<T> extends RawMessage {
  data: T;
}

export interface ConsumerOptions<T> {
  groupId: string;
  topics: string[];
  /** Turns bytes into a value; an error here sends the message to the dead-letter topic (bytes do not change on retry). */
  decode: (message: RawMessage) => T | Promise<T>;
  /** Applies a batch durably; must be idempotent, because at-least-once delivery can repeat messages. */
  handle: (messages: ConsumedMessage<T>[]) => Promise<void>;
  retry?: Partial<RetryPolicy>;
  /** Largest slice of a fetched batch handed to `handle` (offsets are committed after each slice). */
  maxBatchSize?: number;
  fromBeginning?: boolean;
  deadLetterTopic?: string;
  /** Partitions of the dead-letter topic when it must be created. */
  deadLetterPartitions?: number;
  /**
   * Partitions whose batches are handled at the same time (each partition stays in order). Above 1, `handle` must be
   * safe to run concurrently for messages of different partitions (different keys).
   */
  partitionsConsumedConcurrently?: number;
  /** How long the group waits for a silent member before handing its partitions to others. */
  sessionTimeoutMs?: number;
  metrics?: MessagingMetrics;
  sleep?: (ms: number) => Promise<void>;
  onError?: (err: unknown, context: { topic: string; partition: number; offset?: string; deadLettered: boolean }) => void;
}

/** A slice after decoding: messages ready for `handle` (in offset order) and those whose bytes could not be decoded. */
interface DecodedSlice<T> {
  good: ConsumedMessage<T>[];
  undecodable: { raw: RawMessage; error: unknown }[];
}

function toMessage<T>(topic: string, partition: number, m: KafkaMessage): ConsumedMessage<T> {
  const headers: Record<string, string> = {};
  if (m.headers) {
    for (const k in m.headers) {
      const v = m.headers[k];
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.map(String).join(',') : v.toString();
    }
  }
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key,
    value: m.value,
    headers,
    timestamp: Number(m.timestamp),
    data: undefined as T,
  };
}

/**
 * Batch consumer with commit-after-success: a slice's offsets are committed only after `handle` resolved for it
 * (or its failing messages were written to the dead-letter topic). A failing slice is retried with backoff, then
 * split so that one bad message cannot block the partition: each message is retried alone and, if it still fails,
 * dead-lettered with its original bytes and the error in headers.
 */
export class MessageConsumer<T> {
  private readonly consumer: KafkaConsumer;
  private readonly policy: RetryPolicy;
  private readonly maxBatchSize: number;
  private readonly metrics: MessagingMetrics;
  private readonly deadLetterTopic: string;
  private readonly sleep: (ms: number) => Promise<void>;
  private running = false;
  private crashed: unknown = null;
  private stopping = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly producer: MessageProducer,
    private readonly options: ConsumerOptions<T>,
  ) {
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: Math.min(3_000, Math.floor((options.sessionTimeoutMs ?? 30_000) / 3)),
      maxBytesPerPartition: 4 * 1024 * 1024,
      maxBytes: 32 * 1024 * 1024,
      maxWaitTimeInMs: 100,
      allowAutoTopicCreation: false,
    });
    this.policy = { ...defaultRetryPolicy, ...options.retry };
    this.maxBatchSize = options.maxBatchSize ?? 1_000;
    this.metrics = options.metrics ?? MessagingMetrics.for();
    this.deadLetterTopic = options.deadLetterTopic ?? deadLetterTopicFor(options.groupId);
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      if (!event.payload.restart) this.crashed = event.payload.error;
    });
  }

  get groupId(): string {
    return this.options.groupId;
  }

  /** Healthy while running and not crashed beyond kafkajs's own restart. */
  isHealthy(): boolean {
    return this.running && !this.crashed;
  }

  async start(): Promise<void> {
    await ensureTopics(this.kafka, [{ name: this.deadLetterTopic, partitions: this.options.deadLetterPartitions ?? 1 }]);
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.options.topics, fromBeginning: this.options.fromBeginning ?? true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: (payload) => this.eachBatch(payload),
    });
    this.running = true;
  }

  /** Finishes the slice in progress, commits it, and leaves the group. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.consumer.disconnect();
    this.running = false;
  }

  private async eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { topic, partition, messages } = batch;
    const labels = { topic, group: this.options.groupId };
    let processed: string | undefined;
    for (let start = 0; start < messages.length; start += this.maxBatchSize) {
      if (!isRunning() || isStale()) break;
      const end = Math.min(messages.length, start + this.maxBatchSize);
      const sliced = this.decodeSlice(topic, partition, messages, start, end);
      const { good, undecodable } = sliced instanceof Promise ? await sliced : sliced;
      for (const bad of undecodable) await this.deadLetter(bad.raw, bad.error, 1);

      const timer = this.metrics.handlerSeconds.startTimer(labels);
      if (good.length) await this.handleWithRetries(good, heartbeat);
      timer();
      this.metrics.messagesIn.inc(labels, end - start);

      processed = messages[end - 1].offset;
      resolveOffset(processed);
      await heartbeat();
    }
    // One commit per fetched batch: every slice before it has been handled (or dead-lettered) durably.
    if (processed !== undefined) {
      await this.consumer.commitOffsets([{ topic, partition, offset: (BigInt(processed) + 1n).toString() }]);
      this.metrics.lag.set(
        { ...labels, partition: String(partition) },
        Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(processed) - 1n)),
      );
    }
  }

  /**
   * Decodes messages[start, end) in one pass, synchronously where the decoder can (cached schemas); only when a
   * decoder needs a lookup (the first message of a new writer schema) is the slice awaited as a whole.
   */
  private decodeSlice(
    topic: string,
    partition: number,
    messages: KafkaMessage[],
    start: number,
    end: number,
  ): DecodedSlice<T> | Promise<DecodedSlice<T>> {
    const good: ConsumedMessage<T>[] = [];
    const undecodable: DecodedSlice<T>['undecodable'] = [];
    let pending: Promise<void>[] | undefined;
    // Positions in `good` stay in offset order: a pending message holds its place until its value arrives.
    let failedPending: Set<ConsumedMessage<T>> | undefined;
    for (let i = start; i < end; i++) {
      const message = toMessage<T>(topic, partition, messages[i]);
      try {
        const data = this.options.decode(message);
        if (data instanceof Promise) {
          good.push(message);
          (pending ??= []).push(
            data.then(
              (value) => {
                message.data = value;
              },
              (error: unknown) => {
                (failedPending ??= new Set()).add(message);
                undecodable.push({ raw: message, error });
              },
            ),
          );
        } else {
          message.data = data;
          good.push(message);
        }
      } catch (error) {
        undecodable.push({ raw: message, error });
      }
    }
    if (!pending) return { good, undecodable };
    return Promise.all(pending).then(() => {
      if (!failedPending) return { good, undecodable };
      const failed = failedPending;
      const byOffset = (a: { raw: RawMessage }, b: { raw: RawMessage }) => (BigInt(a.raw.offset) < BigInt(b.raw.offset) ? -1 : 1);
      return { good: good.filter((m) => !failed.has(m)), undecodable: undecodable.sort(byOffset) };
    });
  }

  private async handleWithRetries(messages: ConsumedMessage<T>[], heartbeat: () => Promise<void>): Promise<void> {
    const batchError = await this.attempt(messages, heartbeat);
    if (batchError === undefined) return;
    if (messages.length === 1) {
      await this.deadLetter(messages[0], batchError.error, batchError.attempts);
      return;
    }
    for (const message of messages) {
      const failure = await this.attempt([message], heartbeat);
      if (failure !== undefined) await this.deadLetter(message, failure.error, failure.attempts);
    }
  }

  /** Runs the handler with bounded retries; returns the last error if every attempt failed. */
  private async attempt(
    messages: ConsumedMessage<T>[],
    heartbeat: () => Promise<void>,
  ): Promise<{ error: unknown; attempts: number } | undefined> {
    const labels = { topic: messages[0].topic, group: this.options.groupId };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.handle(messages);
        return undefined;
      } catch (error) {
        this.options.onError?.(error, {
          topic: messages[0].topic,
          partition: messages[0].partition,
          offset: messages.length === 1 ? messages[0].offset : undefined,
          deadLettered: false,
        });
        if (!isRetryable(error) || attempt > this.policy.retries) return { error, attempts: attempt };
        this.metrics.retries.inc(labels);
        await this.sleep(backoffDelay(this.policy, attempt));
        await heartbeat();
      }
    }
  }

  private async deadLetter(message: RawMessage, error: unknown, attempts: number): Promise<void> {
    const err = error instanceof Error ? error : new Error(String(error));
    const code = errorCode(error);
    await this.producer.send(this.deadLetterTopic, [
      {
        key: message.key,
        value: message.value,
        headers: {
          ...message.headers,
          [DeadLetterHeaders.errorCode]: code,
          [DeadLetterHeaders.errorMessage]: err.message.slice(0, 4_000),
          [DeadLetterHeaders.errorStack]: (err.stack ?? '').slice(0, 8_000),
          [DeadLetterHeaders.sourceTopic]: message.topic,
          [DeadLetterHeaders.sourcePartition]: String(message.partition),
          [DeadLetterHeaders.sourceOffset]: message.offset,
          [DeadLetterHeaders.consumerGroup]: this.options.groupId,
          [DeadLetterHeaders.failedAt]: new Date().toISOString(),
          [DeadLetterHeaders.attempts]: String(attempts),
        },
      },
    ]);
    this.metrics.deadLetters.inc({ topic: message.topic, group: this.options.groupId, code });
    this.options.onError?.(error, { topic: message.topic, partition: message.partition, offset: message.offset, deadLettered: true });
  }
}
