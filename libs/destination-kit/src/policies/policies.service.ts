import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DomainError, NotFoundError } from '@weft/platform';
import { randomUUID } from 'node:crypto';
import type { Repository } from 'typeorm';
import type { PolicyRule } from '../governance/policy';
import { invalidRequest, parseBody } from '../http/validation';
import { PolicyEntity } from './policy.entity';
import { policyCreateSchema, policyPatchSchema, type PolicyView } from './policy.dto';

@Injectable()
export class PoliciesService {
  private readonly logger = new Logger(PoliciesService.name);

  constructor(@InjectRepository(PolicyEntity) private readonly policies: Repository<PolicyEntity>) {}

  async list(): Promise<PolicyView[]> {
    const rows = await this.policies.find({ order: { core: 'DESC', id: 'ASC' } });
    return rows.map(view);
  }

  async get(id: string): Promise<PolicyView> {
    return view(await this.find(id));
  }

  async create(body: unknown): Promise<PolicyView> {
    const input = parseBody(policyCreateSchema, body);
    const id = input.id ?? `policy-${randomUUID()}`;
    if (await this.policies.existsBy({ id })) throw new DomainError('conflict', `policy ${JSON.stringify(id)} already exists`, 409);
    await this.policies.insert({ ...input, id, core: false });
    this.logger.log(`policy ${id} created (enabled: ${input.enabled})`);
    return this.get(id);
  }

  async update(id: string, body: unknown): Promise<PolicyView> {
    const patch = parseBody(policyPatchSchema, body);
    const entity = await this.find(id);
    if (entity.core && Object.keys(patch).some((k) => k !== 'enabled')) {
      throw invalidRequest([{ path: 'enabled', code: 'core_policy', message: 'core policies can only be enabled or disabled' }]);
    }
    Object.assign(entity, patch);
    await this.policies.save(entity);
    this.logger.log(`policy ${id} updated (enabled: ${entity.enabled})`);
    return view(entity);
  }

  /** Every policy as an evaluation rule. */
  async rules(): Promise<PolicyRule[]> {
    const rows = await this.policies.find();
    return rows.map(({ id, name, marketingAction, operator, labels, enabled }) => ({ id, name, marketingAction, operator, labels, enabled }));
  }

  private async find(id: string): Promise<PolicyEntity> {
    const row = await this.policies.findOneBy({ id });
    if (!row) throw new NotFoundError('policy', id);
    return row;
  }
}

function view(p: PolicyEntity): PolicyView {
  return { id: p.id, name: p.name, marketingAction: p.marketingAction, operator: p.operator, labels: p.labels, enabled: p.enabled, core: p.core };
}
