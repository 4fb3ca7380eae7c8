import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../http/domain-error';
import { CONFIG } from '../tokens';
import type { BaseConfig } from '../config/config';

export const API_KEY_HEADER = 'x-api-key';

/** Admin routes (everything under /v1/) need one of the keys in WEFT_API_KEYS in the x-api-key header. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly keys: Buffer[];

  constructor(@Inject(CONFIG) config: BaseConfig) {
    this.keys = config.WEFT_API_KEYS.map((k) => Buffer.from(k));
  }

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!request.url.startsWith('/v1/')) return true;
    const given = request.headers[API_KEY_HEADER];
    if (typeof given === 'string' && this.matches(Buffer.from(given))) return true;
    throw new DomainError('unauthorized', `missing or invalid ${API_KEY_HEADER} header`, 401);
  }

  private matches(given: Buffer): boolean {
    let ok = false;
    for (const key of this.keys) if (key.length === given.length && timingSafeEqual(key, given)) ok = true;
    return ok;
  }
}
