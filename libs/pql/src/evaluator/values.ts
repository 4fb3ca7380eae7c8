/** Runtime value helpers shared by the compiled closures. */

/** The result of `mapEntry(K, V)` inside `m.map((K, G) => ...)`. */
export class MapEntry {
  constructor(
    readonly key: unknown,
    readonly value: unknown,
  ) {}
}

export type PqlMap = Record<string, unknown>;

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Boolean coercion (README §4): false, null/undefined and empty arrays are false; anything else is true. */
export function isTruthy(value: unknown): boolean {
  if (value === false || value === null || value === undefined) return false;
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

/** `obj.key`; through an array it yields the list of that field over the items. Paths never throw. */
export function getField(value: unknown, key: string): unknown {
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) {
      const field = getField(item, key);
      if (field === null || field === undefined) continue;
      if (Array.isArray(field) && Array.isArray(item)) out.push(...(field as unknown[]));
      else out.push(field);
    }
    return out;
  }
  if (isObject(value) && Object.hasOwn(value, key)) return value[key];
  return undefined;
}

export function newMap(): PqlMap {
  return Object.create(null) as PqlMap;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const key of ka) {
    if (!Object.hasOwn(b, key)) return false;
    if (!deepEqual((a as PqlMap)[key], (b as PqlMap)[key])) return false;
  }
  return true;
}

export function includesValue(list: readonly unknown[], value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return list.includes(value);
  for (const item of list) if (deepEqual(item, value)) return true;
  return false;
}

/** A stable key for grouping and de-duplication. */
export function keyOf(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? 'null');
}
