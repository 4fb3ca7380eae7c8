import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '@weft/platform';
import { parseBody } from '../http/parse-body';
import { createBatchBody, failuresQuery, FILE_NAME } from './batch.dto';
import type { BatchEntity } from './batch.entity';
import { BatchRunner } from './batch-runner';
import { BatchesService } from './batches.service';

const FILE_ROUTE = /^\/v1\/batches\/[^/]+\/files\/[^/?]+/;
const UPLOAD = 'application/vnd.weft.upload';

/**
 * File uploads are streamed to disk by the handler; whatever their content type, they are given a parser that
 * leaves the body unread (and so unbounded by the JSON body limit).
 */
export function registerUploadParser(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (request.method === 'PUT' && FILE_ROUTE.test(request.url)) request.headers['content-type'] = UPLOAD;
    done();
  });
  fastify.addContentTypeParser(UPLOAD, (_request, _payload, done) => done(null));
}

@ApiTags('batches')
@Controller('v1/batches')
export class BatchesController {
  constructor(
    private readonly batches: BatchesService,
    private readonly runner: BatchRunner,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a batch for a dataset: format csv|json|ndjson|parquet, optional mapping and failure threshold' })
  async create(@Body() body: unknown) {
    return view(await this.batches.create(parseBody(createBatchBody, body)));
  }

  @Put(':id/files/:name')
  @ApiOperation({ summary: 'Upload one file of the batch (streamed to disk, any size)' })
  async upload(@Param('id') id: string, @Param('name') name: string, @Req() request: FastifyRequest) {
    if (!FILE_NAME.test(name)) throw new DomainError('invalid_request', 'file names are letters, digits, ".", "_" and "-", at most 200', 400, [{ path: 'name', code: 'invalid_request', message: 'invalid file name' }]);
    return view(await this.batches.upload(id, name, request.raw));
  }

  @Post(':id/complete')
  @HttpCode(202)
  @ApiOperation({ summary: 'No more files: process the batch in the background' })
  async complete(@Param('id') id: string) {
    const batch = await this.batches.complete(id);
    this.runner.kick();
    return view(batch);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Status and counts (read, ingested, failed) of a batch' })
  async get(@Param('id') id: string) {
    return view(await this.batches.get(id));
  }

  @Get(':id/failures')
  @ApiOperation({ summary: 'Failed rows: file, row number, path, code and message (page with ?after=<next>)' })
  failures(@Param('id') id: string, @Query() query: unknown) {
    return this.batches.failures(id, parseBody(failuresQuery, query));
  }
}

function view(b: BatchEntity) {
  return {
    id: b.id,
    datasetId: b.datasetId,
    format: b.format,
    mapping: b.mapping,
    failureThreshold: b.failureThreshold,
    status: b.status,
    files: b.files,
    counts: { read: b.rowsRead, ingested: b.rowsIngested, failed: b.rowsFailed },
    error: b.error,
    createdAt: b.createdAt,
    updatedAt: b.updatedAt,
    completedAt: b.completedAt,
  };
}
