import { z } from 'zod';
import { DATA_USAGE_LABEL, MARKETING_ACTIONS } from '../governance/policy';

const label = z.string().regex(DATA_USAGE_LABEL, 'is not a data-usage label (C1-C12, I1, I2, S1...)');

export const policyCreateSchema = z
  .object({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be lower-case letters, digits and dashes')
      .refine((id) => !id.startsWith('core-'), 'the core- prefix is reserved')
      .optional(),
    name: z.string().trim().min(1).max(200),
    marketingAction: z.enum(MARKETING_ACTIONS),
    operator: z.enum(['anyOf', 'allOf']).default('anyOf'),
    labels: z.array(label).min(1),
    enabled: z.boolean().default(false),
  })
  .strict();

export const policyPatchSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    operator: z.enum(['anyOf', 'allOf']),
    labels: z.array(label).min(1),
    enabled: z.boolean(),
  })
  .partial()
  .strict();

export interface PolicyView {
  id: string;
  name: string;
  marketingAction: string;
  operator: 'anyOf' | 'allOf';
  labels: string[];
  enabled: boolean;
  core: boolean;
}
