import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Type, type Schema } from 'avsc';
import type { DataSource, EntityManager } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { parseAvroSchema, type ParsedAvroSchema } from '../avro/avro-schema';
import {
  DEFAULT_COMPATIBILITY,
  compatibilityProblems,
  isCompatibilityLevel,
  type CompatibilityLevel,
  type VersionedType,
} from '../avro/compatibility';
import { CompatibilityConfigEntity, GLOBAL_CONFIG_SUBJECT } from './compatibility-config.entity';
import type {
  CompatibilityResponse,
  ConfigResponse,
  SchemaByIdResponse,
  SchemaRequest,
  SubjectVersionResponse,
  VersionRef,
} from './registry.dto';
import { RegistryErrors } from './registry-errors';
import { SchemaEntity } from './schema.entity';
import { SubjectVersionEntity } from './subject-version.entity';

const AVRO = 'AVRO';

/** Subjects, versions, schema ids and compatibility levels, with Confluent Schema Registry's semantics. */
@Injectable()
export class RegistryService {
  /** Parsed types by schema id; an id's schema never changes, so entries never go stale. */
  private readonly types = new Map<number, Type>();
  private readonly lockNamespace: string;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.lockNamespace = `schema-registry:${(dataSource.options as PostgresConnectionOptions).schema ?? 'public'}`;
  }

  /**
   * Registers `request.schema` under `subject`, or returns the id it already has there.
   *
   * Concurrency: the whole registration holds a transaction-scoped advisory lock on the subject, so two requests
   * for one subject run one after the other — the second sees the first's version, returns its id, and version
   * numbers never collide (the (subject, version) primary key backs this up). Across subjects, the same schema is
   * inserted with ON CONFLICT on its unique fingerprint, which waits for a concurrent insert of the same
   * fingerprint to commit and then reuses its row: one schema, one global id.
   */
  async register(subject: string, request: SchemaRequest | undefined): Promise<{ id: number }> {
    const parsed = this.parseRequest(request);
    return this.dataSource.transaction(async (em) => {
      await this.lockSubject(em, subject);
      const live = await this.liveVersions(em, subject);
      const existing = live.find((v) => v.schema.fingerprint === parsed.fingerprint);
      if (existing) return { id: existing.schemaId };

      const level = await this.effectiveLevel(em, subject);
      const problems = compatibilityProblems(level, parsed.type, live.map((v) => this.versionedType(v)));
      if (problems.length) throw RegistryErrors.incompatible(subject, problems);

      await em
        .createQueryBuilder()
        .insert()
        .into(SchemaEntity)
        .values({ fingerprint: parsed.fingerprint, schema: parsed.text, schemaType: AVRO })
        .orIgnore()
        .execute();
      const schema = await em.findOneByOrFail(SchemaEntity, { fingerprint: parsed.fingerprint });
      const latest = (await em.maximum(SubjectVersionEntity, 'version', { subject })) ?? 0;
      await em.insert(SubjectVersionEntity, { subject, version: latest + 1, schemaId: schema.id, deleted: false });
      return { id: schema.id };
    });
  }

  /** The live version of `subject` that holds `request.schema`. */
  async lookup(subject: string, request: SchemaRequest | undefined, includeDeleted: boolean): Promise<SubjectVersionResponse> {
    const parsed = this.parseRequest(request);
    const versions = await this.dataSource.getRepository(SubjectVersionEntity).find({
      where: { subject, ...(includeDeleted ? {} : { deleted: false }) },
      order: { version: 'DESC' },
    });
    if (!versions.length) throw RegistryErrors.subjectNotFound(subject);
    const match = versions.find((v) => v.schema.fingerprint === parsed.fingerprint);
    if (!match) throw RegistryErrors.schemaNotFound();
    return toResponse(match);
  }

  async schemaById(id: number): Promise<SchemaByIdResponse> {
    const schema = await this.dataSource.getRepository(SchemaEntity).findOneBy({ id });
    if (!schema) throw RegistryErrors.schemaNotFound();
    return { schema: schema.schema, ...(schema.schemaType === AVRO ? {} : { schemaType: schema.schemaType }) };
  }

  async subjectVersionsOfSchema(id: number, includeDeleted: boolean): Promise<{ subject: string; version: number }[]> {
    if (!(await this.dataSource.getRepository(SchemaEntity).existsBy({ id }))) throw RegistryErrors.schemaNotFound();
    const versions = await this.dataSource.getRepository(SubjectVersionEntity).find({
      where: { schemaId: id, ...(includeDeleted ? {} : { deleted: false }) },
      order: { subject: 'ASC', version: 'ASC' },
    });
    return versions.map(({ subject, version }) => ({ subject, version }));
  }

  async subjects(includeDeleted: boolean): Promise<string[]> {
    const rows = await this.dataSource
      .getRepository(SubjectVersionEntity)
      .createQueryBuilder('v')
      .select('DISTINCT v.subject', 'subject')
      .where(includeDeleted ? 'TRUE' : 'NOT v.deleted')
      .orderBy('subject')
      .getRawMany<{ subject: string }>();
    return rows.map((r) => r.subject);
  }

  async versions(subject: string, includeDeleted: boolean): Promise<number[]> {
    const versions = await this.dataSource.getRepository(SubjectVersionEntity).find({
      select: { subject: true, version: true },
      where: { subject, ...(includeDeleted ? {} : { deleted: false }) },
      order: { version: 'ASC' },
      loadEagerRelations: false,
    });
    if (!versions.length) throw RegistryErrors.subjectNotFound(subject);
    return versions.map((v) => v.version);
  }

  async version(subject: string, ref: VersionRef, includeDeleted: boolean): Promise<SubjectVersionResponse> {
    return toResponse(await this.findVersion(this.dataSource.manager, subject, ref, includeDeleted));
  }

  /**
   * Whether `request.schema` could be registered next to `ref` under the subject's level: against one version when
   * a number is given, against the subject's history (the latest, or all for transitive levels) for `latest`.
   */
  async checkCompatibility(
    subject: string,
    ref: VersionRef,
    request: SchemaRequest | undefined,
    verbose: boolean,
  ): Promise<CompatibilityResponse> {
    const parsed = this.parseRequest(request);
    const em = this.dataSource.manager;
    let previous: SubjectVersionEntity[];
    if (ref === 'latest') previous = await this.liveVersions(em, subject);
    else previous = [await this.findVersion(em, subject, ref, false)];
    const level = await this.effectiveLevel(em, subject);
    const problems = compatibilityProblems(level, parsed.type, previous.map((v) => this.versionedType(v)));
    return { is_compatible: problems.length === 0, ...(verbose ? { messages: problems } : {}) };
  }

  async globalConfig(): Promise<ConfigResponse> {
    return { compatibilityLevel: (await this.configuredLevel(this.dataSource.manager, GLOBAL_CONFIG_SUBJECT)) ?? DEFAULT_COMPATIBILITY };
  }

  async subjectConfig(subject: string, defaultToGlobal: boolean): Promise<ConfigResponse> {
    const level = await this.configuredLevel(this.dataSource.manager, subject);
    if (level) return { compatibilityLevel: level };
    if (defaultToGlobal) return this.globalConfig();
    throw RegistryErrors.subjectConfigNotFound(subject);
  }

  /** Sets the level of `subject`, or the global level when `subject` is undefined. */
  async setConfig(subject: string | undefined, compatibility: unknown): Promise<{ compatibility: CompatibilityLevel }> {
    const level = typeof compatibility === 'string' ? compatibility.toUpperCase() : compatibility;
    if (!isCompatibilityLevel(level)) throw RegistryErrors.invalidCompatibilityLevel(compatibility);
    await this.dataSource.getRepository(CompatibilityConfigEntity).upsert({ subject: subject ?? GLOBAL_CONFIG_SUBJECT, compatibility: level }, ['subject']);
    return { compatibility: level };
  }

  /** Removes the subject's own level (it falls back to the global one) and returns the level it had. */
  async deleteConfig(subject: string): Promise<ConfigResponse> {
    const repository = this.dataSource.getRepository(CompatibilityConfigEntity);
    const config = await repository.findOneBy({ subject });
    if (!config) throw RegistryErrors.subjectConfigNotFound(subject);
    await repository.delete({ subject });
    return { compatibilityLevel: config.compatibility };
  }

  /** Soft-deletes every live version; with `permanent`, removes a subject whose versions were all soft-deleted. */
  async deleteSubject(subject: string, permanent: boolean): Promise<number[]> {
    return this.dataSource.transaction(async (em) => {
      await this.lockSubject(em, subject);
      const versions = await em.find(SubjectVersionEntity, { where: { subject }, order: { version: 'ASC' }, loadEagerRelations: false });
      if (!versions.length) throw RegistryErrors.subjectNotFound(subject);
      const live = versions.filter((v) => !v.deleted);
      if (permanent) {
        if (live.length) throw RegistryErrors.subjectNotSoftDeleted(subject);
        await em.delete(SubjectVersionEntity, { subject });
        await em.delete(CompatibilityConfigEntity, { subject });
        return versions.map((v) => v.version);
      }
      if (!live.length) throw RegistryErrors.subjectSoftDeleted(subject);
      await em.update(SubjectVersionEntity, { subject, deleted: false }, { deleted: true });
      return live.map((v) => v.version);
    });
  }

  /** Soft-deletes one version; with `permanent`, removes a version that was soft-deleted before. */
  async deleteVersion(subject: string, ref: VersionRef, permanent: boolean): Promise<number> {
    return this.dataSource.transaction(async (em) => {
      await this.lockSubject(em, subject);
      const target = await this.findVersion(em, subject, ref, true);
      if (permanent) {
        if (!target.deleted) throw RegistryErrors.versionNotSoftDeleted(subject, target.version);
        await em.delete(SubjectVersionEntity, { subject, version: target.version });
      } else {
        if (target.deleted) throw RegistryErrors.versionSoftDeleted(subject, target.version);
        await em.update(SubjectVersionEntity, { subject, version: target.version }, { deleted: true });
      }
      return target.version;
    });
  }

  private parseRequest(request: SchemaRequest | undefined): ParsedAvroSchema {
    if (!request || typeof request.schema !== 'string' || !request.schema.trim()) {
      throw RegistryErrors.invalidSchema('Invalid schema: the request body must have a non-empty "schema" string');
    }
    const schemaType = request.schemaType ?? AVRO;
    if (schemaType !== AVRO) {
      throw RegistryErrors.invalidSchema(`Invalid schema: schemaType ${JSON.stringify(schemaType)} is not supported; this registry stores AVRO schemas only`);
    }
    if (request.references !== undefined && (!Array.isArray(request.references) || request.references.length)) {
      throw RegistryErrors.invalidSchema('Invalid schema: schema references are not supported');
    }
    return parseAvroSchema(request.schema);
  }

  /** Serialises writers to one subject until the transaction ends (see `register`). */
  private async lockSubject(em: EntityManager, subject: string): Promise<void> {
    await em.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`${this.lockNamespace}:${subject}`]);
  }

  private liveVersions(em: EntityManager, subject: string): Promise<SubjectVersionEntity[]> {
    return em.find(SubjectVersionEntity, { where: { subject, deleted: false }, order: { version: 'ASC' } });
  }

  /** A version of `subject` (`latest`: the highest live one); 40401 when the subject has none, 40402 when this one is missing. */
  private async findVersion(em: EntityManager, subject: string, ref: VersionRef, includeDeleted: boolean): Promise<SubjectVersionEntity> {
    const versions = await em.find(SubjectVersionEntity, {
      where: { subject, ...(includeDeleted ? {} : { deleted: false }) },
      order: { version: 'DESC' },
    });
    if (!versions.length) throw RegistryErrors.subjectNotFound(subject);
    const found = ref === 'latest' ? versions.find((v) => !v.deleted) : versions.find((v) => v.version === ref);
    if (!found) throw RegistryErrors.versionNotFound(subject, ref);
    return found;
  }

  private async configuredLevel(em: EntityManager, subject: string): Promise<CompatibilityLevel | undefined> {
    return (await em.findOneBy(CompatibilityConfigEntity, { subject }))?.compatibility;
  }

  private async effectiveLevel(em: EntityManager, subject: string): Promise<CompatibilityLevel> {
    return (
      (await this.configuredLevel(em, subject)) ?? (await this.configuredLevel(em, GLOBAL_CONFIG_SUBJECT)) ?? DEFAULT_COMPATIBILITY
    );
  }

  private versionedType(version: SubjectVersionEntity): VersionedType {
    let type = this.types.get(version.schemaId);
    if (!type) {
      type = Type.forSchema(JSON.parse(version.schema.schema) as Schema, { wrapUnions: 'auto' });
      this.types.set(version.schemaId, type);
    }
    return { version: version.version, type };
  }
}

function toResponse(version: SubjectVersionEntity): SubjectVersionResponse {
  return { subject: version.subject, id: version.schemaId, version: version.version, schema: version.schema.schema };
}
