import { baseConfigShape } from '@weft/platform';
import { z } from 'zod';

export const identityConfigSchema = z.object({
  ...baseConfigShape,
  PORT: baseConfigShape.PORT.default(3002),
  /**
   * Link times and last-seen times are refreshed only when a record is at least this much newer than what is stored,
   * so the common case (known identities seen again) needs no write. Structural changes always store exact times.
   */
  IDENTITY_TIME_RESOLUTION_MS: z.coerce.number().int().min(0).default(60_000),
  /** How often each instance checks whether namespaces or linking rules changed on another instance. */
  IDENTITY_RULES_REFRESH_MS: z.coerce.number().int().min(0).default(2_000),
  /** How often graph changes left unpublished by a crashed instance are looked for. */
  IDENTITY_OUTBOX_SWEEP_MS: z.coerce.number().int().min(100).default(5_000),
  /** Ids of records applied by the slow path are kept this long to recognise re-deliveries. */
  IDENTITY_APPLIED_RECORD_RETENTION_HOURS: z.coerce.number().int().min(1).default(168),
});
export type IdentityConfig = z.infer<typeof identityConfigSchema>;
