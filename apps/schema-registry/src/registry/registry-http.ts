import {
  ArgumentsHost,
  Catch,
  Controller,
  HttpException,
  Injectable,
  Logger,
  UseFilters,
  UseInterceptors,
  applyDecorators,
  type CallHandler,
  type ExceptionFilter,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DatabaseError } from 'pg';
import { TypeORMError } from 'typeorm';
import type { Observable } from 'rxjs';
import { InvalidAvroSchemaError } from '../avro/avro-schema';
import { RegistryError, RegistryErrors } from './registry-errors';

/** The media type Confluent's API answers with. */
export const REGISTRY_CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/** Request media types accepted on the registry's routes. */
export const REGISTRY_REQUEST_TYPES = ['application/json', 'application/vnd.schemaregistry.v1+json', 'application/vnd.schemaregistry+json'];

/** A JSON request body that did not parse; the route answers with Confluent's error shape instead of Fastify's. */
export class MalformedJsonBody {
  constructor(readonly message: string) {}
}

/**
 * Parses the registry's JSON media types (replacing Nest's own application/json parser). A malformed body becomes a
 * MalformedJsonBody for the interceptor to refuse in the registry's error shape: errors raised while Fastify parses
 * never reach a controller's exception filter.
 */
export function registerRegistryBodyParsers(app: NestFastifyApplication): void {
  app.useBodyParser(REGISTRY_REQUEST_TYPES, {}, (_request, body, done) => {
    const text = body.toString('utf8');
    if (!text.trim()) return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(null, new MalformedJsonBody((err as Error).message));
    }
  });
}

/** Sets Confluent's media type on answers and refuses malformed JSON bodies. */
@Injectable()
export class RegistryHttpInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    void http.getResponse<FastifyReply>().header('content-type', REGISTRY_CONTENT_TYPE);
    const { body } = http.getRequest<FastifyRequest>();
    if (body instanceof MalformedJsonBody) throw RegistryErrors.malformedBody(body.message);
    return next.handle();
  }
}

/** Answers every failure on the registry's routes as Confluent does: `{error_code, message}`. */
@Catch()
export class RegistryErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(RegistryErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const error = this.toRegistryError(exception);
    void host
      .switchToHttp()
      .getResponse<FastifyReply>()
      .status(error.status)
      .header('content-type', REGISTRY_CONTENT_TYPE)
      .send({ error_code: error.errorCode, message: error.message });
  }

  private toRegistryError(exception: unknown): RegistryError {
    if (exception instanceof RegistryError) return exception;
    if (exception instanceof InvalidAvroSchemaError) return RegistryErrors.invalidSchema(exception.message);
    if (exception instanceof HttpException) {
      return new RegistryError(exception.getStatus(), exception.getStatus(), exception.message);
    }
    if (exception instanceof TypeORMError || exception instanceof DatabaseError) {
      this.logger.error(exception.stack ?? String(exception));
      return RegistryErrors.storeError();
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    return new RegistryError(500, 500, 'Internal Server Error');
  }
}

/** A controller serving part of Confluent's REST API at the root path (no /v1/ prefix, no API key: clients send none). */
export function RegistryController(tag: string): ClassDecorator {
  return applyDecorators(Controller(), ApiTags(tag), UseFilters(RegistryErrorFilter), UseInterceptors(RegistryHttpInterceptor));
}
