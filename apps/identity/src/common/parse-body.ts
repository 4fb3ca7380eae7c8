import { HttpStatus } from '@nestjs/common';
import { DomainError } from '@weft/platform';
import type { z } from 'zod';

/** Validates a request body (or query) with `schema`; the error names every offending field and its rule. */
export function parseRequest<S extends z.ZodType>(schema: S, input: unknown, what = 'request body'): z.infer<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    code: issue.code,
    message: issue.message,
  }));
  throw new DomainError(
    'invalid_request',
    `invalid ${what}: ${details.map((d) => `${d.path || '(root)'}: ${d.message}`).join('; ')}`,
    HttpStatus.BAD_REQUEST,
    details,
  );
}
