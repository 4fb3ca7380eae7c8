/**
 * A field of an XDM schema, written in JSON Schema with two XDM annotations: `identity` marks the field as an
 * identity (namespace, primary) and `labels` carries data-usage labels (C1…C12, I1, I2, S1, S2, …).
 * Objects with `additionalProperties` set to a field spec are maps (identityMap, segmentMembership, ...).
 */
export interface FieldSpec {
  type: 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array';
  title?: string;
  description?: string;
  format?: 'date-time' | 'date' | 'email' | 'uri';
  enum?: (string | number)[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, FieldSpec>;
  /** Required child fields (only the class's own `_id`/`timestamp` use this: schema changes add optional fields). */
  required?: string[];
  items?: FieldSpec;
  additionalProperties?: FieldSpec;
  identity?: IdentityDescriptor;
  labels?: string[];
}

export interface IdentityDescriptor {
  namespace: string;
  primary?: boolean;
}

export type XdmClass = 'profile' | 'experienceevent';
export const XDM_CLASSES: readonly XdmClass[] = ['profile', 'experienceevent'];

/** Data-usage labels: contract (C1–C12), identity (I1, I2), sensitive (S1, S2, …). */
export const DATA_USAGE_LABEL = /^(C([1-9]|1[0-2])|I[12]|S[1-9][0-9]*)$/;

export const str = (extra: Partial<FieldSpec> = {}): FieldSpec => ({ type: 'string', ...extra });
export const num = (extra: Partial<FieldSpec> = {}): FieldSpec => ({ type: 'number', ...extra });
export const int = (extra: Partial<FieldSpec> = {}): FieldSpec => ({ type: 'integer', ...extra });
export const bool = (extra: Partial<FieldSpec> = {}): FieldSpec => ({ type: 'boolean', ...extra });
export const dateTime = (extra: Partial<FieldSpec> = {}): FieldSpec => ({ type: 'string', format: 'date-time', ...extra });
export const date = (extra: Partial<FieldSpec> = {}): FieldSpec => ({ type: 'string', format: 'date', ...extra });
export const obj = (properties: Record<string, FieldSpec>, extra: Partial<FieldSpec> = {}): FieldSpec => ({
  type: 'object',
  properties,
  ...extra,
});
export const arr = (items: FieldSpec, extra: Partial<FieldSpec> = {}): FieldSpec => ({ type: 'array', items, ...extra });
export const map = (values: FieldSpec, extra: Partial<FieldSpec> = {}): FieldSpec => ({
  type: 'object',
  additionalProperties: values,
  ...extra,
});

/** Walks every field with its dotted path (array items as `[]`, map values as `{}`). */
export function walkFields(
  properties: Record<string, FieldSpec>,
  visit: (path: string, field: FieldSpec) => void,
  prefix = '',
): void {
  for (const [name, field] of Object.entries(properties)) {
    const path = prefix ? `${prefix}.${name}` : name;
    visit(path, field);
    walkChildren(field, path, visit);
  }
}

function walkChildren(field: FieldSpec, path: string, visit: (path: string, field: FieldSpec) => void): void {
  if (field.properties) walkFields(field.properties, visit, path);
  if (field.items) {
    visit(`${path}[]`, field.items);
    walkChildren(field.items, `${path}[]`, visit);
  }
  if (field.additionalProperties) {
    visit(`${path}{}`, field.additionalProperties);
    walkChildren(field.additionalProperties, `${path}{}`, visit);
  }
}
