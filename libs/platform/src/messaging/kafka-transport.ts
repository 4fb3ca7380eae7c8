import { Logger } from '@nestjs/common';
import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { lastValueFrom, isObservable } from 'rxjs';
import type { ConsumedMessage, MessageConsumer, MessagingClient, RetryPolicy, TopicContract } from '@weft/messaging';

export interface KafkaTransportOptions {
  /** Consumer groups are named `<groupPrefix>.<topic>`, one per consumed topic. */
  groupPrefix: string;
  consumes: TopicContract[];
  retry?: Partial<RetryPolicy>;
  maxBatchSize?: number;
  /** See ConsumerOptions.partitionsConsumedConcurrently; handlers must then be safe across partitions. */
  partitionsConsumedConcurrently?: number;
}

/**
 * A NestJS microservice transport on Weft's messaging library: each `@EventPattern(topic)` handler receives a
 * decoded batch (`ConsumedMessage<T>[]`); offsets are committed after the returned promise resolves, and failures
 * follow the library's retry-then-dead-letter rule. Boot fails if a consumed topic has no handler, or two, or if a
 * handler listens to a topic the service does not declare.
 */
export class KafkaTransport extends Server implements CustomTransportStrategy {
  protected override readonly logger = new Logger(KafkaTransport.name);
  private readonly consumers: MessageConsumer<unknown>[] = [];

  constructor(
    private readonly messaging: MessagingClient,
    private readonly options: KafkaTransportOptions,
  ) {
    super();
  }

  listen(callback: (err?: unknown) => void): void {
    this.start().then(() => callback(), callback);
  }

  on(): void {
    throw new Error('KafkaTransport does not emit status events');
  }

  unwrap<T>(): T {
    return this.messaging as T;
  }

  private checkHandlers(): Map<string, MessageHandler> {
    const declared = new Set(this.options.consumes.map((c) => c.name));
    const problems: string[] = [];
    const handlers = new Map<string, MessageHandler>();
    for (const [pattern, handler] of this.messageHandlers) {
      if (!declared.has(pattern)) problems.push(`a handler listens to ${pattern}, which the service does not declare it consumes`);
      else if (handler.next) problems.push(`${pattern} has more than one handler`);
      else handlers.set(pattern, handler);
    }
    for (const name of declared) if (!this.messageHandlers.has(name)) problems.push(`${name} is consumed but has no handler`);
    if (problems.length) throw new Error(`Kafka handlers are misconfigured: ${problems.join('; ')}`);
    return handlers;
  }

  private async start(): Promise<void> {
    const handlers = this.checkHandlers();
    for (const contract of this.options.consumes) {
      const handler = handlers.get(contract.name) as MessageHandler;
      const consumer = await this.messaging.topicConsumer(contract, {
        groupId: `${this.options.groupPrefix}.${contract.name}`,
        retry: this.options.retry,
        maxBatchSize: this.options.maxBatchSize,
        partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently,
        handle: async (batch: ConsumedMessage<unknown>[]) => {
          const result: unknown = await handler(batch);
          if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
        },
        onError: (err, ctx) => {
          if (ctx.deadLettered) this.logger.error(`dead-lettered ${ctx.topic}/${ctx.partition}@${ctx.offset}: ${String(err)}`);
          else this.logger.warn(`handler failed for ${ctx.topic}/${ctx.partition}: ${String(err)}`);
        },
      });
      await consumer.start();
      this.consumers.push(consumer);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.stop()));
  }
}
