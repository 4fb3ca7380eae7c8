import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { throwError, type Observable } from 'rxjs';

export interface ErrorDetail {
  /** Path of the offending field (dotted, or JSON pointer), when one field is to blame. */
  path?: string;
  code: string;
  message: string;
}

/**
 * An error a service raises on purpose: a code an API client can switch on, an HTTP status, a message that names
 * the field and the rule, and optional per-field details.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = HttpStatus.BAD_REQUEST,
    readonly details: ErrorDetail[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string, id: string) {
    super('not_found', `${what} ${JSON.stringify(id)} does not exist`, HttpStatus.NOT_FOUND);
  }
}

export interface ErrorBody {
  error: { code: string; message: string; details?: ErrorDetail[] };
}

/** Maps DomainError and Nest's HttpException to one JSON error shape; anything else is a logged 500. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(ErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void | Observable<never> {
    // Kafka handlers get their error back as thrown: the consumer decides on retries and dead letters by its kind.
    if (host.getType() !== 'http') return throwError(() => exception);
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body, headers } = this.toResponse(exception);
    for (const [k, v] of Object.entries(headers)) void reply.header(k, v);
    void reply.status(status).send(body);
  }

  private toResponse(exception: unknown): { status: number; body: ErrorBody; headers: Record<string, string> } {
    if (exception instanceof DomainError) {
      return {
        status: exception.status,
        headers: exception.headers,
        body: {
          error: { code: exception.code, message: exception.message, ...(exception.details.length ? { details: exception.details } : {}) },
        },
      };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message =
        typeof response === 'string'
          ? response
          : Array.isArray((response as { message?: unknown }).message)
            ? ((response as { message: string[] }).message).join('; ')
            : String((response as { message?: unknown }).message ?? exception.message);
      return { status, headers: {}, body: { error: { code: httpCode(status), message } } };
    }
    const fastifyError = exception as { statusCode?: number; code?: string; message?: string };
    if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode < 500) {
      return {
        status: fastifyError.statusCode,
        headers: {},
        body: { error: { code: httpCode(fastifyError.statusCode), message: fastifyError.message ?? 'bad request' } },
      };
    }
    this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    return { status: 500, headers: {}, body: { error: { code: 'internal_error', message: 'internal error' } } };
  }
}

function httpCode(status: number): string {
  switch (status) {
    case 400:
      return 'bad_request';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 413:
      return 'payload_too_large';
    case 415:
      return 'unsupported_media_type';
    case 429:
      return 'too_many_requests';
    default:
      return status >= 500 ? 'internal_error' : 'bad_request';
  }
}
