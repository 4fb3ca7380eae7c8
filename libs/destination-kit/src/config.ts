import { z } from 'zod';
import { parseSecretsKey } from './crypto/secret-box';

/** Settings every connector reads besides the platform's; spread into the service's config schema. */
export const destinationKitConfigShape = {
  /**
   * AES-256-GCM key for connection credentials: 32 bytes as 64 hex digits or base64. Required in production
   * (NODE_ENV=production); elsewhere a fixed development key is used when it is unset, with a warning at boot.
   */
  WEFT_SECRETS_KEY: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      if (value === undefined) return;
      try {
        parseSecretsKey(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
  NODE_ENV: z.string().default('development'),
  /** Ingestion admin API, where schema field labels come from. */
  INGESTION_URL: z.string().url('must be an http(s) URL').default('http://127.0.0.1:3001'),
  /** API key for the ingestion admin API; defaults to the first of WEFT_API_KEYS. */
  INGESTION_API_KEY: z.string().optional(),
  /** How long fetched schema labels are reused. */
  INGESTION_LABELS_TTL_MS: z.coerce.number().int().min(0).default(30_000),
  /** Delivery log rows older than this are pruned. */
  DELIVERY_LOG_RETENTION_DAYS: z.coerce.number().int().min(1).default(7),
};

export const destinationKitConfigSchema = z.object(destinationKitConfigShape);
export type DestinationKitConfig = z.infer<typeof destinationKitConfigSchema> & { WEFT_API_KEYS: string[] };
