import type { Type } from 'avsc';

export const COMPATIBILITY_LEVELS = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;

export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

/** Confluent's default: consumers upgraded first can still read what old producers wrote. */
export const DEFAULT_COMPATIBILITY: CompatibilityLevel = 'BACKWARD';

export function isCompatibilityLevel(value: unknown): value is CompatibilityLevel {
  return typeof value === 'string' && (COMPATIBILITY_LEVELS as readonly string[]).includes(value);
}

export interface VersionedType {
  version: number;
  type: Type;
}

interface Rule {
  /** The new schema must read data written with the previous ones. */
  backward: boolean;
  /** The previous schemas must read data written with the new one. */
  forward: boolean;
  /** Against every previous version, not only the latest. */
  transitive: boolean;
}

function ruleOf(level: CompatibilityLevel): Rule {
  switch (level) {
    case 'NONE':
      return { backward: false, forward: false, transitive: false };
    case 'BACKWARD':
      return { backward: true, forward: false, transitive: false };
    case 'BACKWARD_TRANSITIVE':
      return { backward: true, forward: false, transitive: true };
    case 'FORWARD':
      return { backward: false, forward: true, transitive: false };
    case 'FORWARD_TRANSITIVE':
      return { backward: false, forward: true, transitive: true };
    case 'FULL':
      return { backward: true, forward: true, transitive: false };
    case 'FULL_TRANSITIVE':
      return { backward: true, forward: true, transitive: true };
  }
}

/** Why data written with `writer` cannot be read with `reader`, per Avro schema resolution (avsc's resolver). */
export function resolutionProblem(reader: Type, writer: Type): string | undefined {
  try {
    reader.createResolver(writer);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * Checks `candidate` against the `previous` versions of a subject (oldest first) under `level`.
 * Returns one message per violation; an empty list means the candidate may be registered.
 */
export function compatibilityProblems(level: CompatibilityLevel, candidate: Type, previous: readonly VersionedType[]): string[] {
  const rule = ruleOf(level);
  if (!previous.length || (!rule.backward && !rule.forward)) return [];
  const against = rule.transitive ? previous : previous.slice(-1);
  const problems: string[] = [];
  for (const { version, type } of against) {
    if (rule.backward) {
      const problem = resolutionProblem(candidate, type);
      if (problem) problems.push(`${level}: the new schema cannot read data written with version ${version}: ${problem}`);
    }
    if (rule.forward) {
      const problem = resolutionProblem(type, candidate);
      if (problem) problems.push(`${level}: version ${version} cannot read data written with the new schema: ${problem}`);
    }
  }
  return problems;
}
