import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DomainError, NotFoundError } from '@weft/platform';
import type { DataSource } from 'typeorm';
import { IdentityRulesEntity } from '../identity-rules/identity-rules.entity';
import { NamespaceEntity } from './namespace.entity';
import type { createNamespaceSchema, NamespaceResponse } from './namespace.dto';
import type { z } from 'zod';

/** Standard and custom identity namespaces. Code and type never change once created. */
@Injectable()
export class NamespacesService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async list(): Promise<NamespaceResponse[]> {
    const all = await this.dataSource.getRepository(NamespaceEntity).find({ order: { createdAt: 'ASC', code: 'ASC' } });
    return all.map(toResponse);
  }

  async get(code: string): Promise<NamespaceResponse> {
    const found = await this.dataSource.getRepository(NamespaceEntity).findOneBy({ code });
    if (!found) throw new NotFoundError('namespace', code);
    return toResponse(found);
  }

  /** Adds a custom namespace; it links identities (if its type does) with the next change of the rules version. */
  async create(request: z.infer<typeof createNamespaceSchema>): Promise<NamespaceResponse> {
    return this.dataSource.transaction(async (manager) => {
      const repository = manager.getRepository(NamespaceEntity);
      // Codes are case-sensitive, but two codes differing only in case would be a trap for producers.
      const clash = await repository
        .createQueryBuilder('n')
        .where('lower(n.code) = lower(:code)', { code: request.code })
        .getOne();
      if (clash) {
        throw new DomainError('namespace_exists', `namespace ${clash.code} already exists`, HttpStatus.CONFLICT, [
          { path: 'code', code: 'namespaceExists', message: `namespace ${clash.code} already exists` },
        ]);
      }
      const created = await repository.save(repository.create({ ...request, custom: true }));
      await manager.getRepository(IdentityRulesEntity).increment({ id: 1 }, 'version', 1);
      return toResponse(created);
    });
  }
}

function toResponse(entity: NamespaceEntity): NamespaceResponse {
  return {
    code: entity.code,
    name: entity.name,
    type: entity.type,
    description: entity.description,
    custom: entity.custom,
    createdAt: entity.createdAt.toISOString(),
  };
}
