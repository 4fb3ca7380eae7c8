import { baseConfigShape } from '@weft/platform';
import { validateCronExpression } from 'cron';
import { z } from 'zod';

export const segmentationConfigSchema = z.object({
  ...baseConfigShape,
  PORT: baseConfigShape.PORT.default(3004),
  /** How often time-bound streaming memberships are re-evaluated (ms); 0 turns the sweep off. */
  SWEEP_INTERVAL_MS: z.coerce.number().int().min(0).default(60_000),
  /** Cron expression (UTC) of the daily batch evaluation of every segment; "off" turns it off. */
  BATCH_CRON: z
    .string()
    .refine((v) => v === 'off' || validateCronExpression(v).valid, 'must be a cron expression or "off"')
    .default('0 2 * * *'),
  /** Profiles read per page by batch jobs (memory stays bounded by this). */
  BATCH_PAGE_SIZE: z.coerce.number().int().min(100).max(100_000).default(10_000),
  /** Worker threads that evaluate each page of a batch job. */
  BATCH_WORKERS: z.coerce.number().int().min(1).max(16).default(2),
  /** Profiles evaluated by a segment preview to estimate its size. */
  PREVIEW_SAMPLE_SIZE: z.coerce.number().int().min(100).max(1_000_000).default(20_000),
});
export type SegmentationConfig = z.infer<typeof segmentationConfigSchema>;
