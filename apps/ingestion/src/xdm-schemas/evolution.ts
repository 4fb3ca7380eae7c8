import { canonicalJson } from '@weft/xdm';
import type { FieldSpec } from './field-spec';
import type { SchemaDefinition, SchemaProblem } from './schema-compiler';

const CONSTRAINTS = ['type', 'format', 'enum', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'identity'] as const;

/**
 * Schemas only grow: a new version may add optional fields and field groups, nothing else. Returns every way
 * `next` is not an additive change of `current` (empty when it is), each naming the field and what changed.
 */
export function nonAdditiveChanges(
  current: { definition: SchemaDefinition; root: FieldSpec },
  next: { definition: SchemaDefinition; root: FieldSpec },
): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  if (current.definition.class !== next.definition.class) {
    problems.push({ path: 'class', message: `the class cannot change (${current.definition.class} → ${next.definition.class})` });
  }
  if (!current.definition.strict && next.definition.strict) {
    problems.push({ path: 'strict', message: 'a schema cannot become strict: documents it accepts today would be refused' });
  }
  for (const id of current.definition.fieldGroups) {
    if (!next.definition.fieldGroups.includes(id)) problems.push({ path: 'fieldGroups', message: `field group ${id} cannot be removed` });
  }
  compare(current.root, next.root, '', problems);
  return problems;
}

function compare(before: FieldSpec, after: FieldSpec, path: string, problems: SchemaProblem[]): void {
  const name = path || '(document)';
  for (const key of CONSTRAINTS) {
    if (canonicalJson(before[key] ?? null) !== canonicalJson(after[key] ?? null)) {
      problems.push({
        path,
        message: `${name}: ${key} cannot change (${JSON.stringify(before[key] ?? null)} → ${JSON.stringify(after[key] ?? null)})`,
      });
      return;
    }
  }
  const requiredBefore = new Set(before.required ?? []);
  for (const required of after.required ?? []) {
    if (!requiredBefore.has(required)) problems.push({ path: join(path, required), message: `${join(path, required)}: a new field cannot be required` });
  }
  for (const [key, field] of Object.entries(before.properties ?? {})) {
    const next = after.properties?.[key];
    if (!next) problems.push({ path: join(path, key), message: `${join(path, key)} cannot be removed` });
    else compare(field, next, join(path, key), problems);
  }
  if (before.items && after.items) compare(before.items, after.items, `${path}[]`, problems);
  if (before.additionalProperties && after.additionalProperties) {
    compare(before.additionalProperties, after.additionalProperties, `${path}{}`, problems);
  } else if (before.additionalProperties || after.additionalProperties) {
    problems.push({ path, message: `${name}: cannot change between a map and a record` });
  }
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}
