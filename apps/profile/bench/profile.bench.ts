// npm run bench:profile — the profile service in process, on a fresh schema and its own consumer groups:
//  1. upserts: BENCH_ENVELOPES resolved envelopes (one record and two events per profile, interleaved across
//     profiles) are produced to weft.identity.resolved.v1 first, then consumed by the real consumer (batch
//     upserts, one recompute per profile per batch, change feed published); the sustained rate is measured
//     between 5% and 100% of the committed offsets, so consumer-group joining is not counted;
//  2. lookups: BENCH_PROFILES (1 million) materialized profiles with two identities each are bulk-loaded with
//     INSERT ... SELECT generate_series, then GET /v1/profiles?namespace=Email&id=… is timed over HTTP
//     (BENCH_LOOKUPS=0 skips this part).
// SQL statements per resolved batch are counted; BENCH_SQL_TIMES=1 also prints each statement's mean time.
import { randomBytes } from 'node:crypto';
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
    await db.query(`ANALYZE "${schema}".profiles; ANALYZE "${schema}".identities`);
    console.log(`bulk-loaded ${PROFILES} profiles (${2 * PROFILES} identities) in ${Date.now() - loadStart} ms`);

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
    console.log(
      `lookups: ${LOOKUPS} over HTTP with ${LOOKUP_CONCURRENCY} concurrent clients among ${PROFILES} profiles: ` +
        `p50 ${percentile(latencies, 50).toFixed(2)} ms, p99 ${percentile(latencies, 99).toFixed(2)} ms, ` +
        `${Math.round((LOOKUPS / lookupMs) * 1000)} lookups/s, ${misses} non-200`,
    );
    await dispatcher.close();
    await app.close();
    console.log(JSON.stringify({ upsertsPerSecond: upsertRate, lookupP50Ms: percentile(latencies, 50), lookupP99Ms: percentile(latencies, 99) }));
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
