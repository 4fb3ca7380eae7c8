import { z } from 'zod';
import { baseConfigShape } from '@weft/platform';
import { DEFAULT_NAMESPACE_PRIORITY } from './merge/primary-identity';

export const profileConfigSchema = z.object({
  ...baseConfigShape,
  PORT: baseConfigShape.PORT.default(3003),
  /** Identity service admin API, called by privacy delete jobs to remove the person's graph. */
  IDENTITY_URL: z.string().url('must be an http(s) URL').default('http://127.0.0.1:3002'),
  /** API key sent to the identity service; the first of WEFT_API_KEYS when unset. */
  IDENTITY_API_KEY: z.string().min(1).optional(),
  /** Guardrails: profiles above either limit are flagged and left out of segmentation and export. */
  PROFILE_MAX_IDENTITIES: z.coerce.number().int().min(1).default(50),
  PROFILE_MAX_EVENTS: z.coerce.number().int().min(1).default(5_000),
  /**
   * Parts a consumed batch is split into (by profile id) and written side by side, each on its own connection.
   * One by default: a batch is a handful of statements, and on a small database server parts only compete for it.
   */
  PROFILE_WRITE_PARALLELISM: z.coerce.number().int().min(1).max(8).default(1),
  /**
   * Namespaces by priority, highest first, comma-separated: a merged profile marks as primary the identity of the
   * highest-ranked namespace among those that were some document's primary identity. Keep it in the order of the
   * identity service's linking rules (the default is their default).
   */
  PRIMARY_NAMESPACE_PRIORITY: z
    .string()
    .default(DEFAULT_NAMESPACE_PRIORITY.join(','))
    .transform((s) => s.split(',').map((n) => n.trim()).filter(Boolean)),
  /** Most recent events carried by each change-feed message (from the last 24 hours). */
  CHANGE_FEED_MAX_EVENTS: z.coerce.number().int().min(0).max(1_000).default(100),
  /** Days experience events are kept when their dataset has no retention of its own. */
  EVENT_RETENTION_DAYS: z.coerce.number().int().min(1).default(395),
  /** How often retention runs, in minutes (0: never on its own; POST /v1/retention/run still works). */
  RETENTION_INTERVAL_MINUTES: z.coerce.number().int().min(0).default(60),
  /** How often privacy jobs with a pending step (identity service unreachable) are retried, in seconds. */
  PRIVACY_RETRY_INTERVAL_SECONDS: z.coerce.number().int().min(1).default(60),
  /** Attempts at a pending privacy step before it is recorded as failed. */
  PRIVACY_MAX_ATTEMPTS: z.coerce.number().int().min(1).default(10),
});

export type ProfileConfig = z.infer<typeof profileConfigSchema>;
