// npm run bench:identity — the identity service's hot path on real Kafka and Postgres: IngestEnvelopes are read from a
// topic in batches, stitched by the Postgres graph store, and published as ResolvedEnvelopes (one call per batch),
// exactly as the service's consumer does. Prints resolved events/s (after a warm-up, counted as the output topic's
// acknowledged envelopes), links/s, where a batch's time goes (SQL round trips per statement, publish, consumer),
// p99 lookup latency and graph sizes. Wall-clock figures depend on the load of the machine: compare runs made back
// to back, and use the per-batch round trips and stage times to see why.
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { benchInfra, uniqueName, percentile } from '@weft/testing';
import { MessagingClient, type ConsumedMessage, type TopicContract } from '@weft/messaging';
import { topics, type IngestEnvelope, type ResolvedEnvelope } from '@weft/xdm';
import type { Identity } from '@weft/identity-graph';
import { graphStoreDatabase } from '../test/graph-store.fixture';
import { effectiveGraphConfig } from '../src/identity-rules/effective-config';
import { DEFAULT_IDENTITY_RULES, STANDARD_NAMESPACES } from '../src/namespaces/standard-namespaces';
import { toResolved } from '../src/graph/identity-resolver.service';
import { INGEST_CONSUMPTION } from '../src/graph/ingest.consumer';
import type { Resolution } from '../src/graph/postgres-graph-store';

const PEOPLE = Number(process.env['BENCH_PEOPLE'] ?? 50_000);
const EVENTS = Number(process.env['BENCH_EVENTS'] ?? 200_000);
const WARMUP = Number(process.env['BENCH_WARMUP'] ?? 10_000);
const LOOKUPS = 5_000;
const POPULATION_BATCH = 1_000;

/** mulberry32: 32-bit integer arithmetic, so the sequence does not collapse into a short cycle as a float LCG does. */
let seed = 42;
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
  return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
}
const pick = (n: number) => Math.floor(random() * n);
const crm = (p: number): Identity => ({ namespace: 'CRMID', id: `crm-${p}` });
const email = (p: number): Identity => ({ namespace: 'Email', id: `person${p}@example.com` });
const ecid = (p: number, k: number): Identity => ({ namespace: 'ECID', id: `${String(p).padStart(9, '0')}${String(k).padStart(10, '0')}`.padStart(38, '1') });
const gaid = (d: number): Identity => ({ namespace: 'GAID', id: `gaid-${d}` });

const start = Date.UTC(2025, 0, 1);
let clock = start;
let envelopeSeq = 0;
function envelope(identities: Identity[]): IngestEnvelope {
  clock += 5;
  return {
    id: `bench-${++envelopeSeq}`,
    datasetId: 'bench-dataset',
    schemaId: 'bench-schema',
    kind: 'event',
    timestamp: clock,
    receivedAt: clock,
    identities: identities.map((i) => ({ ...i, authenticatedState: 'ambiguous', primary: false })),
    primaryIdentity: null,
    source: 'kafka',
    batchId: null,
    payloadSchemaId: null,
    payload: JSON.stringify({ eventType: 'web.webpagedetails.pageViews', web: { webPageDetails: { URL: 'https://shop.example.com/p/1', name: 'Product page' } } }),
  };
}

/** The mix: 93% known identities (cookie alone, or cookie with the person's CRM id), 5% a new cookie linked to a known person, 1% a new device, 1% merges of a device graph into a person. */
function measuredEvent(): { value: IngestEnvelope; kind: string } {
  const p = pick(PEOPLE);
  const roll = random();
  if (roll < 0.6) return { value: envelope([ecid(p, 0)]), kind: 'known' };
  if (roll < 0.93) return { value: envelope([ecid(p, pick(2)), crm(p)]), kind: 'known' };
  if (roll < 0.98) return { value: envelope([ecid(p, 2 + pick(1_000_000)), crm(p)]), kind: 'newLink' };
  if (roll < 0.99) return { value: envelope([gaid(1_000_000 + pick(1_000_000_000)), ecid(p, 0)]), kind: 'newLink' };
  const owner = pick(PEOPLE / 10) * 10;
  return { value: envelope([crm(owner), gaid(owner)]), kind: 'merge' };
}

/**
 * SQL statements by kind (verb and table), counted and timed from send to result, while `sql.on` is set, with the CPU
 * time of the Postgres backend that ran them (from /proc, when Postgres runs on this machine).
 */
const sql = { on: false, stats: new Map<string, { count: number; ms: number; cpuMs: number }>() };
function backendCpuMs(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}
function countStatements(): void {
  const query = Client.prototype.query as (...args: unknown[]) => unknown;
  Client.prototype.query = function (this: Client, ...args: unknown[]) {
    if (!sql.on) return query.apply(this, args);
    const text = typeof args[0] === 'string' ? args[0] : ((args[0] as { text?: string }).text ?? '');
    const name = typeof args[0] === 'string' ? undefined : (args[0] as { name?: string }).name;
    const kind = name ? `prepared ${name.replace(/^identity_|_[0-9a-f]{12}$/g, '')}` : statementKind(text);
    const pid = (this as unknown as { processID?: number }).processID;
    const cpu0 = backendCpuMs(pid);
    const t0 = performance.now();
    const done = () => {
      const s = sql.stats.get(kind) ?? { count: 0, ms: 0, cpuMs: 0 };
      s.count++;
      s.ms += performance.now() - t0;
      s.cpuMs += backendCpuMs(pid) - cpu0;
      sql.stats.set(kind, s);
    };
    // pg-pool's query passes a callback; a client's query without one returns a promise.
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === 'function') {
      args[last] = (...results: unknown[]) => {
        done();
        return (callback as (...r: unknown[]) => unknown)(...results);
      };
      return query.apply(this, args);
    }
    const result = query.apply(this, args);
    if (result instanceof Promise) result.then(done, done);
    return result;
  } as typeof Client.prototype.query;
}

function statementKind(text: string): string {
  const verb = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? '?';
  const table = /(?:FROM|INTO|UPDATE|JOIN)\s+"[^"]+"\."(\w+)"/i.exec(text)?.[1];
  const call = /(pg_advisory_xact_lock|set_config|json_agg)/.exec(text)?.[1];
  return [verb, call ?? table].filter(Boolean).join(' ');
}

async function main() {
  countStatements();
  const infra = await benchInfra();
  const db = await graphStoreDatabase();
  const store = db.store({ timeResolutionMs: 60_000 });
  const config = effectiveGraphConfig(STANDARD_NAMESPACES, DEFAULT_IDENTITY_RULES);
  const messaging = new MessagingClient({ clientId: 'bench-identity', brokers: infra.kafkaBrokers, schemaRegistryUrl: infra.schemaRegistryUrl });
  const input: TopicContract<IngestEnvelope> = { ...topics.ingestAccepted, name: uniqueName('bench.identity.in') };
  const output: TopicContract<ResolvedEnvelope> = { ...topics.identityResolved, name: uniqueName('bench.identity.out') };
  await messaging.provision([input, output]);
  await messaging.connect();

  try {
    // Population: every person with CRM id, email and two cookies; every 10th also has a device graph of its own
    // (GAID + cookie) that the merge events later fold into the person.
    let t = performance.now();
    for (let p0 = 0; p0 < PEOPLE; p0 += POPULATION_BATCH) {
      const records = [];
      for (let p = p0; p < Math.min(PEOPLE, p0 + POPULATION_BATCH); p++) {
        records.push({ at: new Date(clock++), identities: [crm(p), email(p), ecid(p, 0), ecid(p, 1)] });
        if (p % 10 === 0) records.push({ at: new Date(clock++), identities: [gaid(p), ecid(p, 9)] });
      }
      await store.resolveBatch(records, config);
    }
    const seedMs = Math.round(performance.now() - t);
    console.log(`population: ${PEOPLE} people (${Math.round(PEOPLE * 1.1 * 6 / (seedMs / 1000))} new links/s while building, ${seedMs} ms)`);

    const kinds = new Map<string, number>();
    let links = 0;
    const produced: IngestEnvelope[] = [];
    for (let i = 0; i < EVENTS; i++) {
      const { value, kind } = measuredEvent();
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      links += (value.identities.length * (value.identities.length - 1)) / 2;
      produced.push(value);
    }
    for (let i = 0; i < produced.length; i += 10_000) {
      await messaging.publish(input, produced.slice(i, i + 10_000).map((value) => ({ key: `${value.identities[0].namespace}:${value.identities[0].id}`, value })));
    }
    console.log(`mix: ${[...kinds].map(([k, n]) => `${k} ${((100 * n) / EVENTS).toFixed(1)}%`).join(', ')}`);

    // The clock starts once WARMUP events are resolved (group join, first fetches, cold caches are not measured).
    let resolved = 0;
    let changes = 0;
    let batches = 0;
    const stage = { resolve: 0, publish: 0, publishAlone: 0 };
    let measuredFrom = 0;
    let cpu = process.cpuUsage();
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const consumer = await messaging.topicConsumer(input, {
      groupId: uniqueName('bench.identity'),
      // The service's own consumption settings.
      ...INGEST_CONSUMPTION,
      handle: async (batch: ConsumedMessage<IngestEnvelope>[]) => {
        const measuring = measuredFrom > 0;
        const t0 = performance.now();
        let t1 = t0;
        // As the service's IdentityResolverService: publish while the store refreshes times.
        await store.resolveBatch(
          batch.map((m) => ({ id: m.data.id, at: new Date(m.data.timestamp), identities: m.data.identities })),
          config,
          {
            whileRefreshing: async (result) => {
              t1 = performance.now();
              changes += result.changes;
              const values = batch.map((m, i) => toResolved(m.data, result.resolutions[i] as Extract<Resolution, { primary: Identity }>));
              await messaging.publish(output, values.map((value) => ({ key: value.profileId, value })));
              if (measuring) stage.publishAlone += performance.now() - t1;
            },
          },
        );
        if (measuring) {
          batches++;
          stage.resolve += t1 - t0;
          stage.publish += performance.now() - t1;
        }
        resolved += batch.length;
        if (!measuring && resolved >= Math.min(WARMUP, EVENTS - 1)) {
          measuredFrom = resolved;
          sql.on = true;
          t = performance.now();
          cpu = process.cpuUsage();
          console.log(`measuring from ${resolved} events (process uptime ${process.uptime().toFixed(1)} s)`);
        }
        if (resolved >= EVENTS) done();
      },
    });
    await consumer.start();
    await finished;
    const ms = performance.now() - t;
    const cpuUsed = process.cpuUsage(cpu);
    sql.on = false;
    console.log(`measured until process uptime ${process.uptime().toFixed(1)} s`);
    await consumer.stop();
    const admin = messaging.kafka.admin();
    await admin.connect();
    const observed = (await admin.fetchTopicOffsets(output.name)).reduce((n, p) => n + Number(p.high), 0);
    await admin.disconnect();
    if (observed !== EVENTS) throw new Error(`${observed} resolved envelopes on ${output.name}, expected ${EVENTS}`);
    const measured = EVENTS - measuredFrom;
    const perSecond = (n: number) => Math.round(n / (ms / 1000));
    console.log(
      `resolved ${measured} events in ${Math.round(ms)} ms after ${measuredFrom} of warm-up: ${perSecond(measured)} events/s, ` +
        `${perSecond((links * measured) / EVENTS)} links/s (Kafka in → Postgres → Kafka out, ${observed} resolved envelopes on the ` +
        `output topic; ${changes} graph changes)`,
    );
    const perBatch = (x: number) => (x / batches).toFixed(1);
    console.log(
      `per batch of ${Math.round(measured / batches)} (${batches} batches, ${INGEST_CONSUMPTION.partitionsConsumedConcurrently} partitions at a time): ` +
        `${perBatch(stage.resolve)} ms resolving, ${perBatch(stage.publish)} ms publishing while times refresh ` +
        `(${perBatch(stage.publishAlone)} ms until the broker's ack); ${perBatch(ms)} ms of wall clock per batch`,
    );
    console.log(`bench process CPU: ${(((cpuUsed.user + cpuUsed.system) / 1000) / ms * 100).toFixed(0)}% of one core, ${((cpuUsed.user + cpuUsed.system) / measured).toFixed(1)} µs per event`);
    const pgCpuMs = [...sql.stats.values()].reduce((n, s) => n + s.cpuMs, 0);
    console.log(`Postgres CPU in the statements: ${((pgCpuMs * 1000) / measured).toFixed(1)} µs per event`);
    for (const [kind, s] of [...sql.stats].sort((x, y) => y[1].ms - x[1].ms)) {
      console.log(`  SQL ${kind}: ${perBatch(s.count)} per batch, ${(s.ms / s.count).toFixed(2)} ms each, Postgres CPU ${perBatch(s.cpuMs)} ms per batch`);
    }

    const latencies: number[] = [];
    for (let i = 0; i < LOOKUPS; i++) {
      const p = pick(PEOPLE);
      const t0 = process.hrtime.bigint();
      await store.findByIdentity(random() < 0.5 ? email(p) : ecid(p, 0));
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    latencies.sort((x, y) => x - y);
    const q = (p: number) => percentile(latencies, p).toFixed(2);
    console.log(`graph lookup (identity → profile id, identities, links): p50 ${q(50)} ms, p99 ${q(99)} ms over ${LOOKUPS}`);

    const { rows } = await db.pools[0].query<{ size: number; graphs: string }>(
      `SELECT size, count(*) AS graphs FROM (SELECT count(*)::int AS size FROM "${db.schema.name}"."identities" WHERE "graph_id" IS NOT NULL GROUP BY "graph_id") g GROUP BY size ORDER BY size`,
    );
    const total = rows.reduce((n, r) => n + Number(r.graphs), 0);
    console.log(`graphs: ${total}; identities per graph: ${rows.map((r) => `${r.size}: ${r.graphs}`).join(', ')}`);
  } finally {
    await messaging.close();
    await db.close();
    await infra.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
