import { z } from 'zod';
import { DATA_USAGE_LABEL } from '../xdm-schemas/field-spec';

export const createDatasetBody = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'lowercase letters, digits, ".", "_" and "-", at most 100').optional(),
  name: z.string().min(1),
  schemaId: z.string().min(1),
  profileEnabled: z.boolean().default(false),
  labels: z.array(z.string().regex(DATA_USAGE_LABEL, 'a data-usage label: C1–C12, I1, I2, S1, S2, …')).default([]),
  retentionDays: z.number().int().min(1).nullable().default(null),
  validateEcid: z.boolean().default(true),
});
export type CreateDatasetBody = z.infer<typeof createDatasetBody>;
