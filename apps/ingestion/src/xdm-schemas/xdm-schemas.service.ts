import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import type { Repository } from 'typeorm';
import { MessagingClient, SchemaRegistryError } from '@weft/messaging';
import { CONFIG, DomainError, NotFoundError } from '@weft/platform';
import type { IngestionConfig } from '../config';
import { toAvroSchema } from './avro-schema';
import { nonAdditiveChanges } from './evolution';
import type { FieldSpec } from './field-spec';
import {
  compileSchema,
  SchemaDefinitionError,
  tenantField,
  type CompiledSchema,
  type SchemaDefinition,
  type SchemaProblem,
} from './schema-compiler';
import { standardFieldGroup, STANDARD_FIELD_GROUPS, type FieldGroup } from './standard-field-groups';
import type { CreateFieldGroupBody, CreateSchemaBody, PatchSchemaBody } from './xdm-schema.dto';
import { FieldGroupEntity, XdmSchemaEntity } from './xdm-schema.entity';

export interface LoadedSchema {
  entity: XdmSchemaEntity;
  compiled: CompiledSchema;
}

/** XDM schemas and field groups: composition, compilation (Ajv + Avro), additive-only evolution. */
@Injectable()
export class XdmSchemasService {
  private readonly compiled = new Map<string, { version: number; compiled: CompiledSchema }>();
  private customGroups = new Map<string, FieldGroup>();
  private customGroupsLoaded: Promise<void> | null = null;

  constructor(
    @InjectRepository(XdmSchemaEntity) private readonly schemas: Repository<XdmSchemaEntity>,
    @InjectRepository(FieldGroupEntity) private readonly groups: Repository<FieldGroupEntity>,
    @Inject(MessagingClient) private readonly messaging: MessagingClient,
    @Inject(CONFIG) private readonly config: IngestionConfig,
  ) {}

  async listFieldGroups(): Promise<FieldGroup[]> {
    await this.loadCustomGroups(true);
    return [...STANDARD_FIELD_GROUPS, ...this.customGroups.values()];
  }

  async createFieldGroup(body: CreateFieldGroupBody): Promise<FieldGroup> {
    const tenant = tenantField(this.config.WEFT_TENANT);
    const outside = Object.keys(body.properties).filter((k) => k !== tenant);
    if (outside.length) {
      throw new DomainError('invalid_field_group', `custom field groups define fields under ${tenant} only, not ${outside.join(', ')}`, 400);
    }
    if (standardFieldGroup(body.id) || (await this.groups.existsBy({ id: body.id }))) {
      throw new DomainError('conflict', `field group ${body.id} already exists`, HttpStatus.CONFLICT);
    }
    const group: FieldGroup = { ...body, custom: true };
    // Compiling a throwaway schema checks labels, identities and types of the group's fields.
    this.compile({ id: 'check', title: 'check', class: body.classes[0], fieldGroups: [], customFields: {}, strict: false, version: 1 }, [group]);
    await this.groups.insert({ id: body.id, title: body.title, description: body.description, classes: body.classes, properties: body.properties });
    this.customGroups.set(group.id, group);
    return group;
  }

  async create(body: CreateSchemaBody): Promise<LoadedSchema> {
    await this.loadCustomGroups(true);
    const definition: SchemaDefinition = { id: body.id ?? randomUUID(), version: 1, ...body, class: body.class };
    if (await this.schemas.existsBy({ id: definition.id })) {
      throw new DomainError('conflict', `schema ${definition.id} already exists`, HttpStatus.CONFLICT);
    }
    const compiled = this.compile(definition);
    const avroSubject = `weft.xdm.${definition.id}-value`;
    const avroSchemaId = await this.register(avroSubject, compiled);
    const entity = this.schemas.create({ ...toColumns(definition), avroSubject, avroSchemaId });
    await this.schemas.insert(entity);
    this.compiled.set(entity.id, { version: entity.version, compiled });
    return { entity, compiled };
  }

  async update(id: string, body: PatchSchemaBody): Promise<LoadedSchema> {
    const current = await this.get(id);
    const before = current.compiled.definition;
    const next: SchemaDefinition = {
      ...before,
      title: body.title ?? before.title,
      fieldGroups: [...new Set([...before.fieldGroups, ...body.fieldGroups])],
      customFields: mergeFields(before.customFields, body.customFields),
      strict: body.strict ?? before.strict,
      version: before.version + 1,
    };
    const compiled = this.compile(next);
    const problems = nonAdditiveChanges(current.compiled, compiled);
    if (problems.length) throw refused(problems);
    const avroSchemaId = await this.register(current.entity.avroSubject, compiled);
    const result = await this.schemas.update({ id, version: before.version }, { ...toColumns(next), avroSchemaId });
    if (!result.affected) throw new DomainError('conflict', `schema ${id} changed meanwhile; read it again and retry`, HttpStatus.CONFLICT);
    const entity = await this.schemas.findOneByOrFail({ id });
    this.compiled.set(id, { version: entity.version, compiled });
    return { entity, compiled };
  }

  list(): Promise<XdmSchemaEntity[]> {
    return this.schemas.find({ order: { createdAt: 'ASC' } });
  }

  async get(id: string): Promise<LoadedSchema> {
    const entity = await this.schemas.findOneBy({ id });
    if (!entity) throw new NotFoundError('schema', id);
    return { entity, compiled: await this.compiledOf(entity) };
  }

  /** The compiled form of a stored schema version, compiled once per process. */
  async compiledOf(entity: XdmSchemaEntity): Promise<CompiledSchema> {
    const cached = this.compiled.get(entity.id);
    if (cached && cached.version === entity.version) return cached.compiled;
    await this.loadCustomGroups(false);
    const compiled = this.compile(fromColumns(entity));
    this.compiled.set(entity.id, { version: entity.version, compiled });
    return compiled;
  }

  private compile(definition: SchemaDefinition, extraGroups: FieldGroup[] = []): CompiledSchema {
    const resolve = (id: string) => standardFieldGroup(id) ?? this.customGroups.get(id) ?? extraGroups.find((g) => g.id === id);
    try {
      return compileSchema(definition, resolve, this.config.WEFT_TENANT);
    } catch (err) {
      if (err instanceof SchemaDefinitionError) {
        throw new DomainError('invalid_schema', err.message, 400, err.problems.map((p) => ({ path: p.path, code: 'invalid_schema', message: p.message })));
      }
      throw err;
    }
  }

  private async register(subject: string, compiled: CompiledSchema): Promise<number> {
    try {
      return await this.messaging.registry.register(subject, toAvroSchema(compiled.definition, compiled.root));
    } catch (err) {
      if (err instanceof SchemaRegistryError && err.status === 409) {
        throw new DomainError('schema_incompatible', `the schema registry refused the Avro form: ${err.message}`, HttpStatus.CONFLICT);
      }
      throw new DomainError('registry_unavailable', `could not register the Avro form: ${String(err)}`, HttpStatus.BAD_GATEWAY);
    }
  }

  private loadCustomGroups(force: boolean): Promise<void> {
    if (!this.customGroupsLoaded || force) {
      this.customGroupsLoaded = this.groups.find().then((rows) => {
        this.customGroups = new Map(rows.map((r) => [r.id, { ...r, custom: true }]));
      });
      this.customGroupsLoaded.catch(() => (this.customGroupsLoaded = null));
    }
    return this.customGroupsLoaded;
  }
}

function refused(problems: SchemaProblem[]): DomainError {
  return new DomainError(
    'schema_change_not_additive',
    `schemas only grow by optional fields: ${problems.map((p) => p.message).join('; ')}`,
    HttpStatus.CONFLICT,
    problems.map((p) => ({ path: p.path, code: 'schema_change_not_additive', message: p.message })),
  );
}

function mergeFields(base: Record<string, FieldSpec>, added: Record<string, FieldSpec>): Record<string, FieldSpec> {
  const out = structuredClone(base);
  for (const [name, field] of Object.entries(added)) {
    const existing = out[name];
    if (existing?.type === 'object' && field.type === 'object' && existing.properties && field.properties) {
      existing.properties = mergeFields(existing.properties, field.properties);
    } else {
      out[name] = field;
    }
  }
  return out;
}

function toColumns(d: SchemaDefinition): Partial<XdmSchemaEntity> {
  return { id: d.id, title: d.title, class: d.class, fieldGroups: d.fieldGroups, customFields: d.customFields, strict: d.strict, version: d.version };
}

function fromColumns(e: XdmSchemaEntity): SchemaDefinition {
  return { id: e.id, title: e.title, class: e.class, fieldGroups: e.fieldGroups, customFields: e.customFields, strict: e.strict, version: e.version };
}
