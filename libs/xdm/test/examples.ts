import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** XDM example payloads copied from the public adobe/xdm repository (CC BY 4.0, see examples/README.md). */
export const EXAMPLES_DIR = join(__dirname, 'examples');

export function exampleNames(): string[] {
  return readdirSync(EXAMPLES_DIR).filter((f) => /\.example\.\d+\.json$/.test(f));
}

export function loadExample(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(EXAMPLES_DIR, name), 'utf8')) as Record<string, unknown>;
}
