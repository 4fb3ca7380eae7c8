import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { MessagingClient } from '@weft/messaging';
import { NotFoundError } from '@weft/platform';
import { topics, type IngestSource } from '@weft/xdm';
import type { IngestError } from '../ingest/ingest-codes';

export interface Rejection {
  datasetId: string;
  messageId: string | null;
  source: IngestSource;
  batchId: string | null;
  /** Identifies a batch row, so re-processing a batch records its failures once. */
  rowKey: string | null;
  errors: IngestError[];
  original: Buffer;
  receivedAt: number;
}

export interface StoredError {
  id: string;
  datasetId: string;
  messageId: string | null;
  source: IngestSource;
  batchId: string | null;
  errors: IngestError[];
  original: string;
  originalEncoding: 'utf8' | 'base64';
  status: 'open' | 'replayed';
  receivedAt: Date;
  replayedAt: Date | null;
}

interface ErrorRow {
  id: string;
  dataset_id: string;
  message_id: string | null;
  source: IngestSource;
  batch_id: string | null;
  errors: IngestError[];
  original: Buffer;
  status: 'open' | 'replayed';
  received_at: Date;
  replayed_at: Date | null;
}

/** Nothing is lost: every refused message goes to weft.ingest.rejected.v1 and to the errors table, with its reasons. */
@Injectable()
export class IngestErrorsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(MessagingClient) private readonly messaging: MessagingClient,
  ) {}

  private get table(): string {
    return `"${(this.db.options as PostgresConnectionOptions).schema ?? 'public'}"."ingest_errors"`;
  }

  async record(rejections: Rejection[]): Promise<void> {
    if (!rejections.length) return;
    await Promise.all([
      this.messaging.publish(
        topics.ingestRejected,
        rejections.map((r) => ({
          key: r.datasetId,
          value: {
            id: r.messageId,
            datasetId: r.datasetId,
            source: r.source,
            receivedAt: r.receivedAt,
            errors: r.errors.map((e) => ({ path: e.path, code: e.code, message: e.message })),
            original: r.original,
          },
        })),
      ),
      this.db.query(
        `INSERT INTO ${this.table} (dataset_id, message_id, source, batch_id, row_key, errors, original, received_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::bytea[], $8::timestamptz[])
         ON CONFLICT (row_key) DO NOTHING`,
        [
          rejections.map((r) => r.datasetId),
          rejections.map((r) => r.messageId),
          rejections.map((r) => r.source),
          rejections.map((r) => r.batchId),
          rejections.map((r) => r.rowKey),
          rejections.map((r) => JSON.stringify(r.errors)),
          rejections.map((r) => r.original),
          rejections.map((r) => new Date(r.receivedAt)),
        ],
      ),
    ]);
  }

  /** A page of a dataset's errors, oldest first; pass the returned `next` as `after` for the following page. */
  async list(datasetId: string, options: { after?: string; limit: number; status?: 'open' | 'replayed'; code?: string }) {
    const rows = (await this.db.query(
      `SELECT * FROM ${this.table}
       WHERE dataset_id = $1 AND id > $2 AND ($3::text IS NULL OR status = $3)
         AND ($4::text IS NULL OR errors @> jsonb_build_array(jsonb_build_object('code', $4::text)))
       ORDER BY id LIMIT $5`,
      [datasetId, options.after ?? '0', options.status ?? null, options.code ?? null, options.limit + 1],
    )) as ErrorRow[];
    const page = rows.slice(0, options.limit).map(toStored);
    return { errors: page, next: rows.length > options.limit ? page[page.length - 1].id : null };
  }

  async get(datasetId: string, id: string): Promise<StoredError> {
    if (!/^\d+$/.test(id)) throw new NotFoundError('error', id);
    const [row] = (await this.db.query(`SELECT * FROM ${this.table} WHERE dataset_id = $1 AND id = $2`, [datasetId, id])) as ErrorRow[];
    if (!row) throw new NotFoundError('error', id);
    return toStored(row);
  }

  async markReplayed(id: string): Promise<void> {
    await this.db.query(`UPDATE ${this.table} SET status = 'replayed', replayed_at = now() WHERE id = $1`, [id]);
  }
}

function toStored(row: ErrorRow): StoredError {
  const text = row.original.toString('utf8');
  const utf8 = Buffer.from(text, 'utf8').equals(row.original);
  return {
    id: String(row.id),
    datasetId: row.dataset_id,
    messageId: row.message_id,
    source: row.source,
    batchId: row.batch_id,
    errors: row.errors,
    original: utf8 ? text : row.original.toString('base64'),
    originalEncoding: utf8 ? 'utf8' : 'base64',
    status: row.status,
    receivedAt: row.received_at,
    replayedAt: row.replayed_at,
  };
}
