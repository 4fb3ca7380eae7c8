import { randomUUID } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DomainError, NotFoundError } from '@weft/platform';
import { analyze, parse } from '@weft/pql';
import type { Repository } from 'typeorm';
import { AsyncMutex } from '../common/async-mutex';
import { SegmentCatalog, type SegmentDefinition } from '../evaluation/segment-catalog';
import { SegmentCycleError } from '../evaluation/segment-order';
import { withPqlErrors } from '../pql/pql-errors';
import type { CreateSegment, UpdateSegment } from './segment.dto';
import { SegmentEntity } from './segment.entity';

const toDefinition = (s: SegmentEntity): SegmentDefinition => ({
  id: s.id,
  name: s.name,
  expression: s.expression,
  mergePolicyId: s.mergePolicyId,
});

/**
 * Segment definitions and the catalog evaluators use. Every save validates the expression with the parser, refuses
 * references to unknown segments and cycles, and re-derives the evaluation method of every segment (a segment of
 * segments depends on what it references).
 */
@Injectable()
export class SegmentsService implements OnModuleInit {
  private current = new SegmentCatalog([]);
  private readonly writes = new AsyncMutex();

  constructor(@InjectRepository(SegmentEntity) private readonly segments: Repository<SegmentEntity>) {}

  async onModuleInit(): Promise<void> {
    await this.refresh();
  }

  /** The catalog as of the last save (or refresh). */
  catalog(): SegmentCatalog {
    return this.current;
  }

  /** Reloads the catalog from the database (other instances may have saved definitions). */
  async refresh(): Promise<SegmentCatalog> {
    this.current = new SegmentCatalog((await this.segments.find({ order: { createdAt: 'ASC', id: 'ASC' } })).map(toDefinition));
    return this.current;
  }

  async list(): Promise<{ entity: SegmentEntity; order: number }[]> {
    const entities = await this.segments.find();
    const order = new Map(this.current.ordered.map((d, i) => [d.id, i]));
    return entities
      .map((entity) => ({ entity, order: order.get(entity.id) ?? Number.MAX_SAFE_INTEGER }))
      .sort((a, b) => a.order - b.order);
  }

  async get(id: string): Promise<{ entity: SegmentEntity; order: number }> {
    const entity = await this.find(id);
    return { entity, order: this.orderOf(id) };
  }

  create(input: CreateSegment): Promise<{ entity: SegmentEntity; order: number }> {
    return this.writes.run(async () => {
      await this.refuseDuplicateName(input.name);
      const entity = this.segments.create({
        id: randomUUID(),
        name: input.name,
        description: input.description ?? null,
        expression: input.expression,
        mergePolicyId: input.mergePolicyId ?? null,
        evaluationMethod: 'batch',
        timeBound: false,
        dependsOn: [],
      });
      return this.save(entity);
    });
  }

  update(id: string, patch: UpdateSegment): Promise<{ entity: SegmentEntity; order: number }> {
    return this.writes.run(async () => {
      const entity = await this.find(id);
      if (patch.name !== undefined && patch.name !== entity.name) await this.refuseDuplicateName(patch.name);
      if (patch.name !== undefined) entity.name = patch.name;
      if (patch.description !== undefined) entity.description = patch.description;
      if (patch.expression !== undefined) entity.expression = patch.expression;
      if (patch.mergePolicyId !== undefined) entity.mergePolicyId = patch.mergePolicyId;
      return this.save(entity);
    });
  }

  remove(id: string): Promise<void> {
    return this.writes.run(async () => {
      const entity = await this.find(id);
      const users = this.current.ordered.filter((d) => this.current.traits.get(d.id)?.references.includes(id));
      if (users.length) {
        throw new DomainError(
          'segment_in_use',
          `segment ${id} is referenced by ${users.map((u) => `${u.id} (${u.name})`).join(', ')}; change those first`,
          409,
        );
      }
      await this.segments.remove(entity);
      await this.refresh();
    });
  }

  /** Validates `entity` against the others, stores it, and re-derives every segment's method and dependencies. */
  private async save(entity: SegmentEntity): Promise<{ entity: SegmentEntity; order: number }> {
    const ast = withPqlErrors(() => parse(entity.expression));
    const analysis = analyze(ast);
    if (analysis.dynamicSegmentReference) {
      throw new DomainError('dynamic_segment_reference', 'expression: inSegment(...) takes a segment id as a string literal', 400, [
        { path: 'expression', code: 'dynamic_segment_reference', message: 'inSegment argument must be a string literal' },
      ]);
    }
    const others = (await this.segments.find()).filter((s) => s.id !== entity.id);
    const known = new Set(others.map((s) => s.id));
    const unknown = analysis.segments.filter((ref) => !known.has(ref) && ref !== entity.id);
    if (unknown.length) {
      throw new DomainError('unknown_segment_reference', `expression: inSegment references unknown segment(s) ${unknown.join(', ')}`, 400, [
        { path: 'expression', code: 'unknown_segment_reference', message: `unknown segment(s): ${unknown.join(', ')}` },
      ]);
    }
    let catalog: SegmentCatalog;
    try {
      catalog = new SegmentCatalog([...others, entity].map(toDefinition));
    } catch (err) {
      if (err instanceof SegmentCycleError) {
        const loop = err.cycle.slice(0, -1);
        const start = Math.max(0, loop.indexOf(entity.id));
        const fromSaved = [...loop.slice(start), ...loop.slice(0, start), loop[start]!];
        throw new DomainError('segment_cycle', `expression: segments would reference each other in a cycle: ${fromSaved.join(' -> ')}`, 409);
      }
      throw err;
    }
    const saved = await this.segments.manager.transaction(async (tx) => {
      const result = await tx.save(this.withTraits(entity, catalog));
      for (const other of others) {
        const before = { method: other.evaluationMethod, timeBound: other.timeBound };
        this.withTraits(other, catalog);
        if (other.evaluationMethod !== before.method || other.timeBound !== before.timeBound) await tx.save(other);
      }
      return result;
    });
    await this.refresh();
    return { entity: saved, order: this.orderOf(saved.id) };
  }

  private withTraits(entity: SegmentEntity, catalog: SegmentCatalog): SegmentEntity {
    const traits = catalog.traits.get(entity.id)!;
    entity.evaluationMethod = traits.method;
    entity.timeBound = traits.timeBound;
    entity.dependsOn = [...traits.references];
    return entity;
  }

  private orderOf(id: string): number {
    return this.current.ordered.findIndex((d) => d.id === id);
  }

  private async find(id: string): Promise<SegmentEntity> {
    const entity = /^[0-9a-f-]{36}$/i.test(id) ? await this.segments.findOneBy({ id }) : null;
    if (!entity) throw new NotFoundError('segment', id);
    return entity;
  }

  private async refuseDuplicateName(name: string): Promise<void> {
    if (await this.segments.existsBy({ name })) {
      throw new DomainError('duplicate_name', `name: a segment named ${JSON.stringify(name)} already exists`, 409, [
        { path: 'name', code: 'duplicate', message: 'must be unique' },
      ]);
    }
  }
}
