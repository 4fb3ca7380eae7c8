// Ingestion benchmark: `npm run bench:ingest`.
// Runs the ingestion service as its own process (as in production) against the local broker, Postgres and Weft's
// schema registry, and measures:
//   1. the HTTP inlet with requests of 100 and 1,000 events from several concurrent clients;
//   2. the Kafka inlet: events an outside kafkajs+avsc producer wrote to weft.inbound.v1, drained by the service;
//   3. a 1,000,000-row CSV batch (generated here, never committed), with the service's peak RSS.
// Sizes can be lowered with BENCH_HTTP_EVENTS, BENCH_KAFKA_EVENTS, BENCH_CSV_ROWS (0 skips that part).
// BENCH_CPU_PROF=<dir> writes a CPU profile of each service process there (open in Chrome DevTools or speedscope).
import { createReadStream, mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { benchInfra, percentile } from '@weft/testing';
import { topics } from '@weft/xdm';
import { EVENT_GROUPS } from '../test/factories';
import { ExternalProducer } from '../test/external-producer';
import { EVENTS_CSV_MAPPING, ecidFor, writeEventsCsv } from '../test/generate-csv';
import { startServiceProcess, type ServiceProcess as Service } from '../test/service-process';

const root = resolve(__dirname, '../../..');
const KEY = 'bench-key';
const HTTP_EVENTS = Number(process.env['BENCH_HTTP_EVENTS'] ?? 200_000);
const KAFKA_EVENTS = Number(process.env['BENCH_KAFKA_EVENTS'] ?? 400_000);
const CSV_ROWS = Number(process.env['BENCH_CSV_ROWS'] ?? 1_000_000);
const CLIENTS = Number(process.env['BENCH_CLIENTS'] ?? 8);
const INBOUND_GROUP = `weft.ingestion.${topics.inbound.name}`;
const CPU_PROF = process.env['BENCH_CPU_PROF'];
const nodeArgs = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${resolve(CPU_PROF)}`, '--require', join(__dirname, 'exit-on-shutdown.js')] : [];

async function api<T = any>(url: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { 'x-api-key': KEY, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

function event(run: string, i: number) {
  return {
    _id: `${run}-${i}`,
    timestamp: '2026-01-01T00:00:00Z',
    eventType: 'web.webpagedetails.pageViews',
    identityMap: { ECID: [{ id: ecidFor(i) }], Email: [{ id: `user${i % 50_000}@example.com` }] },
    web: { webPageDetails: { name: `page-${i % 97}`, URL: `https://example.com/p/${i % 97}`, pageViews: { value: 1 } } },
    environment: { type: 'browser', browserDetails: { name: 'Chrome', version: '120' } },
  };
}


async function benchHttp(service: Service, datasetId: string, run: string, batchSize: number) {
  const requests = Math.ceil(HTTP_EVENTS / batchSize);
  const bodies: string[] = [];
  for (let r = 0; r < requests; r++) {
    bodies.push(JSON.stringify({ messages: Array.from({ length: batchSize }, (_, j) => event(`${run}-b${batchSize}`, r * batchSize + j)) }));
  }
  service.resetPeak();
  const latencies: number[] = [];
  let accepted = 0;
  let busy = 0;
  let next = 0;
  const cpu0 = service.cpuSeconds();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let r = next++; r < requests; r = next++) {
        for (;;) {
          const t0 = performance.now();
          const res = await fetch(`${service.url}/v1/collection/${datasetId}`, {
            method: 'POST',
            headers: { 'x-api-key': KEY, 'content-type': 'application/json' },
            body: bodies[r],
          });
          const body = (await res.json()) as { accepted?: number };
          if (res.status === 429) {
            busy++;
            await new Promise((w) => setTimeout(w, 50));
            continue;
          }
          if (res.status !== 200) throw new Error(`collection answered ${res.status}: ${JSON.stringify(body).slice(0, 500)}`);
          latencies.push(performance.now() - t0);
          accepted += body.accepted ?? 0;
          break;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    path: `HTTP, ${batchSize} events/request, ${CLIENTS} clients`,
    events: accepted,
    eventsPerSecond: Math.round(accepted / seconds),
    p50Ms: Number(percentile(latencies, 50).toFixed(1)),
    p99Ms: Number(percentile(latencies, 99).toFixed(1)),
    serviceCpuUsPerEvent: Math.round(((service.cpuSeconds() - cpu0) * 1e6) / accepted),
    retriedOn429: busy,
    peakRssMb: Math.round(service.peakRssMb()),
  };
}

async function inboundLag(kafka: Kafka): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topics.inbound.name);
    const [committed] = await admin.fetchOffsets({ groupId: INBOUND_GROUP, topics: [topics.inbound.name] });
    const done = new Map((committed?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    return ends.reduce((lag, p) => lag + Number(p.high) - Math.max(Number(p.low), done.get(p.partition) ?? -1), 0);
  } finally {
    await admin.disconnect();
  }
}

async function main(): Promise<void> {
  const infra = await benchInfra();
  const run = `bench${Date.now().toString(36)}`;
  const schema = `ingestion_${run}`;
  const batchDir = join(root, 'tmp', 'ingestion-bench', run);
  mkdirSync(batchDir, { recursive: true });
  const env = {
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    DATABASE_URL: infra.databaseUrl,
    SCHEMA_REGISTRY_URL: infra.schemaRegistryUrl,
    DATABASE_SCHEMA: schema,
    BATCH_DIR: join(batchDir, 'uploads'),
  };
  const kafka = new Kafka({ clientId: 'bench', brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  const results: Record<string, unknown>[] = [];
  let service = await startServiceProcess({ ...env, WEFT_API_KEYS: KEY, INBOUND_ENABLED: 'false' }, nodeArgs);
  try {
    const created = await api<{ avro: { schemaId: number } }>(service.url, 'POST', '/v1/schemas', {
      id: `web-${run}`,
      title: 'Bench web events',
      class: 'experienceevent',
      fieldGroups: EVENT_GROUPS,
    });
    await api(service.url, 'POST', '/v1/datasets', { id: `web-${run}`, name: 'bench web', schemaId: `web-${run}` });
    const datasetId = `web-${run}`;

    // Warm-up: JIT, connections, topic metadata.
    if (HTTP_EVENTS) await benchHttp(service, datasetId, `${run}-warm`, 100).catch(() => undefined);
    for (const size of HTTP_EVENTS ? [100, 1000] : []) {
      const r = await benchHttp(service, datasetId, run, size);
      results.push(r);
      console.log(JSON.stringify(r));
    }

    if (KAFKA_EVENTS) {
      // Kafka inlet: an outside producer fills weft.inbound.v1, then a service with the inlet on drains it.
      await service.stop();
      // On a new broker nothing has created the inbound topic yet (the service only does so with the inlet on).
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic: topics.inbound.name, numPartitions: topics.inbound.partitions }] });
      await admin.disconnect();
      const producer = new ExternalProducer({ brokers: infra.kafkaBrokers, registryUrl: infra.schemaRegistryUrl, schemaId: created.avro.schemaId, topic: topics.inbound.name });
      await producer.connect();
      const chunk = 1_000;
      for (let i = 0; i < KAFKA_EVENTS; i += chunk) {
        await producer.send(
          datasetId,
          Array.from({ length: Math.min(chunk, KAFKA_EVENTS - i) }, (_, j) => {
            // The Avro form of the dataset's schema: date-times are epoch millis, absent optional fields take their default.
            const e = event(`${run}-k`, i + j);
            return {
              _id: e._id,
              timestamp: Date.parse(e.timestamp),
              eventType: e.eventType,
              identityMap: { ECID: [{ id: e.identityMap.ECID[0].id }], Email: [{ id: e.identityMap.Email[0].id }] },
              web: { webPageDetails: { name: e.web.webPageDetails.name, URL: e.web.webPageDetails.URL, pageViews: { value: 1 } } },
            };
          }),
          `${i}`,
        );
      }
      await producer.disconnect();
      const backlog = await inboundLag(kafka);
      service = await startServiceProcess({ ...env, WEFT_API_KEYS: KEY, INBOUND_ENABLED: 'true' }, nodeArgs);
      const cpu0 = service.cpuSeconds();
      const t0 = performance.now();
      for (let lag = backlog; lag > 0; lag = await inboundLag(kafka)) await new Promise((r) => setTimeout(r, 200));
      const seconds = (performance.now() - t0) / 1000;
      const kafkaResult = {
        path: 'Kafka inlet (weft.inbound.v1, Avro wire format from a kafkajs+avsc producer)',
        events: backlog,
        eventsPerSecond: Math.round(backlog / seconds),
        serviceCpuUsPerEvent: Math.round(((service.cpuSeconds() - cpu0) * 1e6) / backlog),
        peakRssMb: Math.round(service.peakRssMb()),
      };
      results.push(kafkaResult);
      console.log(JSON.stringify(kafkaResult));
    }

    if (CSV_ROWS) {
      // Batch: a generated CSV streamed up and processed in the background.
      const csv = join(batchDir, 'events.csv');
      await writeEventsCsv(csv, CSV_ROWS);
      const batch = await api<{ id: string }>(service.url, 'POST', '/v1/batches', { datasetId, format: 'csv', mapping: EVENTS_CSV_MAPPING });
      service.resetPeak();
      const tUpload = performance.now();
      const up = await fetch(`${service.url}/v1/batches/${batch.id}/files/events.csv`, {
        method: 'PUT',
        headers: { 'x-api-key': KEY, 'content-type': 'text/csv' },
        body: createReadStream(csv) as unknown as RequestInit['body'],
        duplex: 'half',
      } as RequestInit);
      if (!up.ok) throw new Error(`upload answered ${up.status}: ${await up.text()}`);
      const uploadSeconds = (performance.now() - tUpload) / 1000;
      const cpuBatch = service.cpuSeconds();
      const tBatch = performance.now();
      await api(service.url, 'POST', `/v1/batches/${batch.id}/complete`);
      let state: { status: string; counts: { read: number; ingested: number; failed: number } };
      do {
        await new Promise((r) => setTimeout(r, 500));
        state = await api(service.url, 'GET', `/v1/batches/${batch.id}`);
      } while (state.status !== 'completed' && state.status !== 'failed');
      const batchSeconds = (performance.now() - tBatch) / 1000;
      const batchResult = {
        path: `CSV batch, ${CSV_ROWS.toLocaleString('en')} rows (${(statSync(csv).size / 1e6).toFixed(0)} MB), mapping with transforms`,
        status: state.status,
        counts: state.counts,
        countsCorrect: state.counts.read === CSV_ROWS && state.counts.ingested === CSV_ROWS && state.counts.failed === 0,
        uploadSeconds: Number(uploadSeconds.toFixed(1)),
        rowsPerSecond: Math.round(CSV_ROWS / batchSeconds),
        serviceCpuUsPerEvent: Math.round(((service.cpuSeconds() - cpuBatch) * 1e6) / CSV_ROWS),
        peakRssMb: Math.round(service.peakRssMb()),
      };
      results.push(batchResult);
      console.log(JSON.stringify(batchResult));
    }
  } finally {
    await service.stop();
    rmSync(batchDir, { recursive: true, force: true });
    const db = new Client({ connectionString: infra.databaseUrl });
    await db.connect();
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.end();
    await infra.stop();
  }
  console.log('\nIngestion benchmark (2-core machine; targets: HTTP ≥ 20,000 events/s, Kafka inlet ≥ 40,000 events/s)');
  console.table(results.map((r) => ({ ...r, counts: r['counts'] ? JSON.stringify(r['counts']) : undefined })));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
