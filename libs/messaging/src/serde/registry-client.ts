export const SCHEMA_REGISTRY_CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export class SchemaRegistryError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'SchemaRegistryError';
  }
}

export interface RegisteredSchema {
  id: number;
  subject: string;
  version: number;
  schema: string;
}

/**
 * Client for the Confluent Schema Registry REST API (Weft's own apps/schema-registry or any compatible one).
 * Ids never change meaning, so schemas by id and ids by (subject, schema) are cached for the life of the process.
 */
export class SchemaRegistryClient {
  private readonly schemasById = new Map<number, Promise<string>>();
  private readonly idsBySubjectSchema = new Map<string, Promise<number>>();

  constructor(private readonly baseUrl: string) {}

  /** Registers `schema` under `subject` (a no-op returning the same id when it is already there). */
  register(subject: string, schema: object | string): Promise<number> {
    const text = typeof schema === 'string' ? schema : JSON.stringify(schema);
    const cacheKey = `${subject}\u0000${text}`;
    let id = this.idsBySubjectSchema.get(cacheKey);
    if (!id) {
      id = this.request<{ id: number }>('POST', `/subjects/${encodeURIComponent(subject)}/versions`, { schema: text }).then((r) => r.id);
      id.catch(() => this.idsBySubjectSchema.delete(cacheKey));
      this.idsBySubjectSchema.set(cacheKey, id);
    }
    return id;
  }

  getSchemaById(id: number): Promise<string> {
    let schema = this.schemasById.get(id);
    if (!schema) {
      schema = this.request<{ schema: string }>('GET', `/schemas/ids/${id}`).then((r) => r.schema);
      schema.catch(() => this.schemasById.delete(id));
      this.schemasById.set(id, schema);
    }
    return schema;
  }

  getLatest(subject: string): Promise<RegisteredSchema> {
    return this.request('GET', `/subjects/${encodeURIComponent(subject)}/versions/latest`);
  }

  private async request<R>(method: string, path: string, body?: unknown): Promise<R> {
    const res = await fetch(`${this.baseUrl.replace(/\/$/, '')}${path}`, {
      method,
      headers: { accept: SCHEMA_REGISTRY_CONTENT_TYPE, ...(body ? { 'content-type': SCHEMA_REGISTRY_CONTENT_TYPE } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (!res.ok) {
      throw new SchemaRegistryError(
        res.status,
        typeof json['error_code'] === 'number' ? json['error_code'] : undefined,
        `schema registry ${method} ${path} answered ${res.status}: ${String(json['message'] ?? text)}`,
      );
    }
    return json as R;
  }
}
