// npm run bench:profile — the profile service in process, on a fresh schema and its own consumer groups:
//  1. upserts: BENCH_ENVELOPES resolved envelopes (one record and two events per profile, interleaved across
//     profiles) are produced to weft.identity.resolved.v1 first, then consumed by the real consumer (batch
//     upserts, one recompute per profile per batch, change feed published); the sustained rate is measured
//     between 5% and 100% of the committed offsets, so consumer-group joining is not counted;
//  2. lookups: BENCH_PROFILES (1 million) materialized profiles with two identities each are bulk-loaded with
//     INSERT ... SELECT generate_series and vacuumed/analyzed, then GET /v1/profiles?namespace=Email&id=… is timed
//     over HTTP: first as before (8 clients in the service's own process, closed loop), then from a separate client
//     process (lookup-load.ts): open loop at each BENCH_LOOKUP_RATES offered load for BENCH_LOOKUP_SECONDS, and closed
//     loop with 8 clients for the maximum throughput (BENCH_LOOKUPS=0 skips this part).
// SQL statements per resolved batch are counted; BENCH_SQL_TIMES=1 also prints each statement's mean time.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import pg, { Client } from 'pg';
import { Kafka, logLevel } from 'kafkajs';
import { Agent, request } from 'undici';
import { MessagingClient } from '@weft/messaging';
import { createService } from '@weft/platform';
import { benchInfra, percentile } from '@weft/testing';
import { topics, type ResolvedEnvelope } from '@weft/xdm';
import { profileServiceOptions } from '../src/app.module';
import { Materializer } from '../src/store/materializer.service';
import { ProfileStore } from '../src/store/profile-store.service';
import type { LookupLoadInput, LookupRun, LookupRunResult } from './lookup-load';

/** Batch sizes, handler time and SQL round trips of the resolved-topic consumer, for the report. */
const batches = { count: 0, messages: 0, ms: 0, statements: 0 };
let inBatch = 0;
const sqlTimes = new Map<string, { n: number; ms: number }>();
function timed(key: string, since: bigint): void {
  const e = sqlTimes.get(key) ?? { n: 0, ms: 0 };
  e.n++;
  e.ms += Number(process.hrtime.bigint() - since) / 1e6;
  sqlTimes.set(key, e);
}
const clientQuery = pg.Client.prototype.query as (...args: unknown[]) => unknown;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  if (inBatch) batches.statements++;
  if (!inBatch || !process.env['BENCH_SQL_TIMES'] || typeof args[args.length - 1] === 'function') return clientQuery.apply(this, args);
  const key = String(typeof args[0] === 'string' ? args[0] : (args[0] as { text: string }).text).replace(/\s+/g, ' ').slice(0, 70);
  const t = process.hrtime.bigint();
  const r = clientQuery.apply(this, args) as Promise<unknown>;
  void r.finally(() => timed(key, t)).catch(() => undefined);
  return r;
} as typeof pg.Client.prototype.query;
const publish = Materializer.prototype.publish;
Materializer.prototype.publish = async function (this: Materializer, messages) {
  const t = process.hrtime.bigint();
  await publish.call(this, messages);
  timed('(publish)', t);
};
const applyResolved = ProfileStore.prototype.applyResolved;
ProfileStore.prototype.applyResolved = async function (this: ProfileStore, envelopes) {
  const t = Date.now();
  inBatch++;
  try {
    await applyResolved.call(this, envelopes);
  } finally {
    inBatch--;
  }
  batches.count++;
  batches.messages += envelopes.length;
  batches.ms += Date.now() - t;
};

const ENVELOPES = Number(process.env['BENCH_ENVELOPES'] ?? 300_000);
const PROFILES = Number(process.env['BENCH_PROFILES'] ?? 1_000_000);
const LOOKUPS = Number(process.env['BENCH_LOOKUPS'] ?? 20_000);
const LOOKUP_CONCURRENCY = 8;
/** Offered loads of the open-loop lookup runs (lookups/s), each for BENCH_LOOKUP_SECONDS. */
const LOOKUP_RATES = (process.env['BENCH_LOOKUP_RATES'] ?? '1000,2000').split(',').map(Number).filter((n) => n > 0);
const LOOKUP_SECONDS = Number(process.env['BENCH_LOOKUP_SECONDS'] ?? 10);
const API_KEY = 'bench-key';
const run = randomBytes(3).toString('hex');

function envelope(i: number, profiles: number, now: number): ResolvedEnvelope {
  const p = i % profiles;
  const kind = Math.floor(i / profiles) === 0 ? 'record' : 'event';
  const profileId = `bench-${run}-${p}`;
  const email = `user${p}-${run}@example.com`;
  const ecid = `${run}${String(p).padStart(30, '0')}`;
  const identities = [
    { namespace: 'Email', id: email, authenticatedState: 'authenticated' as const, primary: kind === 'record' },
    { namespace: 'ECID', id: ecid, authenticatedState: 'ambiguous' as const, primary: kind === 'event' },
  ];
  const document =
    kind === 'record'
      ? {
          _id: `rec-${run}-${i}`,
          person: { name: { firstName: `First${p}`, lastName: `Last${p}` }, birthDayAndMonth: '12-10' },
          personalEmail: { address: email, status: 'active' },
          homeAddress: { city: 'Lyon', postalCode: '69001', country: 'FR' },
          loyalty: { tier: ['gold', 'silver', 'bronze'][p % 3], points: p % 5000 },
          extSourceSystemAudit: { lastUpdatedDate: new Date(now - 3_600_000).toISOString() },
        }
      : {
          _id: `evt-${run}-${i}`,
          eventType: i % 2 ? 'web.webpagedetails.pageViews' : 'commerce.productViews',
          timestamp: new Date(now - (i % 3_600) * 1000).toISOString(),
          web: { webPageDetails: { URL: `https://shop.example.com/p/${i % 1000}`, name: `Product ${i % 1000}` } },
          commerce: { productViews: { value: 1 } },
          productListItems: [{ SKU: `SKU-${i % 500}`, priceTotal: 49.9, quantity: 1 }],
        };
  return {
    profileId,
    graphVersion: 1,
    id: document._id,
    datasetId: kind === 'record' ? 'crm' : 'web',
    schemaId: kind === 'record' ? 'profile' : 'event',
    kind,
    timestamp: kind === 'record' ? now - 60_000 : now - (i % 3_600) * 1000,
    receivedAt: now,
    identities,
    primaryIdentity: kind === 'record' ? { namespace: 'Email', id: email } : { namespace: 'ECID', id: ecid },
    source: kind === 'record' ? 'batch' : 'http',
    batchId: null,
    payloadSchemaId: null,
    payload: JSON.stringify({ identityMap: { Email: [{ id: email }], ECID: [{ id: ecid }] }, ...document }),
  };
}

async function offsets(kafka: Kafka, topic: string, groupId?: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!groupId) return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return committed.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

async function setGroupAt(kafka: Kafka, groupId: string, topic: string, at: 'end' | { partition: number; offset: string }[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const partitions = at === 'end' ? (await admin.fetchTopicOffsets(topic)).map((p) => ({ partition: p.partition, offset: p.high })) : at;
    await admin.setOffsets({ groupId, topic, partitions });
  } finally {
    await admin.disconnect();
  }
}

/** Runs the lookup load generator in a process of its own and collects one result per run. */
function runLookupLoad(input: LookupLoadInput): Promise<LookupRunResult[]> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'lookup-load.ts'), { stdio: 'inherit' });
    const results: LookupRunResult[] = [];
    child.on('message', (m: LookupRunResult) => results.push(m));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 && results.length === input.runs.length ? resolve(results) : reject(new Error(`lookup load process exited with ${code}`))));
    child.send(input);
  });
}

async function main(): Promise<void> {
  const infra = await benchInfra();
  const schema = `bench_profile_${run}`;
  const name = `profile-bench-${run}`;
  Object.assign(process.env, {
    PORT: '0',
    HOST: '127.0.0.1',
    WEFT_API_KEYS: API_KEY,
    DATABASE_SCHEMA: schema,
    SCHEMA_REGISTRY_URL: infra.schemaRegistryUrl,
    LOG_LEVEL: 'warn',
    RETENTION_INTERVAL_MINUTES: '0',
  });
  const kafka = new Kafka({ clientId: `bench-${run}`, brokers: infra.kafkaBrokers, logLevel: logLevel.NOTHING });
  const messaging = new MessagingClient({ clientId: `bench-${run}`, brokers: infra.kafkaBrokers, schemaRegistryUrl: infra.schemaRegistryUrl });
  const consumed = [topics.identityResolved, topics.identityGraph, topics.segmentMembership];
  await messaging.provision([...consumed, topics.profileChanged]);
  await messaging.connect();
  for (const t of consumed) await setGroupAt(kafka, `weft.${name}.${t.name}`, t.name, 'end');
  const db = new Client({ connectionString: infra.databaseUrl });
  await db.connect();

  try {
    // 1. Upserts through the real consumer.
    const resolvedGroup = `weft.${name}.${topics.identityResolved.name}`;
    const admin = kafka.admin();
    await admin.connect();
    const start = (await admin.fetchTopicOffsets(topics.identityResolved.name)).map((p) => ({ partition: p.partition, offset: p.high }));
    await admin.disconnect();
    const profiles = Math.ceil(ENVELOPES / 3);
    const now = Date.now();
    const produceStart = Date.now();
    const CHUNK = 2_000;
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < ENVELOPES) {
          const from = next;
          next = Math.min(ENVELOPES, next + CHUNK);
          const batch: { key: string; value: ResolvedEnvelope }[] = [];
          for (let i = from; i < next; i++) {
            const value = envelope(i, profiles, now);
            batch.push({ key: value.profileId, value });
          }
          await messaging.publish(topics.identityResolved, batch);
        }
      }),
    );
    console.log(`produced ${ENVELOPES} resolved envelopes (${profiles} profiles) in ${Date.now() - produceStart} ms`);
    const end = start.reduce((n, p) => n + Number(p.offset), 0) + ENVELOPES;
    const base = start.reduce((n, p) => n + Number(p.offset), 0);
    await setGroupAt(kafka, resolvedGroup, topics.identityResolved.name, start);
    const feedBefore = await offsets(kafka, topics.profileChanged.name);

    const app = await createService(profileServiceOptions({ name }));
    await app.init();
    await app.startAllMicroservices();
    await app.listen(0, '127.0.0.1');
    const url = await app.getUrl();

    let t5 = 0;
    let c5 = 0;
    for (;;) {
      const committed = await offsets(kafka, topics.identityResolved.name, resolvedGroup);
      if (!t5 && committed - base >= ENVELOPES * 0.05) {
        t5 = Date.now();
        c5 = committed - base;
      }
      if (committed >= end) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const elapsed = Date.now() - t5;
    const feedMessages = (await offsets(kafka, topics.profileChanged.name)) - feedBefore;
    const upsertRate = Math.round(((ENVELOPES - c5) / elapsed) * 1000);
    const { rows: stored } = await db.query(
      `SELECT (SELECT count(*) FROM "${schema}".fragments)::int AS fragments, (SELECT count(*) FROM "${schema}".events)::int AS events,
              (SELECT count(*) FROM "${schema}".profiles)::int AS profiles`,
    );
    console.log(`resolved batches: ${batches.count}, ${Math.round(batches.messages / batches.count)} envelopes and ${Math.round(batches.ms / batches.count)} ms each on average, ${(batches.statements / batches.count).toFixed(1)} SQL statements per batch`);
    if (process.env['BENCH_SQL_TIMES']) for (const [k, v] of sqlTimes) console.log(`${v.n}\t${(v.ms / v.n).toFixed(1)} ms\t${k}`);
    console.log(`upserts: ${ENVELOPES - c5} envelopes in ${elapsed} ms = ${upsertRate} upserts/s (stored ${JSON.stringify(stored[0])}; ${feedMessages} change-feed messages)`);

    if (LOOKUPS === 0) {
      await app.close();
      return;
    }
    // 2. Lookups over 1M materialized profiles.
    const loadStart = Date.now();
    const policyId = (await db.query(`SELECT id FROM "${schema}".merge_policies WHERE is_default`)).rows[0].id as string;
    await db.query(
      `INSERT INTO "${schema}".profiles (profile_id, version, merge_policy_id, attributes, identities, flags, event_count)
       SELECT 'load-' || g, g, $1::uuid,
         jsonb_build_object('person', jsonb_build_object('name', jsonb_build_object('firstName', 'First' || g, 'lastName', 'Last' || g)),
           'homeAddress', jsonb_build_object('city', 'Lyon', 'postalCode', '69001'), 'loyalty', jsonb_build_object('tier', 'gold', 'points', g % 5000)),
         jsonb_build_array(jsonb_build_object('namespace', 'Email', 'id', 'load' || g || '@example.com', 'primary', true),
           jsonb_build_object('namespace', 'ECID', 'id', 'ecid-load-' || g, 'primary', false)),
         '{}', g % 20
       FROM generate_series(1, $2) AS g`,
      [policyId, PROFILES],
    );
    await db.query(
      `INSERT INTO "${schema}".identities (namespace, id, profile_id, is_primary)
       SELECT 'Email', 'load' || g || '@example.com', 'load-' || g, true FROM generate_series(1, $1) AS g
       UNION ALL SELECT 'ECID', 'ecid-load-' || g, 'load-' || g, false FROM generate_series(1, $1) AS g`,
      [PROFILES],
    );
    // A deployment's tables are vacuumed and analyzed (autovacuum; on this machine it is off): without it the
    // first read of every bulk-loaded page also sets its hint bits (a page write), and the planner has no statistics.
    await db.query(`VACUUM ANALYZE "${schema}".profiles`);
    await db.query(`VACUUM ANALYZE "${schema}".identities`);
    // The load and the vacuum leave ~1 GB of dirty pages; written out now, not by a checkpoint during the lookups.
    await db.query('CHECKPOINT');
    console.log(`bulk-loaded ${PROFILES} profiles (${2 * PROFILES} identities), vacuumed and analyzed, in ${Date.now() - loadStart} ms`);

    // 2a. As measured before: closed loop, 8 clients in the service's own process (they share its event loop).
    const dispatcher = new Agent({ connections: LOOKUP_CONCURRENCY, pipelining: 1 });
    const latencies: number[] = [];
    let issued = 0;
    let misses = 0;
    const lookupOnce = async () => {
      const g = 1 + Math.floor(Math.random() * PROFILES);
      const t = process.hrtime.bigint();
      const res = await request(`${url}/v1/profiles?namespace=Email&id=${encodeURIComponent(`load${g}@example.com`)}`, {
        headers: { 'x-api-key': API_KEY },
        dispatcher,
      });
      await res.body.text();
      if (res.statusCode !== 200) misses++;
      return Number(process.hrtime.bigint() - t) / 1e6;
    };
    for (let i = 0; i < 500; i++) await lookupOnce(); // warm-up
    const lookupStart = Date.now();
    await Promise.all(
      Array.from({ length: LOOKUP_CONCURRENCY }, async () => {
        while (issued < LOOKUPS) {
          issued++;
          latencies.push(await lookupOnce());
        }
      }),
    );
    const lookupMs = Date.now() - lookupStart;
    latencies.sort((a, b) => a - b);
    await dispatcher.close();
    console.log(
      `lookups, in-process closed loop (saturation; clients share the service's event loop): ${LOOKUPS} with ${LOOKUP_CONCURRENCY} concurrent clients: ` +
        `p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms, ` +
        `${Math.round((LOOKUPS / lookupMs) * 1000)} lookups/s, ${misses} non-200`,
    );

    // 2b. From a client process of its own: latency at stated offered loads (open loop), then the maximum
    // throughput (closed loop at saturation, where latency is mostly queueing).
    const runs: LookupRun[] = [
      ...LOOKUP_RATES.map((rate) => ({ kind: 'open' as const, rate, seconds: LOOKUP_SECONDS })),
      ...LOOKUP_RATES.map((rate) => ({ kind: 'sql' as const, rate, seconds: LOOKUP_SECONDS })),
      { kind: 'closed', concurrency: LOOKUP_CONCURRENCY, requests: LOOKUPS },
    ];
    const loopDelay = monitorEventLoopDelay({ resolution: 5 });
    const gc = { n: 0, ms: 0, max: 0 };
    const gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        gc.n++;
        gc.ms += e.duration;
        gc.max = Math.max(gc.max, e.duration);
      }
    });
    gcObserver.observe({ entryTypes: ['gc'] });
    loopDelay.enable();
    const results = await runLookupLoad({ url, apiKey: API_KEY, databaseUrl: infra.databaseUrl, schema, profiles: PROFILES, warmup: 500, runs });
    loopDelay.disable();
    gcObserver.disconnect();
    console.log(
      `service event loop delay during the separate-process runs: p50 ${(loopDelay.percentile(50) / 1e6).toFixed(1)} ms, ` +
        `p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms, max ${(loopDelay.max / 1e6).toFixed(1)} ms; ` +
        `${gc.n} GC pauses, ${gc.ms.toFixed(0)} ms in all, longest ${gc.max.toFixed(1)} ms`,
    );
    for (const r of results) {
      const what =
        r.run.kind === 'open'
          ? `open loop at ${r.run.rate}/s offered (latency at a stated load)`
          : r.run.kind === 'sql'
            ? `the lookup statement straight to Postgres, no service, open loop at ${r.run.rate}/s`
            : `closed loop, ${r.run.concurrency} concurrent clients (max throughput, saturated)`;
      console.log(
        `lookups, separate client process, ${what}: ${r.requests} in ${r.seconds.toFixed(1)} s = ${Math.round(r.requests / r.seconds)} lookups/s; ` +
          `p50 ${r.p50.toFixed(2)} ms, p90 ${r.p90.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, max ${r.max.toFixed(2)} ms, ${r.nonOk} non-200`,
      );
    }
    await app.close();
    const open = Object.fromEntries(
      results.filter((r) => r.run.kind !== 'closed').map((r) => [`${r.run.kind === 'sql' ? 'sqlOnly' : 'openLoop'}${(r.run as { rate: number }).rate}P99Ms`, r.p99]),
    );
    const closed = results.find((r) => r.run.kind === 'closed');
    console.log(
      JSON.stringify({
        upsertsPerSecond: upsertRate,
        lookupP50Ms: percentile(latencies, 50),
        lookupP99Ms: percentile(latencies, 99),
        ...open,
        maxLookupsPerSecond: closed && Math.round(closed.requests / closed.seconds),
      }),
    );
  } finally {
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await db.end();
    await messaging.close();
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
