import { z } from 'zod';
import { baseConfigShape } from '@weft/platform';

export const ingestionConfigSchema = z.object({
  ...baseConfigShape,
  PORT: z.coerce.number().int().min(0).max(65535).default(3001),
  /** Custom fields and field groups live under `_<tenant>`. */
  WEFT_TENANT: z.string().regex(/^[a-z][a-z0-9]*$/, 'must be lowercase letters and digits, starting with a letter').default('weft'),
  /** Most messages one POST /v1/collection request may carry. */
  INGEST_MAX_MESSAGES: z.coerce.number().int().min(1).default(1000),
  /** Largest request body in bytes (413 above it). File uploads are streamed and not bound by it. */
  INGEST_BODY_LIMIT: z.coerce.number().int().min(1024).default(16 * 1024 * 1024),
  INGEST_MAX_EVENT_BYTES: z.coerce.number().int().min(1).default(10 * 1024),
  INGEST_MAX_RECORD_BYTES: z.coerce.number().int().min(1).default(100 * 1024),
  INGEST_MAX_IDENTITIES: z.coerce.number().int().min(1).default(20),
  /** Where uploaded batch files are kept until their batch is processed. */
  BATCH_DIR: z.string().default('tmp/ingestion-batches'),
  /** Rows validated and produced together; a crash re-does at most one chunk. */
  BATCH_CHUNK_ROWS: z.coerce.number().int().min(1).default(2000),
  /** Failure ratio above which a batch is marked failed, unless the batch sets its own. */
  BATCH_FAILURE_THRESHOLD: z.coerce.number().min(0).max(1).default(0.1),
  /** Read weft.inbound.v1 (the Kafka inlet). */
  INBOUND_ENABLED: z.stringbool().default(true),
  /** Messages of weft.inbound.v1 validated and produced together. */
  INBOUND_MAX_BATCH: z.coerce.number().int().min(1).default(2000),
  /**
   * Partitions of weft.inbound.v1 handled at the same time: while one partition's slice waits for Kafka to acknowledge
   * it, another is validated. Each partition stays in order.
   */
  INBOUND_PARTITIONS_CONCURRENTLY: z.coerce.number().int().min(1).default(3),
  BATCH_POLL_MS: z.coerce.number().int().min(10).default(1000),
  /** A batch whose worker has not renewed its lease for this long is taken over (the worker died). */
  BATCH_LEASE_MS: z.coerce.number().int().min(1000).default(30_000),
});

export type IngestionConfig = z.infer<typeof ingestionConfigSchema>;
