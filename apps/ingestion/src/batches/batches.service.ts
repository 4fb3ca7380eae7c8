import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type { DataSource, Repository } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { CONFIG, DomainError, NotFoundError } from '@weft/platform';
import type { IngestionConfig } from '../config';
import { DatasetsService } from '../datasets/datasets.service';
import type { CreateBatchBody } from './batch.dto';
import { BatchEntity } from './batch.entity';

export interface BatchFailure {
  file: string;
  row: number;
  path: string;
  code: string;
  message: string;
}

/** Batches: created for a dataset, files uploaded (streamed to disk), then completed and processed by BatchRunner. */
@Injectable()
export class BatchesService {
  readonly dir: string;

  constructor(
    @InjectRepository(BatchEntity) private readonly batches: Repository<BatchEntity>,
    @InjectDataSource() private readonly db: DataSource,
    private readonly datasets: DatasetsService,
    @Inject(CONFIG) private readonly config: IngestionConfig,
  ) {
    this.dir = resolve(config.BATCH_DIR);
  }

  async create(body: CreateBatchBody): Promise<BatchEntity> {
    if (!(await this.datasets.target(body.datasetId))) {
      throw new DomainError('UNKNOWN_DATASET', `dataset ${JSON.stringify(body.datasetId)} does not exist`, 400, [
        { path: 'datasetId', code: 'UNKNOWN_DATASET', message: 'no such dataset' },
      ]);
    }
    const entity = this.batches.create({
      id: randomUUID(),
      datasetId: body.datasetId,
      format: body.format,
      mapping: body.mapping ?? null,
      failureThreshold: body.failureThreshold ?? this.config.BATCH_FAILURE_THRESHOLD,
      status: 'created',
      files: [],
      rowsRead: 0,
      rowsIngested: 0,
      rowsFailed: 0,
      checkpointFile: 0,
      checkpointRow: 0,
      leaseUntil: null,
      error: null,
      completedAt: null,
    });
    await this.batches.insert(entity);
    return this.get(entity.id);
  }

  async get(id: string): Promise<BatchEntity> {
    const batch = await this.batches.findOneBy({ id });
    if (!batch) throw new NotFoundError('batch', id);
    return batch;
  }

  fileOf(batchId: string, name: string): string {
    return join(this.dir, batchId, name);
  }

  /** Streams an upload to disk (never held in memory); replacing a file of the same name is allowed until completion. */
  async upload(id: string, name: string, body: Readable): Promise<BatchEntity> {
    const batch = await this.get(id);
    if (batch.status !== 'created') throw new DomainError('conflict', `batch ${id} is ${batch.status}; files can only be added before completion`, HttpStatus.CONFLICT);
    const target = this.fileOf(id, name);
    await mkdir(join(this.dir, id), { recursive: true });
    const partial = `${target}.${randomUUID()}.part`;
    try {
      await pipeline(body, createWriteStream(partial));
      await rename(partial, target);
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
    const { size } = await stat(target);
    await this.db.query(
      `UPDATE ${this.table('batches')} SET files = (SELECT coalesce(jsonb_agg(f), '[]'::jsonb) FROM jsonb_array_elements(files) f WHERE f->>'name' <> $2) || jsonb_build_array(jsonb_build_object('name', $2::text, 'bytes', $3::bigint)), updated_at = now() WHERE id = $1`,
      [id, name, size],
    );
    return this.get(id);
  }

  async complete(id: string): Promise<BatchEntity> {
    const batch = await this.get(id);
    if (batch.status !== 'created') throw new DomainError('conflict', `batch ${id} is already ${batch.status}`, HttpStatus.CONFLICT);
    if (!batch.files.length) throw new DomainError('batch_empty', `batch ${id} has no files; upload with PUT /v1/batches/${id}/files/{name}`, 400);
    await this.batches.update({ id, status: 'created' }, { status: 'queued' });
    return this.get(id);
  }

  async failures(id: string, options: { after?: string; limit: number }): Promise<{ failures: BatchFailure[]; next: string | null }> {
    await this.get(id);
    const [afterFile, afterRow] = options.after ? [options.after.slice(0, options.after.lastIndexOf(':')), options.after.slice(options.after.lastIndexOf(':') + 1)] : ['', '-1'];
    const rows = (await this.db.query(
      `SELECT file, row_number, path, code, message FROM ${this.table('batch_failures')}
       WHERE batch_id = $1 AND (file, row_number) > ($2, $3::bigint)
       ORDER BY file, row_number, seq LIMIT $4`,
      [id, afterFile, afterRow, options.limit + 1],
    )) as { file: string; row_number: string; path: string; code: string; message: string }[];
    // A page ends on a row boundary, so one row's failures never straddle two pages.
    let page = rows.slice(0, options.limit);
    if (rows.length > options.limit) {
      const last = rows[options.limit];
      const cut = page.filter((r) => !(r.file === last.file && r.row_number === last.row_number));
      page = cut.length ? cut : page;
    }
    const failures = page.map((r) => ({ file: r.file, row: Number(r.row_number), path: r.path, code: r.code, message: r.message }));
    const tail = failures[failures.length - 1];
    return { failures, next: rows.length > page.length && tail ? `${tail.file}:${tail.row}` : null };
  }

  table(name: string): string {
    return `"${(this.db.options as PostgresConnectionOptions).schema ?? 'public'}"."${name}"`;
  }
}
