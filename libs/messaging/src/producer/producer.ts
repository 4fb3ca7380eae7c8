import { Partitioners, type Kafka, type Producer as KafkaProducer, type Message } from 'kafkajs';
import { ProducerBufferFullError } from '../errors';
import { MessagingMetrics } from '../metrics';

export interface OutboundMessage {
  key: string | Buffer | null;
  value: Buffer | null;
  headers?: Record<string, string | Buffer>;
  partition?: number;
}

export interface ProducerOptions {
  /** Bytes that may wait for acknowledgement before `send` refuses with ProducerBufferFullError. */
  maxBufferedBytes?: number;
  /** Messages per produce request at most. */
  maxBatchMessages?: number;
  metrics?: MessagingMetrics;
}

interface Pending {
  topic: string;
  messages: Message[];
  bytes: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Idempotent producer (acks=all, one request in flight per broker, so retries cannot duplicate or reorder).
 * Calls to `send` that arrive while a request is in flight are gathered into the next request, which keeps
 * throughput high with many concurrent callers; each call resolves only once its own messages are acknowledged.
 */
export class MessageProducer {
  private readonly producer: KafkaProducer;
  private readonly maxBufferedBytes: number;
  private readonly maxBatchMessages: number;
  private readonly metrics: MessagingMetrics;
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private buffered = 0;
  private connected = false;

  constructor(kafka: Kafka, options: ProducerOptions = {}) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.maxBufferedBytes = options.maxBufferedBytes ?? 64 * 1024 * 1024;
    this.maxBatchMessages = options.maxBatchMessages ?? 10_000;
    this.metrics = options.metrics ?? MessagingMetrics.for();
    this.producer.on(this.producer.events.DISCONNECT, () => {
      this.connected = false;
    });
  }

  async connect(): Promise<void> {
    await this.producer.connect();
    this.connected = true;
  }

  isConnected(): boolean {
    return this.connected;
  }

  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Resolves when every message is acknowledged by the broker. */
  send(topic: string, messages: OutboundMessage[]): Promise<void> {
    if (!messages.length) return Promise.resolve();
    const bytes = messages.reduce((n, m) => n + (m.value?.length ?? 0) + (m.key?.length ?? 0), 0);
    if (this.buffered > 0 && this.buffered + bytes > this.maxBufferedBytes) {
      return Promise.reject(new ProducerBufferFullError(this.buffered, this.maxBufferedBytes));
    }
    this.buffered += bytes;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({
        topic,
        bytes,
        resolve,
        reject,
        messages: messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers, partition: m.partition })),
      });
      if (!this.flushing) this.flushing = this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.queue.length) {
        const batch: Pending[] = [];
        let count = 0;
        while (this.queue.length && (count === 0 || count + this.queue[0].messages.length <= this.maxBatchMessages)) {
          const next = this.queue.shift() as Pending;
          batch.push(next);
          count += next.messages.length;
        }
        const byTopic = new Map<string, Message[]>();
        for (const p of batch) {
          const list = byTopic.get(p.topic);
          if (list) list.push(...p.messages);
          else byTopic.set(p.topic, [...p.messages]);
        }
        try {
          await this.producer.sendBatch({
            acks: -1,
            topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
          });
          for (const [topic, messages] of byTopic) this.metrics.messagesOut.inc({ topic }, messages.length);
          for (const p of batch) p.resolve();
        } catch (err) {
          for (const p of batch) p.reject(err);
        } finally {
          for (const p of batch) this.buffered -= p.bytes;
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  /** Waits for queued sends, then disconnects. */
  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    await this.producer.disconnect();
    this.connected = false;
  }
}
