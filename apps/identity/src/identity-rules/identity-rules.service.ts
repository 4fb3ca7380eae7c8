import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { GraphConfig } from '@weft/identity-graph';
import { CONFIG, DomainError } from '@weft/platform';
import type { DataSource } from 'typeorm';
import type { z } from 'zod';
import type { IdentityConfig } from '../config';
import { NamespaceEntity } from '../namespaces/namespace.entity';
import { effectiveGraphConfig, RulesError, type IdentityRules } from './effective-config';
import type { identityRulesSchema, IdentityRulesResponse } from './identity-rules.dto';
import { IdentityRulesEntity } from './identity-rules.entity';

interface Loaded {
  version: string;
  rules: IdentityRulesEntity;
  config: GraphConfig;
}

/**
 * The linking rules and the graph configuration built from them and the namespaces. The configuration is cached;
 * every IDENTITY_RULES_REFRESH_MS an instance checks the rules version so changes made on another instance apply.
 */
@Injectable()
export class IdentityRulesService {
  private loaded: Promise<Loaded> | null = null;
  private checkedAt = 0;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(CONFIG) private readonly config: IdentityConfig,
  ) {}

  /** The graph configuration to resolve records with. */
  async graphConfig(): Promise<GraphConfig> {
    if (this.loaded && Date.now() - this.checkedAt >= this.config.IDENTITY_RULES_REFRESH_MS) {
      this.checkedAt = Date.now();
      const [{ version }] = (await this.dataSource.query(`SELECT "version" FROM ${this.table('identity_rules')} WHERE "id" = 1`)) as {
        version: string;
      }[];
      if (version !== (await this.loaded).version) this.loaded = null;
    }
    if (!this.loaded) {
      this.checkedAt = Date.now();
      this.loaded = this.load();
      this.loaded.catch(() => (this.loaded = null));
    }
    return (await this.loaded).config;
  }

  async get(): Promise<IdentityRulesResponse> {
    this.loaded = null;
    const { rules, config } = await (this.loaded = this.load());
    return toResponse(rules, config);
  }

  async put(rules: z.infer<typeof identityRulesSchema>): Promise<IdentityRulesResponse> {
    const saved = await this.dataSource.transaction(async (manager) => {
      // Serializes with namespace creation, which also bumps the version.
      const current = await manager.getRepository(IdentityRulesEntity).findOne({ where: { id: 1 }, lock: { mode: 'pessimistic_write' } });
      const namespaces = await manager.getRepository(NamespaceEntity).find();
      build(namespaces, rules);
      await manager.getRepository(IdentityRulesEntity).update(
        { id: 1 },
        { priority: rules.priority, unique: rules.unique, version: String(BigInt(current!.version) + 1n) },
      );
      return manager.getRepository(IdentityRulesEntity).findOneByOrFail({ id: 1 });
    });
    this.loaded = null;
    const loaded = await (this.loaded = this.load());
    return toResponse(saved, loaded.config);
  }

  private async load(): Promise<Loaded> {
    const rules = await this.dataSource.getRepository(IdentityRulesEntity).findOneByOrFail({ id: 1 });
    const namespaces = await this.dataSource.getRepository(NamespaceEntity).find({ order: { createdAt: 'ASC', code: 'ASC' } });
    return { version: rules.version, rules, config: build(namespaces, rules) };
  }

  private table(name: string): string {
    const schema = (this.dataSource.options as { schema?: string }).schema ?? 'public';
    return `"${schema.replace(/"/g, '""')}"."${name}"`;
  }
}

function build(namespaces: NamespaceEntity[], rules: IdentityRules): GraphConfig {
  try {
    return effectiveGraphConfig(namespaces, rules);
  } catch (err) {
    if (err instanceof RulesError) {
      throw new DomainError('invalid_rules', `invalid identity rules: ${err.message}`, HttpStatus.BAD_REQUEST, err.details);
    }
    throw err;
  }
}

function toResponse(rules: IdentityRulesEntity, config: GraphConfig): IdentityRulesResponse {
  return {
    priority: rules.priority,
    unique: rules.unique,
    version: Number(rules.version),
    updatedAt: rules.updatedAt.toISOString(),
    effective: config.namespaces.map((ns) => ({ code: ns.code, type: ns.type, priority: ns.priority, unique: ns.unique })),
  };
}
