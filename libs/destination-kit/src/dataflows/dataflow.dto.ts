import { z } from 'zod';
import { CONSENT_CHANNELS } from '../consent/consent';
import { DATA_USAGE_LABEL, MARKETING_ACTIONS } from '../governance/policy';

export const mappingEntrySchema = z
  .object({
    source: z.string().min(1).max(500),
    target: z.string().min(1).max(500),
    labels: z.array(z.string().regex(DATA_USAGE_LABEL, 'is not a data-usage label (C1-C12, I1, I2, S1...)')).optional(),
  })
  .strict();

export const scheduleSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('streaming') }).strict(),
  z
    .object({
      mode: z.literal('batch'),
      frequencyHours: z.union([z.literal(3), z.literal(6), z.literal(8), z.literal(12), z.literal(24)]),
      startAt: z.string().datetime().optional(),
      endAt: z.string().datetime().optional(),
    })
    .strict(),
]);

export const dataflowSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    connectionId: z.string().uuid(),
    segmentIds: z.array(z.string().min(1).max(200)).min(1).max(1_000),
    mapping: z.array(mappingEntrySchema).max(500).default([]),
    identityNamespaces: z.array(z.string().min(1)).default([]),
    schedule: scheduleSchema.default({ mode: 'streaming' }),
    marketingActions: z.array(z.enum(MARKETING_ACTIONS)).min(1),
    consentChannel: z.enum(CONSENT_CHANNELS),
    sendAttributeChanges: z.boolean().default(false),
    enabled: z.boolean().default(true),
  })
  .strict();

export type DataflowInput = z.infer<typeof dataflowSchema>;

export const dataflowPatchSchema = z
  .object({
    name: dataflowSchema.shape.name,
    segmentIds: dataflowSchema.shape.segmentIds,
    mapping: z.array(mappingEntrySchema).max(500),
    identityNamespaces: z.array(z.string().min(1)),
    schedule: scheduleSchema,
    marketingActions: dataflowSchema.shape.marketingActions,
    consentChannel: dataflowSchema.shape.consentChannel,
    sendAttributeChanges: z.boolean(),
    enabled: z.boolean(),
  })
  .partial()
  .strict();

export interface DataflowView extends Omit<DataflowInput, never> {
  id: string;
  createdAt: string;
  updatedAt: string;
}
