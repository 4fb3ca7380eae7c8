import { DomainError, type ErrorDetail } from '@weft/platform';
import type { z } from 'zod';

/** Parses a request body or query with `schema`, or answers 400 naming every offending field and its rule. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what = 'request body'): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const details: ErrorDetail[] = result.error.issues.map((issue) => ({
    path: issue.path.join('.') || undefined,
    code: issue.code,
    message: issue.message,
  }));
  const first = details[0]!;
  throw new DomainError('validation_failed', `${what}: ${first.path ? `${first.path}: ` : ''}${first.message}`, 400, details);
}
