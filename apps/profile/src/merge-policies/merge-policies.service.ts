import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Subject } from 'rxjs';
import type { DataSource, EntityManager } from 'typeorm';
import { DomainError, NotFoundError } from '@weft/platform';
import type { CreateMergePolicy, UpdateMergePolicy } from './merge-policy.dto';
import { MergePolicyEntity } from './merge-policy.entity';

export const MAX_MERGE_POLICIES = 5;
const DEFAULT_CACHE_MS = 5_000;

@Injectable()
export class MergePoliciesService {
  /** Emits when the default policy, or the rules of the default policy, changed: materialized profiles are stale. */
  readonly defaultChanged = new Subject<MergePolicyEntity>();
  private cachedDefault: { policy: MergePolicyEntity; until: number } | null = null;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  list(): Promise<MergePolicyEntity[]> {
    return this.dataSource.getRepository(MergePolicyEntity).find({ order: { createdAt: 'ASC' } });
  }

  async get(id: string): Promise<MergePolicyEntity> {
    const policy = /^[0-9a-f-]{36}$/i.test(id) ? await this.dataSource.getRepository(MergePolicyEntity).findOneBy({ id }) : null;
    if (!policy) throw new NotFoundError('merge policy', id);
    return policy;
  }

  /** The default policy (briefly cached: it is read for every consumed batch). */
  async getDefault(): Promise<MergePolicyEntity> {
    if (this.cachedDefault && this.cachedDefault.until > Date.now()) return this.cachedDefault.policy;
    const policy = await this.dataSource.getRepository(MergePolicyEntity).findOneBy({ isDefault: true });
    if (!policy) throw new Error('no default merge policy: the merge_policies table must hold exactly one');
    this.cachedDefault = { policy, until: Date.now() + DEFAULT_CACHE_MS };
    return policy;
  }

  async create(input: CreateMergePolicy): Promise<MergePolicyEntity> {
    const created = await this.locked(async (manager) => {
      const count = await manager.count(MergePolicyEntity);
      if (count >= MAX_MERGE_POLICIES) {
        throw new DomainError('merge_policy_limit', `at most ${MAX_MERGE_POLICIES} merge policies may exist; delete one first`, HttpStatus.CONFLICT);
      }
      if (input.isDefault) await manager.update(MergePolicyEntity, { isDefault: true }, { isDefault: false });
      return manager.save(
        manager.create(MergePolicyEntity, {
          name: input.name,
          attributeMerge: input.attributeMerge.type,
          datasetOrder: input.attributeMerge.type === 'datasetPrecedence' ? input.attributeMerge.datasets : [],
          identityStitching: input.identityStitching,
          isDefault: input.isDefault,
        }),
      );
    });
    if (created.isDefault) this.announceDefault(created);
    return created;
  }

  async update(id: string, patch: UpdateMergePolicy): Promise<MergePolicyEntity> {
    const current = await this.get(id);
    if (current.isDefault && patch.isDefault === false) {
      throw new DomainError('default_required', 'isDefault: exactly one policy is the default; make another policy the default instead', HttpStatus.CONFLICT, [
        { path: 'isDefault', code: 'default_required', message: 'the default policy cannot be unset directly' },
      ]);
    }
    const updated = await this.locked(async (manager) => {
      if (patch.isDefault && !current.isDefault) await manager.update(MergePolicyEntity, { isDefault: true }, { isDefault: false });
      if (patch.name !== undefined) current.name = patch.name;
      if (patch.identityStitching !== undefined) current.identityStitching = patch.identityStitching;
      if (patch.isDefault !== undefined) current.isDefault = patch.isDefault;
      if (patch.attributeMerge !== undefined) {
        current.attributeMerge = patch.attributeMerge.type;
        current.datasetOrder = patch.attributeMerge.type === 'datasetPrecedence' ? patch.attributeMerge.datasets : [];
      }
      return manager.save(current);
    });
    if (updated.isDefault && (patch.isDefault || patch.attributeMerge || patch.identityStitching)) this.announceDefault(updated);
    return updated;
  }

  async delete(id: string): Promise<void> {
    const policy = await this.get(id);
    if (policy.isDefault) {
      throw new DomainError('default_required', 'the default merge policy cannot be deleted; make another policy the default first', HttpStatus.CONFLICT);
    }
    await this.dataSource.getRepository(MergePolicyEntity).delete({ id });
  }

  private announceDefault(policy: MergePolicyEntity): void {
    this.cachedDefault = { policy, until: Date.now() + DEFAULT_CACHE_MS };
    this.defaultChanged.next(policy);
  }

  /** Policy writes are serialized, so the count limit and the single default hold under concurrent requests. */
  private locked<T>(fn: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`LOCK TABLE ${manager.connection.getMetadata(MergePolicyEntity).tablePath} IN SHARE ROW EXCLUSIVE MODE`);
      return fn(manager);
    });
  }
}
