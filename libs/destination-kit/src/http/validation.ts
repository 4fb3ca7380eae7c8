import { DomainError, type ErrorDetail } from '@weft/platform';
import { z } from 'zod';

/** Parses a request body with a zod schema; every problem is reported with the field's dotted path. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown, prefix = ''): T {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  throw invalidRequest(
    result.error.issues.map((issue) => ({
      path: [prefix, ...issue.path.map(String)].filter(Boolean).join('.'),
      code: issue.code,
      message: issue.message,
    })),
  );
}

export function invalidRequest(details: ErrorDetail[]): DomainError {
  const first = details[0];
  const message = first ? `${first.path || 'body'}: ${first.message}` : 'invalid request';
  return new DomainError('invalid_request', details.length > 1 ? `${message} (and ${details.length - 1} more)` : message, 400, details);
}

/** A JSON Schema of a zod schema for OpenAPI (without the `$schema` key Swagger does not expect). */
export function openApiSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;
  return rest;
}
