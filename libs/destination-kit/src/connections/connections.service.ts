import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { CONFIG, DomainError, NotFoundError, type ErrorDetail } from '@weft/platform';
import { randomUUID } from 'node:crypto';
import type { Repository } from 'typeorm';
import type { DestinationKitConfig } from '../config';
import { SecretBox, developmentSecretsKey, parseSecretsKey } from '../crypto/secret-box';
import { DataflowEntity } from '../dataflows/dataflow.entity';
import { DESTINATION_KIT_OPTIONS, type DestinationKitOptions, type ResolvedConnection } from '../destination-kit.options';
import { invalidRequest, parseBody } from '../http/validation';
import { ConnectionEntity } from './connection.entity';
import {
  connectionBaseSchema,
  connectionPatchSchema,
  deliverySchema,
  type ConnectionInput,
  type ConnectionView,
} from './connection.dto';

/** Every string inside a credentials object: what must never show up in responses, logs or stored errors. */
export function secretValues(credentials: unknown): string[] {
  if (typeof credentials === 'string') return credentials.length >= 4 ? [credentials] : [];
  if (Array.isArray(credentials)) return credentials.flatMap(secretValues);
  if (credentials && typeof credentials === 'object') return Object.values(credentials).flatMap(secretValues);
  return [];
}

/** Replaces every secret value inside `text` (and its base64 form, as in Basic auth headers). */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    for (const form of [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret)]) {
      if (form.length >= 4) out = out.split(form).join('[redacted]');
    }
  }
  return out;
}

@Injectable()
export class ConnectionsService {
  private readonly logger = new Logger(ConnectionsService.name);
  private readonly box: SecretBox;

  constructor(
    @InjectRepository(ConnectionEntity) private readonly connections: Repository<ConnectionEntity>,
    @InjectRepository(DataflowEntity) private readonly dataflows: Repository<DataflowEntity>,
    @Inject(DESTINATION_KIT_OPTIONS) private readonly options: DestinationKitOptions,
    @Inject(CONFIG) config: DestinationKitConfig,
  ) {
    if (config.WEFT_SECRETS_KEY) {
      this.box = new SecretBox(parseSecretsKey(config.WEFT_SECRETS_KEY));
    } else if (config.NODE_ENV === 'production') {
      throw new Error('WEFT_SECRETS_KEY: required when NODE_ENV=production (32 bytes as hex or base64)');
    } else {
      this.logger.warn('WEFT_SECRETS_KEY is not set: credentials are sealed with the development key');
      this.box = new SecretBox(developmentSecretsKey());
    }
  }

  async create(body: unknown): Promise<ConnectionView> {
    const input = parseBody(connectionBaseSchema, body);
    const entity = this.connections.create({ id: randomUUID() });
    this.apply(entity, input, true);
    await this.connections.save(entity);
    this.logger.log(`connection ${entity.id} (${entity.name}) created`);
    return this.view(await this.find(entity.id));
  }

  async update(id: string, body: unknown): Promise<ConnectionView> {
    const input = parseBody(connectionPatchSchema, body);
    const entity = await this.find(id);
    this.apply(entity, input, false);
    await this.connections.save(entity);
    this.logger.log(`connection ${id} updated`);
    return this.view(await this.find(id));
  }

  async remove(id: string): Promise<void> {
    await this.find(id);
    const used = await this.dataflows.count({ where: { connectionId: id } });
    if (used) throw new DomainError('conflict', `connection ${JSON.stringify(id)} is used by ${used} dataflow(s); delete them first`, 409);
    await this.connections.delete({ id });
    this.logger.log(`connection ${id} deleted`);
  }

  async list(): Promise<ConnectionView[]> {
    const rows = await this.connections.find({ where: { type: this.options.type }, order: { createdAt: 'ASC' } });
    return rows.map((r) => this.view(r));
  }

  async get(id: string): Promise<ConnectionView> {
    return this.view(await this.find(id));
  }

  async find(id: string): Promise<ConnectionEntity> {
    const row = /^[0-9a-f-]{36}$/i.test(id) ? await this.connections.findOneBy({ id, type: this.options.type }) : null;
    if (!row) throw new NotFoundError('connection', id);
    return row;
  }

  /** The connection with its credentials opened, for the delivery transport only. */
  resolve(entity: ConnectionEntity): ResolvedConnection {
    return {
      id: entity.id,
      type: entity.type,
      name: entity.name,
      endpoint: entity.endpoint,
      settings: entity.settings,
      delivery: entity.delivery,
      credentials: entity.credentialsSealed
        ? this.box.openJson<Record<string, unknown>>(entity.credentialsSealed, entity.id)
        : undefined,
    };
  }

  async all(): Promise<ConnectionEntity[]> {
    return this.connections.find({ where: { type: this.options.type } });
  }

  private apply(entity: ConnectionEntity, input: Partial<ConnectionInput>, creating: boolean): void {
    if (input.type !== undefined && input.type !== this.options.type) {
      throw invalidRequest([{ path: 'type', code: 'invalid_value', message: `this service manages connections of type ${this.options.type}` }]);
    }
    entity.type = this.options.type;
    if (input.name !== undefined) entity.name = input.name;
    if (input.endpoint !== undefined) entity.endpoint = input.endpoint;
    if (creating || input.settings !== undefined) {
      entity.settings = parseBody(this.options.settingsSchema, input.settings ?? entity.settings ?? {}, 'settings');
    }
    if (creating || input.delivery !== undefined) {
      entity.delivery = parseBody(deliverySchema, input.delivery ?? {}, 'delivery');
    }
    let credentials: Record<string, unknown> | undefined;
    if (input.credentials !== undefined && input.credentials !== null) {
      credentials = parseBody(this.options.credentialsSchema, input.credentials, 'credentials');
      entity.credentialsSealed = this.box.sealJson(credentials, entity.id);
    } else if (input.credentials === null) {
      entity.credentialsSealed = null;
    } else if (creating) {
      entity.credentialsSealed = null;
    } else if (entity.credentialsSealed) {
      credentials = this.box.openJson(entity.credentialsSealed, entity.id);
    }
    const problems: ErrorDetail[] = (this.options.checkConnection?.(entity.settings, credentials) ?? []).map((p) => ({
      ...p,
      code: 'invalid_connection',
    }));
    if (problems.length) throw invalidRequest(problems);
  }

  private view(entity: ConnectionEntity): ConnectionView {
    return {
      id: entity.id,
      type: entity.type,
      name: entity.name,
      endpoint: entity.endpoint,
      settings: entity.settings,
      delivery: entity.delivery,
      credentialsSet: entity.credentialsSealed !== null,
      createdAt: entity.createdAt.toISOString(),
      updatedAt: entity.updatedAt.toISOString(),
    };
  }
}
