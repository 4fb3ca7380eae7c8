import { DomainError } from '@weft/platform';
import type { z } from 'zod';

/** Validates a request body with zod; every problem is reported with the field's path. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    code: 'invalid_request',
    message: issue.message,
  }));
  throw new DomainError(
    'invalid_request',
    details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; '),
    400,
    details,
  );
}
