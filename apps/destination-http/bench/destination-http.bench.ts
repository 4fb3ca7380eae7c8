// Benchmark of the HTTP destination: memberships delivered per second to a local HTTP sink with batches of 100,
// and end-to-end latency from membership publish to delivery at a steady 1,000 events/s.
// Run: npm run bench:destination-http   (BENCH_PROFILES, BENCH_RATE, BENCH_SECONDS override the sizes)
import { MessagingClient, type TopicContract } from '@weft/messaging';
import { createService } from '@weft/platform';
import { benchInfra, uniqueName, withClient, percentile } from '@weft/testing';
import { topics, type ProfileChanged, type SegmentMembership } from '@weft/xdm';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { destinationHttpServiceOptions } from '../src/app.module';

const PROFILES = Number(process.env['BENCH_PROFILES'] ?? 50_000);
const RATE = Number(process.env['BENCH_RATE'] ?? 1_000);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 15);
const API_KEY = 'bench-key';

interface Sink {
  url: string;
  arrivals: Map<string, number>;
  /** Ids still expected; each arrival removes its id, so waiting for a phase costs O(1) per check. */
  expected: Set<string>;
  requests: number;
  close(): Promise<void>;
}

/** Counts profiles by their `bench` identity, once per idempotency key. */
async function startSink(): Promise<Sink> {
  const arrivals = new Map<string, number>();
  const keys = new Set<string>();
  const sink = { arrivals, expected: new Set<string>(), requests: 0 } as Sink;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      sink.requests++;
      const key = String(req.headers['idempotency-key']);
      if (!keys.has(key)) {
        keys.add(key);
        for (const doc of JSON.parse(Buffer.concat(chunks).toString('utf8')) as { identityMap: { bench: { id: string }[] } }[]) {
          arrivals.set(doc.identityMap.bench[0].id, at);
          sink.expected.delete(doc.identityMap.bench[0].id);
        }
      }
      res.writeHead(200).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  sink.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return sink;
}


async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 5));
  }
  return true;
}

function event(profileId: string, segmentId: string): SegmentMembership {
  return {
    profileId,
    segmentId,
    status: 'realized',
    lastQualificationTime: Date.now(),
    identities: [{ namespace: 'bench', id: profileId }],
    version: 1,
    attributes: JSON.stringify({ person: { name: { firstName: 'Bench' } }, personalEmail: { address: `${profileId}@example.com` } }),
  };
}

async function main(): Promise<void> {
  const infra = await benchInfra();
  const schema = uniqueName('destination_http_bench').replace(/[^a-z0-9_]/gi, '_').toLowerCase();
  await withClient(infra.databaseUrl, (c) => c.query(`CREATE SCHEMA "${schema}"`));
  Object.assign(process.env, {
    DATABASE_SCHEMA: schema,
    WEFT_API_KEYS: API_KEY,
    WEFT_SECRETS_KEY: Buffer.alloc(32, 1).toString('base64'),
    SCHEMA_REGISTRY_URL: infra.schemaRegistryUrl,
    PORT: '0',
    LOG_LEVEL: 'warn',
    INGESTION_URL: 'http://127.0.0.1:9',
  });
  const ownTopics = {
    segmentMembership: { ...(topics.segmentMembership as TopicContract<SegmentMembership>), name: uniqueName('bench.segment.membership') },
    profileChanged: { ...(topics.profileChanged as TopicContract<ProfileChanged>), name: uniqueName('bench.profile.changed') },
  };
  const app = await createService(destinationHttpServiceOptions({ name: uniqueName('destination-http-bench'), topics: ownTopics }));
  await app.init();
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  const api = async (path: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'x-api-key': API_KEY, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { id: string };
  };
  const sink = await startSink();
  const connection = await api('/v1/connections', {
    name: 'bench sink',
    endpoint: sink.url,
    delivery: { maxBatchProfiles: 100, maxBatchWaitMs: 50, concurrency: 8 },
  });
  const segmentId = randomUUID();
  await api('/v1/dataflows', {
    name: 'bench',
    connectionId: connection.id,
    segmentIds: [segmentId],
    marketingActions: ['emailTargeting'],
    consentChannel: 'email',
    mapping: [
      { source: 'person.name.firstName', target: 'firstName' },
      { source: 'personalEmail.address', target: 'email' },
    ],
  });
  const client = new MessagingClient({ clientId: uniqueName('bench-producer'), brokers: infra.kafkaBrokers, schemaRegistryUrl: infra.schemaRegistryUrl });
  await client.connect();
  const publish = (ids: string[]) => client.publish(ownTopics.segmentMembership, ids.map((id) => ({ key: id, value: event(id, segmentId) })));

  // Warm-up: consumer group joined, codecs registered, pools open.
  await publish(['warm-up']);
  if (!(await until(() => sink.arrivals.has('warm-up'), 60_000))) throw new Error('warm-up membership was not delivered');

  // 1. Throughput: publish PROFILES memberships as fast as possible; time until the sink has them all.
  const ids = Array.from({ length: PROFILES }, (_, i) => `t-${i}`);
  for (const id of ids) sink.expected.add(id);
  const started = Date.now();
  const publishing = (async () => {
    for (let i = 0; i < ids.length; i += 2_000) await publish(ids.slice(i, i + 2_000));
  })();
  await publishing;
  const published = Date.now();
  const complete = await until(() => sink.expected.size === 0, 300_000);
  const done = Math.max(...ids.map((id) => sink.arrivals.get(id) ?? Date.now()));
  const seconds = (done - started) / 1000;
  console.log(
    `throughput: ${PROFILES} memberships published in ${((published - started) / 1000).toFixed(2)} s, delivered by ${seconds.toFixed(2)} s ` +
      `=> ${Math.round(PROFILES / seconds)} profiles/s delivered (${sink.requests} requests, batches of up to 100)${complete ? '' : ' INCOMPLETE'}`,
  );

  // 2. Latency at a steady RATE events/s for SECONDS seconds: publish -> HTTP delivery, per profile.
  const sentAt = new Map<string, number>();
  const tickMs = 50;
  const perTick = Math.max(1, Math.round((RATE * tickMs) / 1000));
  const ticks = Math.round((SECONDS * 1000) / tickMs);
  const t0 = Date.now();
  for (let tick = 0; tick < ticks; tick++) {
    const wait = t0 + tick * tickMs - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const batch = Array.from({ length: perTick }, (_, i) => `l-${tick}-${i}`);
    const now = Date.now();
    for (const id of batch) {
      sentAt.set(id, now);
      sink.expected.add(id);
    }
    void publish(batch);
  }
  await until(() => sink.expected.size === 0, 60_000);
  const latencies = [...sentAt].map(([id, at]) => (sink.arrivals.get(id) ?? Infinity) - at).sort((a, b) => a - b);
  const lost = latencies.filter((l) => !Number.isFinite(l)).length;
  console.log(
    `latency at ${RATE} events/s for ${SECONDS} s (${latencies.length} events): p50 ${percentile(latencies, 50)} ms, ` +
      `p99 ${percentile(latencies, 99)} ms, max ${latencies[latencies.length - 1 - lost]} ms${lost ? `, ${lost} not delivered` : ''}`,
  );

  await client.close();
  await app.close();
  await sink.close();
  await withClient(infra.databaseUrl, (c) => c.query(`DROP SCHEMA "${schema}" CASCADE`));
  await infra.stop();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
