import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { DomainError } from '@weft/platform';
import { parseBody } from '../http/parse-body';
import { IngestService } from '../ingest/ingest.service';
import { IngestErrorsService } from './ingest-errors.service';

const listQuery = z.object({
  after: z.string().regex(/^\d+$/, 'an error id').optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  status: z.enum(['open', 'replayed']).optional(),
  code: z.string().optional(),
});

const replayBody = z.strictObject({
  /** The corrected message; without it the original is submitted again (after the schema or dataset was fixed). */
  message: z.unknown().optional(),
});

@ApiTags('errors')
@Controller('v1/datasets/:datasetId/errors')
export class IngestErrorsController {
  constructor(
    private readonly errors: IngestErrorsService,
    private readonly ingest: IngestService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Rejected messages of a dataset, oldest first (page with ?after=<next>)' })
  list(@Param('datasetId') datasetId: string, @Query() query: unknown) {
    return this.errors.list(datasetId, parseBody(listQuery, query));
  }

  @Get(':errorId')
  @ApiOperation({ summary: 'One rejected message with its reasons and original bytes' })
  get(@Param('datasetId') datasetId: string, @Param('errorId') errorId: string) {
    return this.errors.get(datasetId, errorId);
  }

  @Post(':errorId/replay')
  @HttpCode(200)
  @ApiOperation({ summary: 'Submit a rejected message again, corrected or as it was; marked replayed once accepted' })
  async replay(@Param('datasetId') datasetId: string, @Param('errorId') errorId: string, @Body() body: unknown) {
    const { message } = parseBody(replayBody, body);
    const stored = await this.errors.get(datasetId, errorId);
    let value = message;
    if (value === undefined) {
      try {
        value = JSON.parse(stored.originalEncoding === 'utf8' ? stored.original : '') as unknown;
      } catch {
        throw new DomainError('replay_needs_message', 'the original is not JSON (e.g. undecodable Avro); send the corrected message in "message"', 400);
      }
    }
    const [result] = await this.ingest.ingest(datasetId, [{ value }], { source: stored.source, batchId: stored.batchId });
    if (result.status === 'accepted') await this.errors.markReplayed(stored.id);
    return { errorId: stored.id, ...result };
  }
}
