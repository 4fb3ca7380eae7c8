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

/** Messages of one `send` waiting to be sent; requests take whole pieces, or split one to fill up to the limit. */
interface Piece {
  topic: string;
  messages: Message[];
  /** Estimated bytes of each message (same indexes as `messages`). */
  sizes: number[];
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
    const sizes = new Array<number>(messages.length);
    const copies = new Array<Message>(messages.length);
    let bytes = 0;
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i];
      bytes += sizes[i] = messageBytes(m);
      copies[i] = { key: m.key, value: m.value, headers: m.headers, partition: m.partition };
    }
    if (this.buffered > 0 && this.buffered + bytes > this.maxBufferedBytes) {
      return Promise.reject(new ProducerBufferFullError(this.buffered, this.maxBufferedBytes));
    }
    this.buffered += bytes;
    return new Promise<void>((resolve, reject) => {
      const owner: Pending = { remaining: 1, failed: false, resolve, reject };
      this.queue.push({ topic, messages: copies, sizes, bytes, owner });
      if (!this.flushing) this.flushing = this.flushLoop();
    });
  }

  /**
   * Takes queued messages up to `maxRequestBytes`: whole pieces while they fit, then the part of the next piece
   * that still fits (its rest stays first in the queue), so every request but the last of a burst is full.
   */
  private nextRequest(): Piece[] {
    const batch: Piece[] = [];
    let bytes = 0;
    while (this.queue.length) {
      const head = this.queue[0];
      if (bytes + head.bytes <= this.maxRequestBytes) {
        this.queue.shift();
        batch.push(head);
        bytes += head.bytes;
        continue;
      }
      let count = 0;
      let taken = 0;
      // An empty request takes at least one message, however large (the broker is the judge of that one).
      while (count < head.messages.length && (bytes + taken + head.sizes[count] <= this.maxRequestBytes || (bytes === 0 && count === 0))) {
        taken += head.sizes[count++];
      }
      if (count > 0) {
        batch.push({ topic: head.topic, messages: head.messages.slice(0, count), sizes: [], bytes: taken, owner: head.owner });
        head.messages = head.messages.slice(count);
        head.sizes = head.sizes.slice(count);
        head.bytes -= taken;
        head.owner.remaining++;
      }
      break;
    }
    return batch;
  }

  private async flushLoop(): Promise<void> {
    try {
      while (this.queue.length) {
        const batch = this.nextRequest();
        const byTopic = new Map<string, Message[]>();
        for (const p of batch) {
          const list = byTopic.get(p.topic);
          if (list) for (const m of p.messages) list.push(m);
          else byTopic.set(p.topic, p.messages.slice());
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
