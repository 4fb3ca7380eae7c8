import { HttpStatus, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { Repository } from 'typeorm';
import { DomainError, NotFoundError } from '@weft/platform';
import type { DatasetTarget } from '../ingest/document-validator';
import { XdmSchemasService } from '../xdm-schemas/xdm-schemas.service';
import type { CreateDatasetBody } from './dataset.dto';
import { DatasetEntity } from './dataset.entity';

/** How long a dataset's compiled target is trusted before it is read again (another instance may have patched its schema). */
const TARGET_TTL_MS = 10_000;

@Injectable()
export class DatasetsService {
  private readonly targets = new Map<string, { at: number; target: Promise<DatasetTarget | undefined> }>();

  constructor(
    @InjectRepository(DatasetEntity) private readonly datasets: Repository<DatasetEntity>,
    private readonly schemas: XdmSchemasService,
  ) {}

  async create(body: CreateDatasetBody): Promise<DatasetEntity> {
    const schema = await this.schemas.get(body.schemaId).catch((err: unknown) => {
      if (err instanceof NotFoundError) throw new DomainError('unknown_schema', `schema ${body.schemaId} does not exist`, 400, [{ path: 'schemaId', code: 'unknown_schema', message: `schema ${body.schemaId} does not exist` }]);
      throw err;
    });
    const id = body.id ?? randomUUID();
    if (await this.datasets.existsBy({ id })) throw new DomainError('conflict', `dataset ${id} already exists`, HttpStatus.CONFLICT);
    if (body.retentionDays !== null && schema.entity.class !== 'experienceevent') {
      throw new DomainError('invalid_request', 'retentionDays applies to experience event datasets only', 400, [{ path: 'retentionDays', code: 'invalid_request', message: 'only for event datasets' }]);
    }
    const entity = this.datasets.create({ ...body, id });
    await this.datasets.insert(entity);
    this.targets.delete(id);
    return this.datasets.findOneByOrFail({ id });
  }

  list(): Promise<DatasetEntity[]> {
    return this.datasets.find({ order: { createdAt: 'ASC' } });
  }

  async get(id: string): Promise<DatasetEntity> {
    const entity = await this.datasets.findOneBy({ id });
    if (!entity) throw new NotFoundError('dataset', id);
    return entity;
  }

  /** What validation needs about a dataset, cached (the hot path of every inlet); undefined when it does not exist. */
  target(id: string): Promise<DatasetTarget | undefined> {
    const cached = this.targets.get(id);
    if (cached && Date.now() - cached.at < TARGET_TTL_MS) return cached.target;
    const target = this.loadTarget(id);
    this.targets.set(id, { at: Date.now(), target });
    target.then(
      (t) => {
        if (!t) this.targets.delete(id);
      },
      () => this.targets.delete(id),
    );
    return target;
  }

  private async loadTarget(id: string): Promise<DatasetTarget | undefined> {
    const dataset = await this.datasets.findOneBy({ id });
    if (!dataset) return undefined;
    const { entity, compiled } = await this.schemas.get(dataset.schemaId);
    return {
      id: dataset.id,
      kind: entity.class === 'profile' ? 'record' : 'event',
      schema: compiled,
      payloadSchemaId: entity.avroSchemaId,
      validateEcid: dataset.validateEcid,
    };
  }
}
