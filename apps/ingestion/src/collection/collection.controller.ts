import { Body, Controller, HttpStatus, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CONFIG, DomainError } from '@weft/platform';
import type { IngestionConfig } from '../config';
import { ingestError } from '../ingest/ingest-codes';
import { IngestService, type InboundMessage, type MessageResult } from '../ingest/ingest.service';
import { UnreadableBody } from './collection-body';

/** Streaming HTTP inlet: one XDM document, or `{"messages": [...]}`. */
@ApiTags('collection')
@Controller('v1/collection')
export class CollectionController {
  constructor(
    private readonly ingest: IngestService,
    @Inject(CONFIG) private readonly config: IngestionConfig,
  ) {}

  @Post(':datasetId')
  @ApiOperation({
    summary: 'Ingest XDM documents into a dataset',
    description:
      'Body: one XDM document (plain or JSON-LD form) or {"messages": [...]}. Answers after Kafka acknowledged the accepted ones, ' +
      'with per-message results: 200 all accepted, 207 some rejected, 400 all rejected, 404 unknown dataset.',
  })
  async collect(@Param('datasetId') datasetId: string, @Body() body: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const messages = this.messagesOf(body);
    const results = await this.ingest.ingest(datasetId, messages, { source: 'http' });
    const accepted = results.filter((r) => r.status === 'accepted').length;
    if (results.some((r) => r.errors.some((e) => e.code === 'UNKNOWN_DATASET'))) {
      throw new DomainError('UNKNOWN_DATASET', `dataset ${JSON.stringify(datasetId)} does not exist; the messages were recorded as rejected`, HttpStatus.NOT_FOUND);
    }
    void reply.status(accepted === results.length ? 200 : accepted === 0 ? 400 : 207);
    return { accepted, rejected: results.length - accepted, results: results.map(view) };
  }

  private messagesOf(body: unknown): InboundMessage[] {
    if (body instanceof UnreadableBody) {
      return [{ unreadable: ingestError('INVALID_JSON', `the body is not valid JSON: ${body.reason}`), original: Buffer.from(body.raw) }];
    }
    const list = (body as { messages?: unknown } | null)?.messages;
    if (body === null || typeof body !== 'object' || !Array.isArray(list)) return [{ value: body }];
    if (list.length > this.config.INGEST_MAX_MESSAGES) {
      throw new DomainError(
        'too_many_messages',
        `a request may carry at most ${this.config.INGEST_MAX_MESSAGES} messages, this one has ${list.length}`,
        HttpStatus.PAYLOAD_TOO_LARGE,
      );
    }
    return list.map((value: unknown) => ({ value }));
  }
}

function view(r: MessageResult) {
  return r.status === 'accepted' ? { index: r.index, id: r.id, status: r.status } : r;
}
