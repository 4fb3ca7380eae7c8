import { randomBytes } from 'node:crypto';

/** A name no other test file (or earlier run) uses: for topics, consumer groups, schemas, subjects. */
export function uniqueName(prefix: string): string {
  const worker = process.env['JEST_WORKER_ID'] ?? '0';
  return `${prefix}-${worker}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** Like uniqueName but usable as an unquoted SQL identifier. */
export function uniqueIdentifier(prefix: string): string {
  return uniqueName(prefix).replace(/[^a-zA-Z0-9_]/g, '_').toLowerCase();
}
