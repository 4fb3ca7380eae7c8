import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createService } from '@weft/platform';
import { createTestSchema, type TestSchema } from '@weft/testing';
import { registryServiceOptions } from '../src/app.module';

export interface RegistryResponse<T = any> {
  status: number;
  contentType: string | null;
  body: T;
}

/** The registry app booted in-process on a random port, in a fresh database schema. */
export class RunningRegistry {
  private constructor(
    readonly url: string,
    private readonly app: NestFastifyApplication,
    private readonly schema: TestSchema,
  ) {}

  static async start(): Promise<RunningRegistry> {
    const schema = await createTestSchema('registry');
    process.env['DATABASE_SCHEMA'] = schema.name;
    process.env['WEFT_API_KEYS'] = 'test-key';
    process.env['PORT'] = '0';
    process.env['LOG_LEVEL'] = 'warn';
    const app = await createService(registryServiceOptions);
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    return new RunningRegistry(`http://127.0.0.1:${port}`, app, schema);
  }

  async stop(): Promise<void> {
    await this.app.close();
    await this.schema.drop();
  }

  async request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/vnd.schemaregistry.v1+json',
  ): Promise<RegistryResponse<T>> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': contentType },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, contentType: res.headers.get('content-type'), body: text ? (JSON.parse(text) as T) : (undefined as T) };
  }

  get = <T = any>(path: string) => this.request<T>('GET', path);
  post = <T = any>(path: string, body: unknown, contentType?: string) => this.request<T>('POST', path, body, contentType);
  put = <T = any>(path: string, body: unknown) => this.request<T>('PUT', path, body);
  delete = <T = any>(path: string) => this.request<T>('DELETE', path);

  /** Registers `schema` (an object, sent as its JSON text) under `subject`. */
  register(subject: string, schema: object | string) {
    return this.post<{ id: number; error_code?: number; message?: string }>(`/subjects/${encodeURIComponent(subject)}/versions`, {
      schema: typeof schema === 'string' ? schema : JSON.stringify(schema),
    });
  }
}
