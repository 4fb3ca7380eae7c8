import { Inject, Injectable } from '@nestjs/common';
import { MessagingClient, ProducerBufferFullError } from '@weft/messaging';
import { CONFIG, DomainError } from '@weft/platform';
import { formatIdentityKey, topics, type IngestEnvelope, type IngestSource } from '@weft/xdm';
import type { IngestionConfig } from '../config';
import { DatasetsService } from '../datasets/datasets.service';
import { IngestErrorsService, type Rejection } from '../ingest-errors/ingest-errors.service';
import { DocumentValidator, readId, type DatasetTarget } from './document-validator';
import { ingestError, type IngestError } from './ingest-codes';

/** One message from an inlet: a parsed value, or the reason it could not even be read. */
export interface InboundMessage {
  value?: unknown;
  unreadable?: IngestError;
  /**
   * The bytes as received (kept with a rejection for inspection and replay), or how to make them; only rejected
   * messages need them, so a function defers the work. From `value` when absent.
   */
  original?: Buffer | (() => Buffer);
  /** Id for a document without `_id` (deterministic per batch row). */
  defaultId?: string;
  rowKey?: string;
  /** Failures found before validation (mapping), reported with the validator's. */
  errors?: IngestError[];
}

export interface MessageResult {
  index: number;
  id: string | null;
  status: 'accepted' | 'rejected';
  errors: IngestError[];
}

export interface IngestOptions {
  source: IngestSource;
  batchId?: string | null;
  coerce?: boolean;
  receivedAt?: number;
}

/**
 * The one path every inlet takes: validate each message, produce the valid ones to weft.ingest.accepted.v1 (keyed by
 * primary identity) and record the others; resolves once Kafka acknowledged all of it.
 */
@Injectable()
export class IngestService {
  readonly validator: DocumentValidator;

  constructor(
    private readonly datasets: DatasetsService,
    private readonly errors: IngestErrorsService,
    @Inject(MessagingClient) private readonly messaging: MessagingClient,
    @Inject(CONFIG) config: IngestionConfig,
  ) {
    this.validator = new DocumentValidator({
      maxEventBytes: config.INGEST_MAX_EVENT_BYTES,
      maxRecordBytes: config.INGEST_MAX_RECORD_BYTES,
      maxIdentities: config.INGEST_MAX_IDENTITIES,
    });
  }

  async ingest(datasetId: string, messages: InboundMessage[], options: IngestOptions): Promise<MessageResult[]> {
    const target = await this.datasets.target(datasetId);
    return this.ingestInto(datasetId, target, messages, options);
  }

  async ingestInto(
    datasetId: string,
    target: DatasetTarget | undefined,
    messages: InboundMessage[],
    options: IngestOptions,
  ): Promise<MessageResult[]> {
    const receivedAt = options.receivedAt ?? Date.now();
    const ctx = { source: options.source, receivedAt, batchId: options.batchId ?? null, coerce: options.coerce };
    const accepted: { key: string | null; value: IngestEnvelope }[] = [];
    const rejections: Rejection[] = [];
    const results: MessageResult[] = new Array<MessageResult>(messages.length);
    for (let index = 0; index < messages.length; index++) {
      const message = messages[index];
      let id: string | null = null;
      let errors: IngestError[];
      if (message.unreadable) {
        id = idOf(message.value);
        errors = [message.unreadable];
      } else if (!target) {
        id = idOf(message.value);
        errors = [ingestError('UNKNOWN_DATASET', `dataset ${JSON.stringify(datasetId)} does not exist`)];
      } else {
        const result = this.validator.validate(message.value, target, message.defaultId === undefined ? ctx : { ...ctx, defaultId: message.defaultId });
        if (result.ok && !message.errors?.length) {
          const envelope = result.envelope;
          accepted.push({ key: envelope.primaryIdentity ? formatIdentityKey(envelope.primaryIdentity) : null, value: envelope });
          results[index] = { index, id: envelope.id, status: 'accepted', errors: [] };
          continue;
        }
        id = result.ok ? result.envelope.id : result.id;
        errors = [...(message.errors ?? []), ...(result.ok ? [] : result.errors)];
      }
      results[index] = { index, id, status: 'rejected', errors };
      rejections.push({
        datasetId,
        messageId: id,
        source: options.source,
        batchId: options.batchId ?? null,
        rowKey: message.rowKey ?? null,
        errors,
        original: originalOf(message),
        receivedAt,
      });
    }
    try {
      await Promise.all([
        accepted.length ? this.messaging.publish(topics.ingestAccepted, accepted) : undefined,
        this.errors.record(rejections),
      ]);
    } catch (err) {
      if (err instanceof ProducerBufferFullError) {
        throw new DomainError('too_many_requests', 'ingestion is busy: the Kafka producer buffer is full; retry shortly', 429, [], { 'retry-after': '1' });
      }
      throw err;
    }
    return results;
  }
}

function originalOf(message: InboundMessage): Buffer {
  if (typeof message.original === 'function') return message.original();
  return message.original ?? Buffer.from(JSON.stringify(message.value ?? null));
}

function idOf(value: unknown): string | null {
  return typeof value === 'object' && value !== null ? readId(value) : null;
}
