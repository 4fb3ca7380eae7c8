import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EvaluationMethod } from '../src/index';

/** One worked example from `cases.json` (README §10). */
export interface PqlCase {
  readonly id: string;
  readonly expression: string;
  readonly profile: unknown;
  readonly events: readonly unknown[];
  readonly now: string;
  readonly expected: unknown;
  readonly method?: EvaluationMethod;
  readonly source: string;
  readonly notes?: string;
}

export function loadPqlCases(): readonly PqlCase[] {
  const file = JSON.parse(readFileSync(join(__dirname, 'cases.json'), 'utf8')) as { cases: PqlCase[] };
  return file.cases;
}
