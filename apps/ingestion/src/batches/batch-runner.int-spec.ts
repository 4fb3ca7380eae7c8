import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createTestSchema, expectEventually, integrationEnv, requireSchemaRegistry, uniqueIdentifier, type TestSchema } from '@weft/testing';
import { topics, type IngestEnvelope } from '@weft/xdm';
import { EVENT_GROUPS } from '../../test/factories';
import { EVENTS_CSV_MAPPING, writeEventsCsv } from '../../test/generate-csv';
import { TopicTail } from '../../test/harness';
import { startServiceProcess, type ServiceProcess } from '../../test/service-process';
import { BatchRunner } from './batch-runner';

const KEY = 'crash-test-key';
const ROWS = 20_000;

describe(BatchRunner.name, () => {
  let schema: TestSchema;
  let accepted: TopicTail<IngestEnvelope>;
  let service: ServiceProcess | undefined;
  const run = uniqueIdentifier('crash');
  const dir = resolve('tmp', 'ingestion-test', run);

  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const raw = Buffer.isBuffer(body);
    const res = await fetch(`${service!.url}${path}`, {
      method,
      headers: { 'x-api-key': KEY, ...(body !== undefined && !raw ? { 'content-type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : raw ? (body as Buffer) : JSON.stringify(body),
    });
    return (await res.json()) as any;
  };

  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    schema = await createTestSchema('crash');
  });

  afterAll(async () => {
    await service?.stop();
    await accepted?.stop();
    await schema?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('resumes a batch after the process is killed, losing and double-counting no row', async () => {
    const infra = integrationEnv();
    const env = {
      KAFKA_BROKERS: infra.kafkaBrokers.join(','),
      DATABASE_URL: infra.databaseUrl,
      SCHEMA_REGISTRY_URL: requireSchemaRegistry(),
      DATABASE_SCHEMA: schema.name,
      WEFT_API_KEYS: KEY,
      INBOUND_ENABLED: 'false',
      BATCH_DIR: join(dir, 'uploads'),
      BATCH_CHUNK_ROWS: '500',
      BATCH_POLL_MS: '100',
      BATCH_LEASE_MS: '2000',
    };
    service = await startServiceProcess(env);
    accepted = await new TopicTail<IngestEnvelope>(topics.ingestAccepted.name).start();
    await api('POST', '/v1/schemas', { id: 'web', title: 'web', class: 'experienceevent', fieldGroups: EVENT_GROUPS });
    await api('POST', '/v1/datasets', { id: 'web', name: 'web', schemaId: 'web' });
    const file = join(dir, 'events.csv');
    await writeEventsCsv(file, ROWS);
    const batch = await api('POST', '/v1/batches', { datasetId: 'web', format: 'csv', mapping: EVENTS_CSV_MAPPING });
    await api('PUT', `/v1/batches/${batch.id}/files/events.csv`, readFileSync(file), { 'content-type': 'text/csv' });
    await api('POST', `/v1/batches/${batch.id}/complete`);

    const atKill = await expectEventually(
      async () => {
        const state = await api('GET', `/v1/batches/${batch.id}`);
        expect(state.counts.read).toBeGreaterThanOrEqual(1_000);
        return state;
      },
      { timeoutMs: 60_000, intervalMs: 20 },
    );
    await service.kill();
    expect(atKill.counts.read).toBeLessThan(ROWS);

    service = await startServiceProcess(env);
    const done = await expectEventually(
      async () => {
        const state = await api('GET', `/v1/batches/${batch.id}`);
        expect(state.status).toBe('completed');
        return state;
      },
      { timeoutMs: 120_000, intervalMs: 200 },
    );
    expect(done.counts).toEqual({ read: ROWS, ingested: ROWS, failed: 0 });
    await expectEventually(() => expect(new Set(accepted.values((e) => e.batchId === batch.id).map((e) => e.id)).size).toBe(ROWS), { timeoutMs: 60_000 });
    const ids = new Set(accepted.values((e) => e.batchId === batch.id).map((e) => e.id));
    for (const row of [1, 500, 501, ROWS]) expect(ids.has(`${batch.id}:events.csv:${row}`)).toBe(true);
    // At most the chunks in flight at the kill are produced twice, with the same ids.
    expect(accepted.values((e) => e.batchId === batch.id).length - ROWS).toBeLessThanOrEqual(2 * 500);
  }, 240_000);
});
