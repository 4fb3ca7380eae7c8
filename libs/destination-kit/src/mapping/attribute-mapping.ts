/** One mapped field: an XDM path of the profile to a field of the exported document. */
export interface MappingEntry {
  /** Dotted XDM path in the profile, e.g. `personalEmail.address`. */
  source: string;
  /** Dotted path in the exported document, e.g. `email`. */
  target: string;
  /** Data-usage labels of the source field, for offline use and tests (merged with the schema's labels). */
  labels?: string[];
}

const SEGMENT = /^[A-Za-z_$][\w$-]*$|^\d+$/;

/** A dotted path is a non-empty list of identifier-like segments; numeric segments index arrays. */
export function isValidPath(path: string): boolean {
  return path.length > 0 && path.split('.').every((s) => SEGMENT.test(s));
}

/** Reads a dotted path; `undefined` when any step is missing. */
export function getPath(value: unknown, path: string): unknown {
  let current: unknown = value;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

/** Writes a dotted path, creating intermediate objects. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const segments = path.split('.');
  let current = target;
  for (const segment of segments.slice(0, -1)) {
    const next = current[segment];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) current[segment] = {};
    current = current[segment] as Record<string, unknown>;
  }
  current[segments[segments.length - 1]] = value;
}

/** The exported attributes: each mapped source value at its target path; missing values are left out. */
export function applyMapping(attributes: unknown, mapping: readonly MappingEntry[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const entry of mapping) {
    const value = getPath(attributes, entry.source);
    if (value !== undefined) setPath(out, entry.target, value);
  }
  return out;
}

/** Whether a change that wrote `changedPaths` touched any mapped source (a write of a parent or a child counts). */
export function touchesMapping(changedPaths: readonly string[], mapping: readonly MappingEntry[]): boolean {
  return changedPaths.some((changed) =>
    mapping.some(
      (m) => changed === m.source || m.source.startsWith(`${changed}.`) || changed.startsWith(`${m.source}.`),
    ),
  );
}

/** Problems with a mapping: invalid paths, and two sources written to the same or an overlapping target. */
export function mappingProblems(mapping: readonly MappingEntry[]): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  mapping.forEach((m, i) => {
    if (!isValidPath(m.source)) problems.push({ path: `mapping.${i}.source`, message: `${JSON.stringify(m.source)} is not a dotted XDM path` });
    if (!isValidPath(m.target)) problems.push({ path: `mapping.${i}.target`, message: `${JSON.stringify(m.target)} is not a dotted field path` });
    if (['identityMap', 'segmentMembership'].includes(m.target.split('.')[0])) {
      problems.push({ path: `mapping.${i}.target`, message: `${m.target} is written by the connector itself` });
    }
    mapping.slice(0, i).forEach((other, j) => {
      if (other.target === m.target || other.target.startsWith(`${m.target}.`) || m.target.startsWith(`${other.target}.`)) {
        problems.push({ path: `mapping.${i}.target`, message: `${m.target} overlaps the target of mapping.${j}` });
      }
    });
  });
  return problems;
}
