// RFC 3339 date-time with a zone, as XDM writes date-time values.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** Rewrites every date-time string to its UTC ISO form, so values are compared as instants. */
export function asInstants(value: unknown): unknown {
  if (typeof value === 'string' && DATE_TIME.test(value)) return new Date(value).toISOString();
  if (Array.isArray(value)) return value.map(asInstants);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, asInstants(v)]));
  }
  return value;
}

/** A deep copy of `value` without the fields at `paths` (`a.b[1].c`). */
export function withoutPaths(value: unknown, paths: readonly string[]): unknown {
  const copy = structuredClone(value);
  for (const path of paths) {
    const segments = [...path.matchAll(/[^.[\]]+/g)].map((m) => m[0]);
    let node = copy as Record<string, unknown>;
    for (const segment of segments.slice(0, -1)) node = node[segment] as Record<string, unknown>;
    delete node[segments[segments.length - 1]];
  }
  return copy;
}
