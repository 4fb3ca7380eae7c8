import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { CONFIG } from '@weft/platform';
import type { IngestionConfig } from '../config';
import { DatasetsService } from '../datasets/datasets.service';
import { IngestService, type InboundMessage } from '../ingest/ingest.service';
import type { BatchEntity } from './batch.entity';
import { BatchesService } from './batches.service';
import { applyMapping, unflatten } from './mapping';
import { readRows, type SourceRow } from './row-readers';

interface ClaimedBatch {
  id: string;
  dataset_id: string;
  format: BatchEntity['format'];
  mapping: BatchEntity['mapping'];
  failure_threshold: number;
  files: BatchEntity['files'];
  rows_read: string;
  rows_failed: string;
  checkpoint_file: number;
  checkpoint_row: string;
}

/**
 * Processes completed batches in the background, one chunk of rows at a time: validate, produce the good rows, then
 * in one transaction record the chunk's failures and move the checkpoint. A worker that dies leaves its lease to
 * expire; the next one resumes at the checkpoint. Re-done chunks produce the same rows again with the same
 * deterministic ids (`<batch>:<file>:<row>`), which downstream de-duplicates, and their failures are recorded once.
 */
@Injectable()
export class BatchRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(BatchRunner.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private stopping = false;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly batches: BatchesService,
    private readonly datasets: DatasetsService,
    private readonly ingest: IngestService,
    @Inject(CONFIG) private readonly config: IngestionConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.kick(), this.config.BATCH_POLL_MS);
    this.kick();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Looks for work now (also called on a timer). */
  kick(): void {
    if (this.running || this.stopping) return;
    this.running = this.drain()
      .catch((err: unknown) => this.logger.error(`batch processing failed: ${err instanceof Error ? err.stack : String(err)}`))
      .finally(() => (this.running = null));
  }

  private async drain(): Promise<void> {
    for (let batch = await this.claim(); batch && !this.stopping; batch = await this.claim()) {
      try {
        await this.process(batch);
      } catch (err) {
        // The lease runs out and the batch is picked up again from its checkpoint.
        this.logger.error(`batch ${batch.id} interrupted: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
    }
  }

  private async claim(): Promise<ClaimedBatch | undefined> {
    const batches = this.batches.table('batches');
    const [rows] = (await this.db.query(
      `UPDATE ${batches} SET status = 'processing', lease_until = now() + ($1::int * interval '1 millisecond'), updated_at = now()
       WHERE id = (SELECT id FROM ${batches}
                   WHERE status = 'queued' OR (status = 'processing' AND lease_until < now())
                   ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [this.config.BATCH_LEASE_MS],
    )) as [ClaimedBatch[], number];
    return rows[0];
  }

  private async process(batch: ClaimedBatch): Promise<void> {
    const target = await this.datasets.target(batch.dataset_id);
    const chunkSize = this.config.BATCH_CHUNK_ROWS;
    for (let fileIndex = batch.checkpoint_file; fileIndex < batch.files.length; fileIndex++) {
      const file = batch.files[fileIndex].name;
      const done = fileIndex === batch.checkpoint_file ? Number(batch.checkpoint_row) : 0;
      let chunk: SourceRow[] = [];
      let lastRow = done;
      for await (const row of readRows(this.batches.fileOf(batch.id, file), batch.format)) {
        if (this.stopping) return;
        if (row.row <= done) continue;
        chunk.push(row);
        lastRow = row.row;
        if (chunk.length >= chunkSize) {
          await this.processChunk(batch, target, fileIndex, file, chunk, lastRow);
          chunk = [];
        }
      }
      await this.processChunk(batch, target, fileIndex, file, chunk, lastRow, true);
    }
    await this.finish(batch.id);
  }

  private async processChunk(
    batch: ClaimedBatch,
    target: Awaited<ReturnType<DatasetsService['target']>>,
    fileIndex: number,
    file: string,
    rows: SourceRow[],
    lastRow: number,
    endOfFile = false,
  ): Promise<void> {
    const messages: InboundMessage[] = rows.map((r) => this.toMessage(batch, file, r));
    const results = rows.length
      ? await this.ingest.ingestInto(batch.dataset_id, target, messages, { source: 'batch', batchId: batch.id, coerce: batch.format === 'csv' })
      : [];
    const failed = results.filter((r) => r.status === 'rejected');
    const failures = failed.flatMap((r) => r.errors.map((e, seq) => ({ row: rows[r.index].row, seq, ...e })));
    const [nextFile, nextRow] = endOfFile ? [fileIndex + 1, 0] : [fileIndex, lastRow];
    await this.db.transaction(async (tx) => {
      if (failures.length) {
        await tx.query(
          `INSERT INTO ${this.batches.table('batch_failures')} (batch_id, file, row_number, seq, path, code, message)
           SELECT $1, $2, * FROM unnest($3::bigint[], $4::int[], $5::text[], $6::text[], $7::text[])
           ON CONFLICT DO NOTHING`,
          [batch.id, file, failures.map((f) => f.row), failures.map((f) => f.seq), failures.map((f) => f.path), failures.map((f) => f.code), failures.map((f) => f.message)],
        );
      }
      // The checkpoint guards the counters: a chunk is counted only by the worker that moves the checkpoint past it.
      const updated = (await tx.query(
        `UPDATE ${this.batches.table('batches')}
         SET rows_read = rows_read + $4, rows_ingested = rows_ingested + $5, rows_failed = rows_failed + $6,
             checkpoint_file = $7, checkpoint_row = $8, updated_at = now(),
             lease_until = now() + ($9::int * interval '1 millisecond')
         WHERE id = $1 AND checkpoint_file = $2 AND checkpoint_row = $3`,
        [batch.id, batch.checkpoint_file, batch.checkpoint_row, rows.length, rows.length - failed.length, failed.length, nextFile, nextRow, this.config.BATCH_LEASE_MS],
      )) as [unknown[], number];
      if (updated[1] !== 1) throw new Error(`batch ${batch.id} was taken over by another worker (its lease expired)`);
    });
    batch.checkpoint_file = nextFile;
    batch.checkpoint_row = String(nextRow);
  }

  private toMessage(batch: ClaimedBatch, file: string, row: SourceRow): InboundMessage {
    const rowKey = `${batch.id}:${file}:${row.row}`;
    if (row.error) return { unreadable: row.error, original: Buffer.from(row.raw), rowKey, defaultId: rowKey };
    let value: Record<string, unknown>;
    let errors: InboundMessage['errors'];
    if (batch.mapping) {
      const mapped = applyMapping(row.value, batch.mapping);
      value = mapped.doc;
      errors = mapped.errors;
    } else {
      value = batch.format === 'csv' ? unflatten(row.value) : row.value;
    }
    return { value, errors, rowKey, defaultId: rowKey, original: () => Buffer.from(JSON.stringify(row.value)) };
  }

  private async finish(id: string): Promise<void> {
    const [row] = (await this.db.query(`SELECT rows_read, rows_failed, failure_threshold FROM ${this.batches.table('batches')} WHERE id = $1`, [id])) as {
      rows_read: string;
      rows_failed: string;
      failure_threshold: number;
    }[];
    const read = Number(row.rows_read);
    const ratio = read ? Number(row.rows_failed) / read : 0;
    const failed = ratio > row.failure_threshold;
    const error = failed
      ? `${row.rows_failed} of ${read} rows failed (${(ratio * 100).toFixed(1)}%), more than the threshold of ${(row.failure_threshold * 100).toFixed(1)}%; the ${read - Number(row.rows_failed)} good rows were ingested`
      : null;
    await this.db.query(
      `UPDATE ${this.batches.table('batches')} SET status = $2, error = $3, completed_at = now(), updated_at = now(), lease_until = NULL WHERE id = $1`,
      [id, failed ? 'failed' : 'completed', error],
    );
    await rm(join(this.batches.dir, id), { recursive: true, force: true });
    this.logger.log(`batch ${id} ${failed ? 'failed' : 'completed'}: ${read} rows read, ${row.rows_failed} failed`);
  }
}
