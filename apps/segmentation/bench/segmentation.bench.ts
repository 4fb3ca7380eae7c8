// npm run bench:segmentation
//  (a) batch: BENCH_PROFILES (default 1,000,000) generated profile snapshots x 20 mixed segments, one batch job
//      (keyset pages, 2 worker threads); prints wall time and profiles/s for the first run (every membership new) and
//      for a second run over unchanged data.
//  (b) streaming: ProfileChanged envelopes published at BENCH_RATE/s (default 5,000) for BENCH_SECONDS (default 20);
//      each makes its profile enter a segment; prints p50/p95/p99 latency from publish to the membership event.
// The service runs in-process on its own topics and database schema, against the broker and Postgres of benchInfra().
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { MessagingClient, type TopicContract } from '@weft/messaging';
import { createService } from '@weft/platform';
import { benchInfra, percentile, uniqueIdentifier, uniqueName, withClient } from '@weft/testing';
import { topics, type ProfileChanged, type SegmentMembership } from '@weft/xdm';
import { segmentationServiceOptions } from '../src/app.module';
import { SegmentJobsService } from '../src/batch/segment-jobs.service';
import { SegmentsService } from '../src/segments/segments.service';
import type { SegmentationTopics } from '../src/common/topics';

const PROFILES = Number(process.env['BENCH_PROFILES'] ?? 1_000_000);
const RATE = Number(process.env['BENCH_RATE'] ?? 5_000);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 20);
const HOUR = 3_600_000;
const PART = process.env['BENCH_PART'] ?? 'all';

// Mixed audiences of realistic size (about 0.1% to 12% of profiles each).
const SEGMENTS: [string, string][] = [
  ['Japan', 'homeAddress.countryISO = "JP"'],
  ['Over 85', 'person.age >= 85'],
  ['Seniors in Canada', 'person.age >= 65 and homeAddress.countryISO = "CA"'],
  ['Gold with high points', 'loyalty.tier = "gold" and loyalty.points > 9000'],
  ['High points', 'loyalty.points > 9500'],
  ['First name Name12*', 'person.name.firstName.startsWith("Name12")'],
  ['Email ending 9@example.org', 'personalEmail.address.endsWith("9@example.org")'],
  ['Young Europeans', 'homeAddress.countryISO in ["FR", "DE"] and person.age < 25'],
  ['Checkout in the last 24 hours', 'select X from xEvent where X.eventType = "commerce.checkouts" and X.timestamp occurs <= 24 hours before now'],
  ['Page view today', 'xEvent[eventType = "web.pageViews" and timestamp occurs today]'],
  ['Viewed then checked out', 'CHAIN(xEvent, timestamp, [A: WHAT(eventType = "web.pageViews") WHEN(<= 24 hours before now), B: WHAT(eventType = "commerce.checkouts") WHEN(<= 24 hours before now)])'],
  ['Purchased this week', 'select X from xEvent where X.eventType = "commerce.purchases" and X.timestamp occurs < 7 days before now'],
  ['Big spenders', 'xEvent[eventType = "commerce.purchases"].sum(commerce.order.priceTotal) > 550'],
  ['Visiting elders', 'xEvent[eventType = "web.pageViews"].count() >= 1 and person.age > 80'],
  ['Young gold', 'loyalty.tier = "gold" and person.age < 20'],
  ['Birthday this month', 'person.birthDate.getMonth() = currentMonth()'],
  ['City7', 'homeAddress.city = "City7"'],
  ['Streamed flag', 'bench.on = true'],
];

async function main(): Promise<void> {
  const infra = await benchInfra();
  const schema = uniqueIdentifier('bench_segmentation');
  Object.assign(process.env, {
    DATABASE_SCHEMA: schema,
    WEFT_API_KEYS: 'bench',
    LOG_LEVEL: 'warn',
    SWEEP_INTERVAL_MS: '0',
    BATCH_CRON: 'off',
    SCHEMA_REGISTRY_URL: infra.schemaRegistryUrl,
  });
  const ownTopics: SegmentationTopics = {
    profileChanged: { ...(topics.profileChanged as TopicContract<ProfileChanged>), name: uniqueName('bench.profile.changed') },
    segmentMembership: { ...(topics.segmentMembership as TopicContract<SegmentMembership>), name: uniqueName('bench.segment.membership') },
  };
  const app = await createService(segmentationServiceOptions({ topics: ownTopics }));
  await app.init();
  await app.startAllMicroservices();
  const sql = (text: string, params: unknown[] = []) =>
    withClient(infra.databaseUrl, async (c) => {
      await c.query(`SET search_path TO "${schema}"`);
      return (await c.query(text, params)).rows;
    });
  try {
    const flagSegmentId = await defineSegments(app);
    if (PART === 'all' || PART === 'batch') await batch(app, sql);
    if (PART === 'all' || PART === 'streaming') await streaming(ownTopics, infra, flagSegmentId);
  } finally {
    await app.close();
    await withClient(infra.databaseUrl, (c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
    await infra.stop();
  }
}

/** Defines the segments; returns the id of the one every streamed change enters ("Streamed flag"). */
async function defineSegments(app: NestFastifyApplication): Promise<string> {
  const segments = app.get(SegmentsService);
  const ids: string[] = [];
  for (const [name, expression] of SEGMENTS) ids.push((await segments.create({ name, expression })).entity.id);
  ids.push((await segments.create({ name: 'Japanese over 85', expression: `inSegment("${ids[0]}") and inSegment("${ids[1]}")` })).entity.id);
  ids.push((await segments.create({ name: 'Gold buyers today', expression: `inSegment("${ids[3]}") and inSegment("${ids[8]}")` })).entity.id);
  const methods = new Map<string, number>();
  for (const { entity } of await segments.list()) methods.set(entity.evaluationMethod, (methods.get(entity.evaluationMethod) ?? 0) + 1);
  console.log(`segments: ${ids.length} (${[...methods].map(([m, n]) => `${n} ${m}`).join(', ')})`);
  return ids[SEGMENTS.findIndex(([name]) => name === 'Streamed flag')]!;
}

async function batch(app: NestFastifyApplication, sql: (text: string, params?: unknown[]) => Promise<unknown[]>): Promise<void> {

  const now = Date.now();
  let started = performance.now();
  await sql(
    `INSERT INTO profile_snapshots (profile_id, version, deleted, flags, attributes, identities, events, merge_policy_id, updated_at)
     SELECT 'p' || lpad(i::text, 8, '0'), 1, i % 997 = 0, CASE WHEN i % 991 = 0 THEN ARRAY['tooManyEvents'] ELSE ARRAY[]::text[] END,
       json_build_object(
         'person', json_build_object('age', i % 90, 'birthDate', (date '1970-01-01' + (i % 15000))::text,
           'name', json_build_object('firstName', 'Name' || (i % 1000), 'lastName', 'Family' || (i % 5000))),
         'homeAddress', json_build_object('countryISO', (ARRAY['US', 'CA', 'FR', 'DE', 'ES', 'IT', 'GB', 'JP'])[i % 8 + 1], 'city', 'City' || (i % 300)),
         'personalEmail', json_build_object('address', 'user' || i || (ARRAY['@example.com', '@example.org'])[i % 2 + 1]),
         'loyalty', json_build_object('points', (i::bigint * 7919) % 10000, 'tier', (ARRAY['gold', 'silver', 'bronze', 'none'])[i % 4 + 1])
       )::text,
       json_build_array(json_build_object('namespace', 'Email', 'id', 'user' || i || '@example.com', 'primary', true),
         json_build_object('namespace', 'ECID', 'id', lpad(i::text, 38, '0'), 'primary', false))::text,
       CASE WHEN i % 4 = 0 THEN '[]' ELSE json_build_array(
         json_build_object('_id', 'v-' || i, 'timestamp', $1::bigint - (i % 300) * ${HOUR}::bigint, 'eventType', 'web.pageViews',
           'web', json_build_object('webPageDetails', json_build_object('URL', 'https://shop.example.com/p/' || (i % 100)))),
         json_build_object('_id', 'c-' || i, 'timestamp', $1::bigint - (i % 400) * ${HOUR}::bigint + 60000, 'eventType', 'commerce.checkouts'),
         json_build_object('_id', 'o-' || i, 'timestamp', $1::bigint - (i % 100) * 86400000::bigint, 'eventType', 'commerce.purchases',
           'commerce', json_build_object('order', json_build_object('priceTotal', (i * 31) % 600))))::text END,
       'default', now()
     FROM generate_series(1, ${PROFILES}) AS i`,
    [now],
  );
  await sql('ANALYZE profile_snapshots');
  console.log(`loaded ${PROFILES.toLocaleString('en')} profile snapshots in ${((performance.now() - started) / 1000).toFixed(1)} s (not timed below)`);

  const jobs = app.get(SegmentJobsService);
  for (const label of ['first run (all memberships new)', 'second run (no changes)']) {
    started = performance.now();
    const job = await (await jobs.start('manual')).done;
    const seconds = (performance.now() - started) / 1000;
    if (job.status !== 'succeeded') throw new Error(`batch job failed: ${job.error}`);
    console.log(
      `batch ${label}: ${job.processedProfiles.toLocaleString('en')} profiles x ${job.segmentCount} segments in ${seconds.toFixed(1)} s ` +
        `= ${Math.round(job.processedProfiles / seconds).toLocaleString('en')} profiles/s; ${job.realized.toLocaleString('en')} realized, ${job.exited.toLocaleString('en')} exited`,
    );
  }
}

async function streaming(
  ownTopics: SegmentationTopics,
  infra: { kafkaBrokers: string[]; schemaRegistryUrl: string },
  flagSegmentId: string,
): Promise<void> {
  const client = new MessagingClient({ clientId: uniqueName('bench-segmentation'), brokers: infra.kafkaBrokers, schemaRegistryUrl: infra.schemaRegistryUrl });
  await client.connect();
  const latencies: number[] = [];
  const total = RATE * SECONDS;
  const sentAts = new Float64Array(total);
  let received = 0;
  let allReceived: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allReceived = resolve));
  let warmedUp: () => void = () => undefined;
  const warm = new Promise<void>((resolve) => (warmedUp = resolve));
  const reader = await client.topicConsumer(ownTopics.segmentMembership, {
    groupId: uniqueName('bench-reader'),
    // The topic already holds the batch part's events; the reader measures only what is published from now on.
    fromBeginning: false,
    handle: async (batch) => {
      const at = Date.now();
      for (const m of batch) {
        if (m.data.profileId === 'warmup') warmedUp();
        // Every measured change makes its profile enter this segment once: one latency per change.
        if (m.data.segmentId !== flagSegmentId || m.data.status !== 'realized' || !m.data.profileId.startsWith('s-')) continue;
        const sentAt = sentAts[Number(m.data.profileId.slice(2))];
        if (sentAt !== undefined) latencies.push(at - sentAt);
        if (++received >= total) allReceived();
      }
    },
  });
  await reader.start();
  const change = (i: number, sentAt: number): ProfileChanged => ({
    profileId: `s-${i}`,
    version: 1,
    deleted: false,
    changedPaths: ['bench.on'],
    attributes: JSON.stringify({ bench: { on: true }, person: { age: i % 90 }, homeAddress: { countryISO: 'US' } }),
    identities: [{ namespace: 'Email', id: `s${i}@example.com`, primary: true }],
    events: [],
    flags: [],
    mergePolicyId: 'default',
    updatedAt: sentAt,
  });
  // Warm up the producer path and make sure the reader has joined its group (it starts at the end of the topic, so it
  // must be in place before the measured changes): the warm-up change must come back as a membership event.
  // Each warm-up change flips the flag, so each one changes a membership and sends an event.
  let warmups = 0;
  const warmup = setInterval(() => {
    const on = warmups % 2 === 0;
    const value = { ...change(0, Date.now()), profileId: 'warmup', version: ++warmups, attributes: JSON.stringify({ bench: { on } }) };
    client.publish(ownTopics.profileChanged, [{ key: 'warmup', value }]).catch(() => undefined);
  }, 500);
  try {
    await Promise.race([warm, new Promise((_, reject) => setTimeout(() => reject(new Error('no membership event for the warm-up change within 60 s')), 60_000))]);
  } finally {
    clearInterval(warmup);
  }

  const tickMs = 20;
  const perTick = Math.round((RATE * tickMs) / 1000);
  const sends: Promise<void>[] = [];
  const started = performance.now();
  for (let sent = 0, tick = 0; sent < total; tick++) {
    const due = started + tick * tickMs;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const n = Math.min(perTick, total - sent);
    const at = Date.now();
    sentAts.fill(at, sent, sent + n);
    sends.push(client.publish(ownTopics.profileChanged, Array.from({ length: n }, (_, k) => ({ key: `s-${sent + k}`, value: change(sent + k, at) }))));
    sent += n;
  }
  await Promise.all(sends);
  const publishSeconds = (performance.now() - started) / 1000;
  await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 120_000))]);
  await reader.stop();
  await client.close();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => percentile(latencies, p) ?? NaN;
  console.log(
    `streaming: ${total.toLocaleString('en')} changes published in ${publishSeconds.toFixed(1)} s (${Math.round(total / publishSeconds).toLocaleString('en')}/s); ` +
      `${latencies.length.toLocaleString('en')} of them answered by their membership event; ` +
      `latency change -> membership event p50 ${pct(50)} ms, p95 ${pct(95)} ms, p99 ${pct(99)} ms, max ${latencies.at(-1)} ms`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
