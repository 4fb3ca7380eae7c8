import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { MessagingClient, type ConsumedMessage, type RawMessage } from '@weft/messaging';
import { CONFIG } from '@weft/platform';
import { DATASET_ID_HEADER, topics } from '@weft/xdm';
import type { IngestionConfig } from '../config';
import { ingestError } from '../ingest/ingest-codes';
import { IngestService, type InboundMessage } from '../ingest/ingest.service';
import { InboundDecoder } from './inbound-decoder';

/**
 * Kafka inlet: reads weft.inbound.v1 raw (producers bring their own Avro schemas, so there is no fixed reader type)
 * and routes each message like an HTTP one, by the dataset named in its header. Offsets are committed after the
 * accepted and rejected messages of a slice are acknowledged; if Kafka or the registry fail, the slice is retried.
 */
@Injectable()
export class InboundConsumer implements OnApplicationBootstrap {
  private readonly logger = new Logger(InboundConsumer.name);
  private readonly decoder: InboundDecoder;

  constructor(
    @Inject(MessagingClient) private readonly messaging: MessagingClient,
    private readonly ingest: IngestService,
    @Inject(CONFIG) private readonly config: IngestionConfig,
  ) {
    this.decoder = new InboundDecoder(messaging.registry);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.INBOUND_ENABLED) return;
    await this.messaging.provision([{ name: topics.inbound.name, partitions: Math.max(topics.inbound.partitions, this.config.KAFKA_TOPIC_PARTITIONS) }]);
    const consumer = this.messaging.consumer<RawMessage>({
      groupId: `weft.ingestion.${topics.inbound.name}`,
      topics: [topics.inbound.name],
      decode: (raw) => raw,
      handle: (batch) => this.handle(batch),
      maxBatchSize: this.config.INBOUND_MAX_BATCH,
      partitionsConsumedConcurrently: this.config.INBOUND_PARTITIONS_CONCURRENTLY,
      onError: (err, ctx) => this.logger.warn(`inbound slice ${ctx.topic}/${ctx.partition} failed${ctx.deadLettered ? ' and was dead-lettered' : ''}: ${String(err)}`),
    });
    await consumer.start();
  }

  async handle(batch: ConsumedMessage<RawMessage>[]): Promise<void> {
    await this.decoder.prepare(batch.map((m) => m.value));
    const byDataset = new Map<string, InboundMessage[]>();
    for (const message of batch) {
      const datasetId = message.headers[DATASET_ID_HEADER] ?? '';
      const original = message.value ?? Buffer.alloc(0);
      const decoded = this.decoder.decode(message.value);
      let inbound: InboundMessage = decoded.ok ? { value: decoded.value, original } : { unreadable: decoded.error, original };
      if (!datasetId) {
        inbound = { ...inbound, unreadable: ingestError('MISSING_DATASET_HEADER', `the message has no ${DATASET_ID_HEADER} header naming its dataset`) };
      }
      const list = byDataset.get(datasetId);
      if (list) list.push(inbound);
      else byDataset.set(datasetId, [inbound]);
    }
    await Promise.all([...byDataset].map(([datasetId, messages]) => this.ingest.ingest(datasetId, messages, { source: 'kafka' })));
  }
}
