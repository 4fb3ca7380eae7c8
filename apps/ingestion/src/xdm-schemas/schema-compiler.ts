import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { canonicalJson } from '@weft/xdm';
import { DATA_USAGE_LABEL, walkFields, type FieldSpec, type IdentityDescriptor, type XdmClass } from './field-spec';
import { CLASS_FIELDS, type FieldGroup } from './standard-field-groups';

/** What an XDM schema is made of; stored as is, compiled on load. */
export interface SchemaDefinition {
  id: string;
  title: string;
  class: XdmClass;
  /** Ids of standard or custom field groups. */
  fieldGroups: string[];
  /** Tenant fields, nested under `_<tenant>`. */
  customFields: Record<string, FieldSpec>;
  /** Strict schemas refuse fields they do not define; others keep them unchecked. */
  strict: boolean;
  version: number;
}

export interface IdentityField extends IdentityDescriptor {
  /** Dotted path of the field in the plain XDM document. */
  path: string;
}

export interface SchemaProblem {
  path: string;
  message: string;
}

export class SchemaDefinitionError extends Error {
  constructor(readonly problems: SchemaProblem[]) {
    super(problems.map((p) => `${p.path || '(schema)'}: ${p.message}`).join('; '));
    this.name = SchemaDefinitionError.name;
  }
}

export interface CompiledSchema {
  definition: SchemaDefinition;
  /** The whole schema as one field tree (class fields, field groups and custom fields merged). */
  root: FieldSpec;
  /** JSON Schema the validator runs (draft 7 keywords, annotations removed). */
  jsonSchema: object;
  identityFields: IdentityField[];
  labels: { path: string; labels: string[] }[];
  /** Ajv validator: types as given. */
  validate: ValidateFunction;
  /** Ajv validator that converts scalar strings to the field's type first (CSV cells), in place. */
  validateCoercing: () => ValidateFunction;
}

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv, ['date-time', 'date', 'email', 'uri']);
const coercingAjv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true, coerceTypes: true });
addFormats(coercingAjv, ['date-time', 'date', 'email', 'uri']);

/** The tenant's root field holding custom fields, e.g. `_acme`. */
export function tenantField(tenant: string): string {
  return `_${tenant}`;
}

/**
 * Merges the class fields, the field groups and the custom fields into one field tree, checks it (identity
 * descriptors, labels, groups fitting the class) and compiles its JSON Schema with Ajv.
 */
export function compileSchema(
  definition: SchemaDefinition,
  resolveGroup: (id: string) => FieldGroup | undefined,
  tenant: string,
): CompiledSchema {
  const problems: SchemaProblem[] = [];
  const base = CLASS_FIELDS[definition.class];
  if (!base) throw new SchemaDefinitionError([{ path: 'class', message: `unknown class ${String(definition.class)}` }]);
  const root: FieldSpec = { type: 'object', properties: structuredClone(base.properties), required: [...base.required] };
  for (const id of definition.fieldGroups) {
    const group = resolveGroup(id);
    if (!group) {
      problems.push({ path: `fieldGroups`, message: `field group ${id} does not exist (GET /v1/fieldgroups lists them)` });
      continue;
    }
    if (!group.classes.includes(definition.class)) {
      problems.push({ path: 'fieldGroups', message: `field group ${id} applies to ${group.classes.join(', ')}, not ${definition.class}` });
      continue;
    }
    mergeInto(root, group.properties, '', problems);
  }
  if (Object.keys(definition.customFields).length) {
    mergeInto(root, { [tenantField(tenant)]: { type: 'object', properties: definition.customFields } }, '', problems);
  }
  const identityFields: IdentityField[] = [];
  const labels: { path: string; labels: string[] }[] = [];
  walkFields(root.properties ?? {}, (path, field) => {
    for (const label of field.labels ?? []) {
      if (!DATA_USAGE_LABEL.test(label)) problems.push({ path, message: `unknown data-usage label ${label} (C1–C12, I1, I2, S1, S2, …)` });
    }
    if (field.labels?.length) labels.push({ path, labels: field.labels });
    if (field.identity) {
      if (field.type !== 'string') problems.push({ path, message: 'only string fields can be identities' });
      else if (path.includes('[]') || path.includes('{}')) problems.push({ path, message: 'identity fields cannot be inside arrays or maps' });
      else if (!field.identity.namespace) problems.push({ path, message: 'an identity field needs a namespace' });
      else identityFields.push({ path, namespace: field.identity.namespace, primary: field.identity.primary === true });
    }
  });
  if (identityFields.filter((f) => f.primary).length > 1) {
    problems.push({ path: '', message: `only one field may be the primary identity, found ${identityFields.filter((f) => f.primary).map((f) => f.path).join(', ')}` });
  }
  if (problems.length) throw new SchemaDefinitionError(problems);

  const jsonSchema = { $id: `weft:${definition.id}:v${definition.version}`, ...toJsonSchema(root, definition.strict) };
  let coercing: ValidateFunction | undefined;
  return {
    definition,
    root,
    jsonSchema,
    identityFields,
    labels,
    validate: ajv.compile(withoutId(jsonSchema)),
    validateCoercing: () => (coercing ??= coercingAjv.compile(withoutId(jsonSchema))),
  };
}

/** A field group compiled on its own (its fields at the root, unknown fields allowed), to check examples. */
export function compileFieldGroup(group: FieldGroup, strict = false): ValidateFunction {
  return ajv.compile(toJsonSchema({ type: 'object', properties: group.properties }, strict));
}

function withoutId(schema: object): object {
  const { $id: _id, ...rest } = schema as Record<string, unknown>;
  return rest;
}

function mergeInto(target: FieldSpec, properties: Record<string, FieldSpec>, path: string, problems: SchemaProblem[]): void {
  target.properties ??= {};
  for (const [name, field] of Object.entries(properties)) {
    const fieldPath = path ? `${path}.${name}` : name;
    const existing = target.properties[name];
    if (!existing) {
      target.properties[name] = structuredClone(field);
    } else if (existing.type === 'object' && field.type === 'object' && existing.properties && field.properties) {
      mergeInto(existing, field.properties, fieldPath, problems);
    } else if (canonicalJson(existing) !== canonicalJson(field)) {
      problems.push({ path: fieldPath, message: `defined twice with different shapes (${existing.type} and ${field.type})` });
    }
  }
}

/** Field tree → JSON Schema: XDM annotations dropped; objects closed when strict (maps and free-form objects stay open). */
export function toJsonSchema(field: FieldSpec, strict: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { type: field.type };
  for (const key of ['title', 'description', 'format', 'enum', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum'] as const) {
    if (field[key] !== undefined) out[key] = field[key];
  }
  if (field.type === 'object') {
    if (field.properties && Object.keys(field.properties).length) {
      out.properties = Object.fromEntries(Object.entries(field.properties).map(([k, v]) => [k, toJsonSchema(v, strict)]));
      if (field.required?.length) out.required = field.required;
      out.additionalProperties = field.additionalProperties ? toJsonSchema(field.additionalProperties, strict) : !strict;
    } else {
      out.additionalProperties = field.additionalProperties ? toJsonSchema(field.additionalProperties, strict) : true;
    }
  }
  if (field.type === 'array' && field.items) out.items = toJsonSchema(field.items, strict);
  return out;
}

export interface FieldError {
  path: string;
  code: string;
  message: string;
}

/** Ajv errors → field errors naming the dotted path and the rule. */
export function fieldErrors(errors: ErrorObject[] | null | undefined): FieldError[] {
  return (errors ?? []).map((e) => {
    const at = pointerToPath(e.instancePath);
    switch (e.keyword) {
      case 'required': {
        const missing = (e.params as { missingProperty: string }).missingProperty;
        const path = at ? `${at}.${missing}` : missing;
        return { path, code: 'MISSING_FIELD', message: `${path} is required` };
      }
      case 'additionalProperties': {
        const extra = (e.params as { additionalProperty: string }).additionalProperty;
        const path = at ? `${at}.${extra}` : extra;
        return { path, code: 'UNKNOWN_FIELD', message: `${path} is not a field of this strict schema` };
      }
      case 'type':
        return { path: at, code: 'TYPE_MISMATCH', message: `${at || 'document'} must be ${String((e.params as { type: unknown }).type)}` };
      case 'enum':
        return {
          path: at,
          code: 'INVALID_ENUM',
          message: `${at} must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map(String).join(', ')}`,
        };
      case 'format':
        return { path: at, code: 'INVALID_FORMAT', message: `${at} must be a valid ${String((e.params as { format: unknown }).format)}` };
      default:
        return { path: at, code: 'INVALID_VALUE', message: `${at || 'document'} ${e.message ?? 'is invalid'} (${e.keyword})` };
    }
  });
}

/** `/a/b/0/c` → `a.b[0].c` */
export function pointerToPath(pointer: string): string {
  if (!pointer) return '';
  let out = '';
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(segment)) out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}
