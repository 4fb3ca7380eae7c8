import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import { MessageConsumer, type ConsumerOptions } from './consumer/consumer';
import { PermanentMessageError } from './errors';
import { createKafka } from './kafka/kafka-client';
import { ensureTopics } from './kafka/topics';
import { MessagingMetrics } from './metrics';
import { MessageProducer, type ProducerOptions } from './producer/producer';
import { AvroSerde } from './serde/avro-serde';
import { SchemaRegistryClient } from './serde/registry-client';
import { TopicCodec, type TopicContract } from './serde/topic-codec';

export interface MessagingClientOptions {
  clientId: string;
  brokers: string[];
  schemaRegistryUrl: string;
  metricsRegistry?: Registry;
  producer?: Omit<ProducerOptions, 'metrics'>;
  log?: (level: 'error' | 'warn', message: string, extra: Record<string, unknown>) => void;
}

export interface MessagingHealth {
  producer: boolean;
  consumers: { groupId: string; healthy: boolean }[];
}

/**
 * A service's one entry point to Kafka: an idempotent producer, the Avro serde, typed topic codecs and consumers.
 * `close()` drains: consumers finish and commit their current slice, then the producer flushes and disconnects.
 */
export class MessagingClient {
  readonly kafka: Kafka;
  readonly producer: MessageProducer;
  readonly registry: SchemaRegistryClient;
  readonly serde: AvroSerde;
  readonly metrics: MessagingMetrics;
  private readonly consumers: MessageConsumer<unknown>[] = [];
  private readonly codecs = new Map<string, Promise<TopicCodec<unknown>>>();
  private closing: Promise<void> | undefined;

  constructor(options: MessagingClientOptions) {
    this.kafka = createKafka({ clientId: options.clientId, brokers: options.brokers, log: options.log });
    this.metrics = MessagingMetrics.for(options.metricsRegistry);
    this.producer = new MessageProducer(this.kafka, { ...options.producer, metrics: this.metrics });
    this.registry = new SchemaRegistryClient(options.schemaRegistryUrl);
    this.serde = new AvroSerde(this.registry);
  }

  async connect(): Promise<void> {
    await this.producer.connect();
  }

  /** Creates missing topics with their configured partitions. */
  provision(contracts: Pick<TopicContract, 'name' | 'partitions'>[]): Promise<void> {
    return ensureTopics(
      this.kafka,
      contracts.map((c) => ({ name: c.name, partitions: c.partitions })),
    );
  }

  codec<T>(contract: TopicContract<T>): Promise<TopicCodec<T>> {
    let codec = this.codecs.get(contract.name);
    if (!codec) {
      codec = TopicCodec.create(this.serde, contract);
      codec.catch(() => this.codecs.delete(contract.name));
      this.codecs.set(contract.name, codec);
    }
    return codec as Promise<TopicCodec<T>>;
  }

  /** Encodes `values` with the topic's codec and sends them; resolves after the broker acknowledged them all. */
  async publish<T>(
    contract: TopicContract<T>,
    messages: { key: string | null; value: T; headers?: Record<string, string> }[],
  ): Promise<void> {
    const codec = await this.codec(contract);
    await this.producer.send(
      contract.name,
      messages.map((m) => ({ key: m.key, value: codec.encode(m.value), headers: m.headers })),
    );
  }

  consumer<T>(options: Omit<ConsumerOptions<T>, 'metrics'>): MessageConsumer<T> {
    const consumer = new MessageConsumer<T>(this.kafka, this.producer, { ...options, metrics: this.metrics });
    this.consumers.push(consumer as MessageConsumer<unknown>);
    return consumer;
  }

  /** A consumer of one typed topic: values are decoded with the topic's codec before `handle` sees them. */
  async topicConsumer<T>(
    contract: TopicContract<T>,
    options: Omit<ConsumerOptions<T>, 'metrics' | 'topics' | 'decode'>,
  ): Promise<MessageConsumer<T>> {
    const codec = await this.codec(contract);
    return this.consumer<T>({
      ...options,
      topics: [contract.name],
      decode: (raw) => {
        if (!raw.value) throw new PermanentMessageError('empty_value', 'message has no value');
        return codec.decode(raw.value);
      },
    });
  }

  health(): MessagingHealth {
    return {
      producer: this.producer.isConnected(),
      consumers: this.consumers.map((c) => ({ groupId: c.groupId, healthy: c.isHealthy() })),
    };
  }

  /** Drains once; every caller waits for the same drain (services close their own pools only after it). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all(this.consumers.map((c) => c.stop()));
      await this.producer.close();
    })();
    return this.closing;
  }
}
