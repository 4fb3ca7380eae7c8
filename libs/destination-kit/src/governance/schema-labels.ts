/**
 * Field labels from XDM schemas as the ingestion admin API returns them: fields are JSON-Schema-like objects with
 * `properties` and an optional `labels` array. The walk does not depend on the envelope around the schemas (a list,
 * `{items: [...]}`, a schema with `fields`/`definition`): any object with `properties` starts a field tree, and its
 * field paths are dotted from there. Array items and map values do not add a path step (`items`, `additionalProperties`),
 * matching how mappings address fields. A field inherits the labels of its parents.
 */
export function fieldLabelsFromSchemas(document: unknown): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  visitContainer(document, out);
  return out;
}

function visitContainer(node: unknown, out: Map<string, Set<string>>): void {
  if (Array.isArray(node)) {
    for (const item of node) visitContainer(item, out);
    return;
  }
  if (!isObject(node)) return;
  if (isObject(node['properties'])) {
    visitField(node, '', labelsOf(node), out);
    return;
  }
  for (const value of Object.values(node)) visitContainer(value, out);
}

function visitField(field: Record<string, unknown>, path: string, inherited: string[], out: Map<string, Set<string>>): void {
  const labels = [...inherited, ...labelsOf(field)];
  if (path && labels.length) {
    const set = out.get(path) ?? new Set<string>();
    for (const l of labels) set.add(l);
    out.set(path, set);
  }
  const properties = field['properties'];
  if (isObject(properties)) {
    for (const [name, child] of Object.entries(properties)) {
      if (isObject(child)) visitField(child, path ? `${path}.${name}` : name, labels, out);
    }
  }
  for (const key of ['items', 'additionalProperties']) {
    const child = field[key];
    if (isObject(child)) visitField(child, path, labels, out);
  }
}

function labelsOf(field: Record<string, unknown>): string[] {
  const labels = field['labels'];
  return Array.isArray(labels) ? labels.filter((l): l is string => typeof l === 'string') : [];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Labels of a mapped source path: the field's own, plus those of any labelled parent object. */
export function labelsForPath(labels: Map<string, Set<string>>, path: string): string[] {
  const found = new Set<string>();
  const segments = path.split('.');
  for (let i = 1; i <= segments.length; i++) {
    for (const l of labels.get(segments.slice(0, i).join('.')) ?? []) found.add(l);
  }
  // A mapped parent object exports its labelled children too.
  for (const [field, set] of labels) if (field.startsWith(`${path}.`)) for (const l of set) found.add(l);
  return [...found].sort();
}
