import { z } from 'zod';
import { defaultDeliverySettings, type DeliverySettings } from '../delivery/connection-worker';

export const endpointSchema = z
  .string()
  .url('must be an absolute http(s) URL')
  .refine((u) => /^https?:$/.test(new URL(u).protocol), 'must use http or https')
  .refine((u) => !new URL(u).username && !new URL(u).password, 'must not carry credentials; put them in `credentials`');

const d = defaultDeliverySettings;
export const deliverySchema = z
  .object({
    maxBatchProfiles: z.number().int().min(1).max(10_000).default(d.maxBatchProfiles),
    maxBatchWaitMs: z.number().int().min(0).max(60_000).default(d.maxBatchWaitMs),
    concurrency: z.number().int().min(1).max(64).default(d.concurrency),
    rateLimitPerSecond: z.number().min(0).max(100_000).default(d.rateLimitPerSecond),
    timeoutMs: z.number().int().min(100).max(120_000).default(d.timeoutMs),
    retry: z
      .object({
        maxAttempts: z.number().int().min(1).max(20).default(d.retry.maxAttempts),
        initialDelayMs: z.number().int().min(1).max(600_000).default(d.retry.initialDelayMs),
        maxDelayMs: z.number().int().min(1).max(3_600_000).default(d.retry.maxDelayMs),
        maxRetryAfterMs: z.number().int().min(0).max(3_600_000).default(d.retry.maxRetryAfterMs),
      })
      .strict()
      .default(d.retry),
  })
  .strict() satisfies z.ZodType<DeliverySettings, unknown>;

export interface ConnectionView {
  id: string;
  type: string;
  name: string;
  endpoint: string;
  settings: Record<string, unknown>;
  delivery: DeliverySettings;
  /** Whether credentials are stored; their values are never returned. */
  credentialsSet: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface ConnectionInput {
  name: string;
  type?: string;
  endpoint: string;
  settings?: unknown;
  credentials?: unknown;
  delivery?: unknown;
}

export const connectionBaseSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    type: z.string().optional(),
    endpoint: endpointSchema,
    settings: z.unknown().optional(),
    credentials: z.unknown().optional(),
    delivery: z.unknown().optional(),
  })
  .strict();

export const connectionPatchSchema = connectionBaseSchema.partial().strict();
