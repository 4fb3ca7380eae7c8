import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One worked example of the PQL reference (`cases.json`, copied from the shared reference). */
export interface PqlCase {
  readonly id: string;
  readonly expression: string;
  readonly profile: Record<string, unknown>;
  readonly events: Record<string, unknown>[];
  readonly now: string;
  readonly expected: unknown;
  readonly method?: 'edge' | 'streaming' | 'batch';
}

export function loadPqlCases(): readonly PqlCase[] {
  return (JSON.parse(readFileSync(join(__dirname, 'cases.json'), 'utf8')) as { cases: PqlCase[] }).cases;
}
