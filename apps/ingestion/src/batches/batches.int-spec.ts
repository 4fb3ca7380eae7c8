import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectEventually, uniqueIdentifier } from '@weft/testing';
import { topics, type IngestEnvelope } from '@weft/xdm';
import { EVENT_GROUPS, PROFILE_GROUPS } from '../../test/factories';
import { EVENTS_CSV_MAPPING, writeEventsCsv } from '../../test/generate-csv';
import { CUSTOMERS_PARQUET_MAPPING, writeCustomersParquet } from '../../test/generate-parquet';
import { startIngestion, TopicTail, type Harness } from '../../test/harness';
import { BatchesController } from './batches.controller';


describe(BatchesController.name, () => {
  let h: Harness;
  let accepted: TopicTail<IngestEnvelope>;
  const run = uniqueIdentifier('batch');
  const events = `batch-events-${run}`;
  const profiles = `batch-profiles-${run}`;
  const dir = join('tmp', 'ingestion-test', run);

  const upload = (id: string, name: string, file: string) => h.api('PUT', `/v1/batches/${id}/files/${name}`, readFileSync(file), { 'content-type': 'text/csv' });
  const finished = (id: string) =>
    expectEventually(
      async () => {
        const batch = await h.api('GET', `/v1/batches/${id}`);
        expect(['completed', 'failed']).toContain(batch.body.status);
        return batch.body;
      },
      { timeoutMs: 120_000, intervalMs: 200 },
    );

  beforeAll(async () => {
    mkdirSync(dir, { recursive: true });
    h = await startIngestion({ BATCH_CHUNK_ROWS: '1000', BATCH_POLL_MS: '100' });
    accepted = await new TopicTail<IngestEnvelope>(topics.ingestAccepted.name).start();
    await h.api('POST', '/v1/schemas', { id: `bweb-${run}`, title: 'Batch web', class: 'experienceevent', fieldGroups: EVENT_GROUPS });
    await h.api('POST', '/v1/schemas', { id: `bcrm-${run}`, title: 'Batch CRM', class: 'profile', fieldGroups: PROFILE_GROUPS });
    await h.api('POST', '/v1/datasets', { id: events, name: 'batch web', schemaId: `bweb-${run}` });
    await h.api('POST', '/v1/datasets', { id: profiles, name: 'batch crm', schemaId: `bcrm-${run}` });
  }, 60_000);

  afterAll(async () => {
    await accepted?.stop();
    await h?.close();
  });

  it('ingests a 20,000-row CSV through a mapping with exact counts and per-row failures', async () => {
    const file = join(dir, 'events.csv');
    await writeEventsCsv(file, 20_000, (i) => i % 100 === 0);
    const batch = await h.api('POST', '/v1/batches', { datasetId: events, format: 'csv', mapping: EVENTS_CSV_MAPPING });
    expect(batch.status).toBe(201);
    expect((await upload(batch.body.id, 'events.csv', file)).body.files).toEqual([{ name: 'events.csv', bytes: expect.any(Number) }]);
    expect((await h.api('POST', `/v1/batches/${batch.body.id}/complete`)).status).toBe(202);

    const done = await finished(batch.body.id);
    expect(done).toMatchObject({ status: 'completed', counts: { read: 20_000, ingested: 19_800, failed: 200 }, error: null });
    const failures = await h.api('GET', `/v1/batches/${batch.body.id}/failures?limit=2`);
    expect(failures.body.failures).toEqual([
      { file: 'events.csv', row: 100, path: 'web.webPageDetails.pageViews.value', code: 'MAPPING_FAILED', message: 'web.webPageDetails.pageViews.value: "many" is not a number' },
      { file: 'events.csv', row: 200, path: 'web.webPageDetails.pageViews.value', code: 'MAPPING_FAILED', message: 'web.webPageDetails.pageViews.value: "many" is not a number' },
    ]);
    const next = await h.api('GET', `/v1/batches/${batch.body.id}/failures?limit=2&after=${failures.body.next}`);
    expect(next.body.failures.map((f: { row: number }) => f.row)).toEqual([300, 400]);

    await expectEventually(() => expect(new Set(accepted.values((e) => e.batchId === batch.body.id).map((e) => e.id)).size).toBe(19_800), { timeoutMs: 60_000 });
    const [first] = accepted.values((e) => e.id === `${batch.body.id}:events.csv:1`);
    expect(first).toMatchObject({ source: 'batch', kind: 'event', primaryIdentity: { namespace: 'ECID' } });
    expect(JSON.parse(first.payload)).toMatchObject({ identityMap: { Email: [{ id: 'user1@example.com' }] }, web: { webPageDetails: { pageViews: { value: 1 } } } });
    const errors = await h.api('GET', `/v1/datasets/${events}/errors?code=MAPPING_FAILED&limit=1000`);
    expect(errors.body.errors).toHaveLength(200);
  }, 180_000);

  it('ingests a Parquet file written by ParquetWriter through a mapping (numbers, strings, a timestamp)', async () => {
    const file = join(dir, 'customers.parquet');
    await writeCustomersParquet(file, [
      { customer_id: `pq1-${run}`, email: ' Ann@Example.com', points: 10, redeemed: 2.5, signed_up: new Date('2026-01-02T03:04:05Z'), first_name: 'Ann' },
      { customer_id: `pq2-${run}`, email: 'bob@example.com', points: 0, redeemed: 0.25, signed_up: new Date('2026-02-03T04:05:06.789Z') },
      { customer_id: `pq3-${run}`, email: 'anonymous', points: 3, redeemed: 1, signed_up: new Date('2026-03-04T05:06:07Z'), first_name: 'Nobody' },
    ]);
    const batch = await h.api('POST', '/v1/batches', { datasetId: profiles, format: 'parquet', mapping: CUSTOMERS_PARQUET_MAPPING, failureThreshold: 0.5 });
    expect(batch.status).toBe(201);
    const uploaded = await h.api('PUT', `/v1/batches/${batch.body.id}/files/customers.parquet`, readFileSync(file), { 'content-type': 'application/octet-stream' });
    expect(uploaded.body.files).toEqual([{ name: 'customers.parquet', bytes: readFileSync(file).length }]);
    expect((await h.api('POST', `/v1/batches/${batch.body.id}/complete`)).status).toBe(202);

    const done = await finished(batch.body.id);
    expect(done).toMatchObject({ status: 'completed', counts: { read: 3, ingested: 2, failed: 1 }, error: null });
    const failures = await h.api('GET', `/v1/batches/${batch.body.id}/failures`);
    expect(failures.body.failures.map((f: { row: number; code: string; path: string }) => [f.row, f.code, f.path])).toEqual([
      [3, 'IDENTITY_BLOCKED_VALUE', 'identityMap.Email[0].id'],
    ]);
    const envelopes = await expectEventually(() => {
      const found = accepted.values((e) => e.batchId === batch.body.id).sort((a, b) => a.id.localeCompare(b.id));
      expect(found.map((e) => e.id)).toEqual([`pq1-${run}`, `pq2-${run}`]);
      return found;
    });
    expect(envelopes[0]).toMatchObject({ datasetId: profiles, kind: 'record', source: 'batch', primaryIdentity: { namespace: 'Email', id: 'ann@example.com' } });
    expect(JSON.parse(envelopes[0].payload)).toEqual({
      _id: `pq1-${run}`,
      identityMap: { Email: [{ id: 'ann@example.com' }] },
      personalEmail: { address: 'ann@example.com' },
      loyalty: { points: 10, pointsRedeemed: 2.5 },
      _repo: { createDate: '2026-01-02T03:04:05.000Z' },
      person: { name: { firstName: 'Ann' } },
    });
    expect(JSON.parse(envelopes[1].payload)).toEqual({
      _id: `pq2-${run}`,
      identityMap: { Email: [{ id: 'bob@example.com' }] },
      personalEmail: { address: 'bob@example.com' },
      loyalty: { points: 0, pointsRedeemed: 0.25 },
      _repo: { createDate: '2026-02-03T04:05:06.789Z' },
    });
  }, 60_000);

  it('ingests a JSON array file item by item, recording items that are not objects and a truncated tail', async () => {
    const items = [`{"_id":"j1-${run}","person":{"name":{"firstName":"A"}}}`, '42', `{"_id":"j3-${run}","loyalty":{"points":"x"}}`, `{"_id":"j4-${run}"}`];
    const batch = await h.api('POST', '/v1/batches', { datasetId: profiles, format: 'json', failureThreshold: 1 });
    await h.api('PUT', `/v1/batches/${batch.body.id}/files/rows.json`, `[${items.join(',\n')}, {"_id": "j5`, { 'content-type': 'application/json' });
    await h.api('POST', `/v1/batches/${batch.body.id}/complete`);
    const done = await finished(batch.body.id);
    expect(done).toMatchObject({ status: 'completed', counts: { read: 5, ingested: 2, failed: 3 } });
    const failures = await h.api('GET', `/v1/batches/${batch.body.id}/failures`);
    expect(failures.body.failures.map((f: { row: number; code: string }) => [f.row, f.code])).toEqual([
      [2, 'NOT_AN_OBJECT'],
      [3, 'TYPE_MISMATCH'],
      [5, 'INVALID_JSON'],
    ]);
    await expectEventually(() => expect(accepted.values((e) => e.batchId === batch.body.id).map((e) => e.id).sort()).toEqual([`j1-${run}`, `j4-${run}`]));
  }, 60_000);

  it('marks a batch with too many bad rows failed, keeping its good rows, and reports ragged CSV rows', async () => {
    const file = join(dir, 'ragged.csv');
    writeFileSync(file, '_id,person.name.firstName,loyalty.points\np1,Ann,10\np2,Bob\np3,Cy,3,extra\np4,Di,4.5\n');
    const batch = await h.api('POST', '/v1/batches', { datasetId: profiles, format: 'csv', failureThreshold: 0.25 });
    await upload(batch.body.id, 'ragged.csv', file);
    await h.api('POST', `/v1/batches/${batch.body.id}/complete`);

    const done = await finished(batch.body.id);
    expect(done).toMatchObject({ status: 'failed', counts: { read: 4, ingested: 2, failed: 2 } });
    expect(done.error).toContain('the 2 good rows were ingested');
    const failures = await h.api('GET', `/v1/batches/${batch.body.id}/failures`);
    expect(failures.body.failures.map((f: { row: number; code: string }) => [f.row, f.code])).toEqual([
      [2, 'CSV_RAGGED_ROW'],
      [3, 'CSV_RAGGED_ROW'],
    ]);
    await expectEventually(() => expect(accepted.values((e) => e.batchId === batch.body.id).map((e) => e.id).sort()).toEqual(['p1', 'p4']));
    const p4 = accepted.values((e) => e.id === 'p4')[0];
    expect(JSON.parse(p4.payload)).toEqual({ _id: 'p4', person: { name: { firstName: 'Di' } }, loyalty: { points: 4.5 } });
  }, 60_000);

  it('ingests ndjson and records lines that are not JSON', async () => {
    const file = join(dir, 'rows.ndjson');
    writeFileSync(file, `{"_id":"n1","person":{"name":{"firstName":"A"}}}\n{"_id":"n2",\n{"_id":"n3","loyalty":{"points":"x"}}\n`);
    const batch = await h.api('POST', '/v1/batches', { datasetId: profiles, format: 'ndjson', failureThreshold: 1 });
    await h.api('PUT', `/v1/batches/${batch.body.id}/files/rows.ndjson`, readFileSync(file), { 'content-type': 'application/x-ndjson' });
    await h.api('POST', `/v1/batches/${batch.body.id}/complete`);
    const done = await finished(batch.body.id);
    expect(done).toMatchObject({ status: 'completed', counts: { read: 3, ingested: 1, failed: 2 } });
    const failures = await h.api('GET', `/v1/batches/${batch.body.id}/failures`);
    expect(failures.body.failures.map((f: { row: number; code: string }) => [f.row, f.code])).toEqual([
      [2, 'INVALID_JSON'],
      [3, 'TYPE_MISMATCH'],
    ]);
  }, 60_000);

  it('refuses a batch for an unknown dataset and completion without files', async () => {
    expect((await h.api('POST', '/v1/batches', { datasetId: `nope-${run}`, format: 'csv' })).body.error.code).toBe('UNKNOWN_DATASET');
    const batch = await h.api('POST', '/v1/batches', { datasetId: events, format: 'csv' });
    expect((await h.api('POST', `/v1/batches/${batch.body.id}/complete`)).body.error.code).toBe('batch_empty');
  });
});
