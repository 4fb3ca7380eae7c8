import { z } from 'zod';
import type { FieldSpec } from './field-spec';

const fieldSpec: z.ZodType<FieldSpec> = z.lazy(() =>
  z.strictObject({
    type: z.enum(['string', 'number', 'integer', 'boolean', 'object', 'array']),
    title: z.string().optional(),
    description: z.string().optional(),
    format: z.enum(['date-time', 'date', 'email', 'uri']).optional(),
    enum: z.array(z.union([z.string(), z.number()])).min(1).optional(),
    pattern: z.string().optional(),
    minLength: z.number().int().min(0).optional(),
    maxLength: z.number().int().min(0).optional(),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
    properties: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'field names are letters, digits and _'), fieldSpec).optional(),
    items: fieldSpec.optional(),
    additionalProperties: fieldSpec.optional(),
    identity: z.strictObject({ namespace: z.string().min(1), primary: z.boolean().optional() }).optional(),
    labels: z.array(z.string()).optional(),
  }),
);

const fields = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'field names are letters, digits and _'), fieldSpec);
const id = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'lowercase letters, digits, ".", "_" and "-", at most 100');

export const createSchemaBody = z.strictObject({
  id: id.optional(),
  title: z.string().min(1),
  class: z.enum(['profile', 'experienceevent']),
  fieldGroups: z.array(z.string()).default([]),
  customFields: fields.default({}),
  strict: z.boolean().default(false),
});
export type CreateSchemaBody = z.infer<typeof createSchemaBody>;

/** A PATCH adds field groups and custom fields; it can also relax a strict schema. */
export const patchSchemaBody = z.strictObject({
  title: z.string().min(1).optional(),
  fieldGroups: z.array(z.string()).default([]),
  customFields: fields.default({}),
  strict: z.boolean().optional(),
});
export type PatchSchemaBody = z.infer<typeof patchSchemaBody>;

export const createFieldGroupBody = z.strictObject({
  id,
  title: z.string().min(1),
  description: z.string().default(''),
  classes: z.array(z.enum(['profile', 'experienceevent'])).min(1),
  properties: fields,
});
export type CreateFieldGroupBody = z.infer<typeof createFieldGroupBody>;
