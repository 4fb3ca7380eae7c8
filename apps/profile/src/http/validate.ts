import type { z } from 'zod';
import { DomainError } from '@weft/platform';

/** Parses a request part with `schema`, or fails with 400 naming every offending field and its rule. */
export function validate<S extends z.ZodType>(schema: S, input: unknown, where = 'body'): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => ({
    path: issue.path.join('.'),
    code: issue.code,
    message: issue.message,
  }));
  const first = details[0];
  throw new DomainError(
    'invalid_request',
    `invalid ${where}: ${first.path ? `${first.path}: ` : ''}${first.message}${details.length > 1 ? ` (and ${details.length - 1} more)` : ''}`,
    400,
    details,
  );
}
