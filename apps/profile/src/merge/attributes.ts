/** Plain JSON values as they appear in XDM documents. */
export type JsonObject = { [key: string]: unknown };

export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Lays `top` over `base`: objects merge key by key, any other value (scalars, arrays) replaces the one below.
 * `null` and `undefined` in `top` mean "no value" and never erase what `base` holds. Inputs are not modified.
 */
export function layer(base: JsonObject, top: JsonObject): JsonObject {
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(top)) {
    if (value === null || value === undefined) continue;
    const below = out[key];
    out[key] = isPlainObject(value) && isPlainObject(below) ? layer(below, value) : value;
  }
  return out;
}

/** JSON with object keys sorted, so equal values always give equal text. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Whether two JSON values are equal as stableStringify would find them (object key order does not matter, a key
 * holding undefined counts as absent, null and undefined are equal), without building their text.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b || ((a === undefined || a === null) && (b === undefined || b === null))) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (isPlainObject(a)) {
    if (!isPlainObject(b)) return false;
    let n = 0;
    for (const key in a) {
      if (a[key] === undefined) continue;
      n++;
      if (b[key] === undefined || !jsonEqual(a[key], b[key])) return false;
    }
    for (const key in b) if (b[key] !== undefined) n--;
    return n === 0;
  }
  return false;
}

/**
 * Dotted paths of the leaves that differ between `before` and `after` (added, removed or changed), sorted.
 * Arrays are leaves: a changed array is reported by its own path.
 */
export function changedPaths(before: JsonObject, after: JsonObject): string[] {
  const out: string[] = [];
  diff(before, after, '', out);
  return out.sort();
}

function diff(before: unknown, after: unknown, path: string, out: string[]): void {
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    for (const key of keys) diff(before[key], after[key], path ? `${path}.${key}` : key, out);
    return;
  }
  if (isPlainObject(before) || isPlainObject(after)) {
    // An object appeared, vanished, or replaced a scalar: report its leaves.
    leaves(isPlainObject(before) ? before : after as JsonObject, path, out);
    return;
  }
  if (before === undefined && after === undefined) return;
  if (!jsonEqual(before, after)) out.push(path);
}

function leaves(value: JsonObject, path: string, out: string[]): void {
  const keys = Object.keys(value);
  if (!keys.length && path) out.push(path);
  for (const key of keys) {
    const child = value[key];
    const childPath = path ? `${path}.${key}` : key;
    if (isPlainObject(child)) leaves(child, childPath, out);
    else if (child !== undefined) out.push(childPath);
  }
}
