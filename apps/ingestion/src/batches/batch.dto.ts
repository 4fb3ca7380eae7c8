import { z } from 'zod';
import { mappingSchema } from './mapping';

export const createBatchBody = z.strictObject({
  datasetId: z.string().min(1),
  format: z.enum(['csv', 'json', 'ndjson', 'parquet']),
  mapping: mappingSchema.optional(),
  /** Failed rows / read rows above which the batch is marked failed (its good rows stay accepted). */
  failureThreshold: z.number().min(0).max(1).optional(),
});
export type CreateBatchBody = z.infer<typeof createBatchBody>;

export const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

export const failuresQuery = z.object({
  after: z.string().regex(/^[A-Za-z0-9._-]+:\d+$/, '<file>:<row> from the previous page').optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
