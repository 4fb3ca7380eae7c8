import type { Kafka, Producer as KafkaProducer, Message } from 'kafkajs';
import { ProducerBufferFullError } from '../errors';
import { MessagingMetrics } from '../metrics';
import { fastDefaultPartitioner } from './partitioner';

export interface OutboundMessage {
  key: string | Buffer | null;
  value: Buffer | null;
  headers?: Record<string, string | Buffer>;
  partition?: number;
}

export interface ProducerOptions {
  /** Bytes that may wait for acknowledgement before `send` refuses with ProducerBufferFullError. */
  maxBufferedBytes?: number;
  /**
   * Bytes per produce request at most. Sends are split and coalesced to stay under it, because the broker refuses
   * a partition's record batch above its `message.max.bytes` (1 MiB by default).
   */
  maxRequestBytes?: number;
  metrics?: MessagingMetrics;
}

/** One `send` call: resolves when all its pieces are acknowledged, rejects on the first failure. */
interface Pending {
  remaining: number;
  failed: boolean;
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Piece {
  topic: string;
  messages: Message[];
  bytes: number;
  owner: Pending;
}

const messageBytes = (m: OutboundMessage) => (m.value?.length ?? 0) + (m.key?.length ?? 0) + 64;

/**
 * Idempotent producer (acks=all, one request in flight per broker, so retries cannot duplicate or reorder).
 * Calls to `send` that arrive while a request is in flight are gathered into the next request, which keeps
 * throughput high with many concurrent callers; each call resolves only once its own messages are acknowledged.
 */
export class MessageProducer {
  private readonly producer: KafkaProducer;
  private readonly maxBufferedBytes: number;
  private readonly maxRequestBytes: number;
  private readonly metrics: MessagingMetrics;
  private queue: Piece[] = [];
  private flushing: Promise<void> | null = null;
  private buffered = 0;
  private connected = false;

  constructor(kafka: Kafka, options: ProducerOptions = {}) {
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: fastDefaultPartitioner,
    });
    this.maxBufferedBytes = options.maxBufferedBytes ?? 64 * 1024 * 1024;
    this.maxRequestBytes = options.maxRequestBytes ?? 900 * 1024;
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
    const sizes = messages.map(messageBytes);
    const bytes = sizes.reduce((a, b) => a + b, 0);
    if (this.buffered > 0 && this.buffered + bytes > this.maxBufferedBytes) {
      return Promise.reject(new ProducerBufferFullError(this.buffered, this.maxBufferedBytes));
    }
    this.buffered += bytes;
    return new Promise<void>((resolve, reject) => {
      const owner: Pending = { remaining: 0, failed: false, resolve, reject };
      let piece: Piece = { topic, messages: [], bytes: 0, owner };
      messages.forEach((m, i) => {
        if (piece.messages.length && piece.bytes + sizes[i] > this.maxRequestBytes) {
          this.queue.push(piece);
          owner.remaining++;
          piece = { topic, messages: [], bytes: 0, owner };
        }
        piece.messages.push({ key: m.key, value: m.value, headers: m.headers, partition: m.partition });
        piece.bytes += sizes[i];
      });
      this.queue.push(piece);
      owner.remaining++;
      if (!this.flushing) this.flushing = this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.queue.length) {
        const batch: Piece[] = [];
        let bytes = 0;
        while (this.queue.length && (batch.length === 0 || bytes + this.queue[0].bytes <= this.maxRequestBytes)) {
          const next = this.queue.shift() as Piece;
          batch.push(next);
          bytes += next.bytes;
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
          for (const p of batch) {
            if (--p.owner.remaining === 0 && !p.owner.failed) p.owner.resolve();
          }
        } catch (err) {
          for (const p of batch) {
            p.owner.remaining--;
            if (!p.owner.failed) {
              p.owner.failed = true;
              p.owner.reject(err);
            }
          }
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
