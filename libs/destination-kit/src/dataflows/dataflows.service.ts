import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DomainError, NotFoundError, type ErrorDetail } from '@weft/platform';
import { randomUUID } from 'node:crypto';
import type { Repository } from 'typeorm';
import { ConnectionsService } from '../connections/connections.service';
import { DESTINATION_KIT_OPTIONS, type DestinationKitOptions } from '../destination-kit.options';
import { evaluatePolicies, type LabelledField, type Violation } from '../governance/policy';
import { labelsForPath } from '../governance/schema-labels';
import { SchemaLabelsService } from '../governance/schema-labels.service';
import { invalidRequest, parseBody } from '../http/validation';
import { mappingProblems } from '../mapping/attribute-mapping';
import { PoliciesService } from '../policies/policies.service';
import { DataflowRegistry } from './dataflow-registry';
import { dataflowPatchSchema, dataflowSchema, type DataflowInput, type DataflowView } from './dataflow.dto';
import { DataflowEntity } from './dataflow.entity';

@Injectable()
export class DataflowsService {
  private readonly logger = new Logger(DataflowsService.name);

  constructor(
    @InjectRepository(DataflowEntity) private readonly dataflows: Repository<DataflowEntity>,
    private readonly connections: ConnectionsService,
    private readonly policies: PoliciesService,
    private readonly schemaLabels: SchemaLabelsService,
    private readonly registry: DataflowRegistry,
    @Inject(DESTINATION_KIT_OPTIONS) private readonly options: DestinationKitOptions,
  ) {}

  async create(body: unknown): Promise<DataflowView> {
    const input = parseBody(dataflowSchema, body);
    await this.connections.find(input.connectionId);
    await this.check(input);
    const entity = this.dataflows.create({ id: randomUUID(), ...input });
    await this.dataflows.insert(entity);
    this.logger.log(`dataflow ${entity.id} (${entity.name}) created for connection ${entity.connectionId}`);
    await this.registry.reload();
    return this.view(await this.find(entity.id));
  }

  async update(id: string, body: unknown): Promise<DataflowView> {
    const patch = parseBody(dataflowPatchSchema, body);
    const entity = await this.find(id);
    const next: DataflowInput = { ...this.input(entity), ...patch };
    await this.check(next);
    Object.assign(entity, next);
    await this.dataflows.save(entity);
    this.logger.log(`dataflow ${id} updated`);
    await this.registry.reload();
    return this.view(await this.find(id));
  }

  async remove(id: string): Promise<void> {
    await this.find(id);
    await this.dataflows.delete({ id });
    await this.registry.reload();
  }

  async list(): Promise<DataflowView[]> {
    const rows = await this.dataflows
      .createQueryBuilder('d')
      .innerJoin('connections', 'c', 'c.id = d.connection_id')
      .where('c.type = :type', { type: this.options.type })
      .orderBy('d.created_at', 'ASC')
      .getMany();
    return rows.map((r) => this.view(r));
  }

  async get(id: string): Promise<DataflowView> {
    return this.view(await this.find(id));
  }

  async find(id: string): Promise<DataflowEntity> {
    const row = /^[0-9a-f-]{36}$/i.test(id) ? await this.dataflows.findOneBy({ id }) : null;
    if (!row) throw new NotFoundError('dataflow', id);
    await this.connections.find(row.connectionId).catch(() => {
      throw new NotFoundError('dataflow', id);
    });
    return row;
  }

  /** Mapping, schedule and governance rules; a dataflow that breaks an enabled policy is refused with each violation. */
  private async check(input: DataflowInput): Promise<void> {
    const problems: ErrorDetail[] = mappingProblems(input.mapping).map((p) => ({ ...p, code: 'invalid_mapping' }));
    const modes = this.options.scheduleModes ?? ['streaming'];
    if (!modes.includes(input.schedule.mode)) {
      problems.push({ path: 'schedule.mode', code: 'invalid_value', message: `this connector supports ${modes.join(', ')} schedules` });
    }
    if (problems.length) throw invalidRequest(problems);

    const { labels } = await this.schemaLabels.current();
    const fields: LabelledField[] = input.mapping.map((m) => ({
      field: m.source,
      labels: [...new Set([...(m.labels ?? []), ...labelsForPath(labels, m.source)])],
    }));
    const violations = evaluatePolicies(await this.policies.rules(), fields, input.marketingActions);
    if (violations.length) throw policyViolation(violations, input);
  }

  private input(entity: DataflowEntity): DataflowInput {
    return {
      name: entity.name,
      connectionId: entity.connectionId,
      segmentIds: entity.segmentIds,
      mapping: entity.mapping,
      identityNamespaces: entity.identityNamespaces,
      schedule: entity.schedule,
      marketingActions: entity.marketingActions,
      consentChannel: entity.consentChannel,
      sendAttributeChanges: entity.sendAttributeChanges,
      enabled: entity.enabled,
    };
  }

  private view(entity: DataflowEntity): DataflowView {
    return {
      id: entity.id,
      ...this.input(entity),
      createdAt: entity.createdAt.toISOString(),
      updatedAt: entity.updatedAt.toISOString(),
    };
  }
}

function policyViolation(violations: Violation[], input: DataflowInput): DomainError {
  const details = violations.map((v) => {
    const index = input.mapping.findIndex((m) => m.source === v.field);
    const detail: ErrorDetail & Violation = {
      path: `mapping.${index}.source`,
      code: 'policy_violation',
      message: `${v.field} is labelled ${v.label}; policy ${v.policy} forbids ${v.action}`,
      ...v,
    };
    return detail;
  });
  return new DomainError(
    'policy_violation',
    `the dataflow breaks data-usage policies: ${details.map((d) => d.message).join('; ')}`,
    422,
    details,
  );
}
