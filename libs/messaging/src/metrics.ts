import { Counter, Gauge, Histogram, register as defaultRegistry, type Registry } from 'prom-client';

/** Prometheus metrics of producers and consumers; one instance per registry. */
export class MessagingMetrics {
  readonly messagesIn: Counter<'topic' | 'group'>;
  readonly messagesOut: Counter<'topic'>;
  readonly handlerSeconds: Histogram<'topic' | 'group'>;
  readonly retries: Counter<'topic' | 'group'>;
  readonly deadLetters: Counter<'topic' | 'group' | 'code'>;
  readonly lag: Gauge<'topic' | 'partition' | 'group'>;

  private static readonly byRegistry = new WeakMap<Registry, MessagingMetrics>();

  static for(registry: Registry = defaultRegistry): MessagingMetrics {
    let metrics = MessagingMetrics.byRegistry.get(registry);
    if (!metrics) {
      metrics = new MessagingMetrics(registry);
      MessagingMetrics.byRegistry.set(registry, metrics);
    }
    return metrics;
  }

  private constructor(registry: Registry) {
    const registers = [registry];
    this.messagesIn = new Counter({ name: 'weft_messages_in_total', help: 'Messages consumed', labelNames: ['topic', 'group'], registers });
    this.messagesOut = new Counter({ name: 'weft_messages_out_total', help: 'Messages produced and acknowledged', labelNames: ['topic'], registers });
    this.handlerSeconds = new Histogram({
      name: 'weft_handler_duration_seconds',
      help: 'Time a consumer handler took for one batch',
      labelNames: ['topic', 'group'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.retries = new Counter({ name: 'weft_handler_retries_total', help: 'Handler retries', labelNames: ['topic', 'group'], registers });
    this.deadLetters = new Counter({
      name: 'weft_dead_letters_total',
      help: 'Messages sent to a dead-letter topic',
      labelNames: ['topic', 'group', 'code'],
      registers,
    });
    this.lag = new Gauge({
      name: 'weft_consumer_lag',
      help: 'Messages between the last processed offset and the partition high watermark',
      labelNames: ['topic', 'partition', 'group'],
      registers,
    });
  }
}
