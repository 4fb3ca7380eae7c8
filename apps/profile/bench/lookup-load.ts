// Load generator of the profile benchmark's lookup part, run as a process of its own (forked by profile.bench.ts)
// so that issuing requests and reading answers does not share the service's event loop.
//
// Input (message from the parent): the service URL, API key, profile count and the runs to make:
//  - { kind: 'open', rate, seconds }: open loop — requests are sent on a fixed schedule whatever the answers do;
//    each latency is taken from the time the request was due, so time spent waiting for the client itself or for a
//    free connection counts (no coordinated omission); two seconds at the rate go first, unrecorded;
//  - { kind: 'sql', rate, seconds }: the same open loop of the service's lookup statement sent straight to Postgres,
//    to tell the database's share of the latency from the service's;
//  - { kind: 'closed', concurrency, requests }: closed loop — `concurrency` clients each send the next request as
//    soon as the previous one is answered: the throughput at saturation, and latencies that are mostly queueing.
// Output: one message per run with its percentiles, achieved rate and non-200 count. LOOKUP_TRACE=1 also prints,
// per open-loop run, the worst latency of each 250 ms of schedule (to stderr).
import { Pool } from 'pg';
import { Agent, request } from 'undici';
import { PROFILE_BY_IDENTITY_SQL } from '../src/profiles/profiles.service';

export type LookupRun =
  | { kind: 'open'; rate: number; seconds: number }
  | { kind: 'closed'; concurrency: number; requests: number }
  /** Open loop of the service's lookup statement sent straight to Postgres (no HTTP, no service): the database's share. */
  | { kind: 'sql'; rate: number; seconds: number };

export interface LookupLoadInput {
  url: string;
  apiKey: string;
  databaseUrl: string;
  schema: string;
  profiles: number;
  warmup: number;
  runs: LookupRun[];
}

export interface LookupRunResult {
  run: LookupRun;
  requests: number;
  seconds: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  nonOk: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const trace: [number, number][] = [];

/**
 * Sends `total` requests at `rate` per second on a fixed schedule, whatever the answers do, and reports each one's
 * latency from the time it was due.
 */
async function openLoop(send: () => Promise<void>, rate: number, total: number, done: (due: number, ms: number) => void): Promise<void> {
  const started = performance.now();
  const interval = 1000 / rate;
  const inFlight: Promise<void>[] = [];
  let sent = 0;
  while (sent < total) {
    const now = performance.now();
    // Every request due by now goes out; the timer below wakes the loop when the next one is due.
    while (sent < total && started + sent * interval <= now) {
      const due = started + sent * interval;
      inFlight.push(send().then(() => done(due, performance.now() - due)));
      sent++;
    }
    if (sent < total) await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + sent * interval - performance.now())));
  }
  await Promise.all(inFlight);
}

async function main(input: LookupLoadInput): Promise<void> {
  const dispatcher = new Agent({ connections: 64, pipelining: 1 });
  let nonOk = 0;
  const lookup = async (): Promise<void> => {
    const g = 1 + Math.floor(Math.random() * input.profiles);
    const res = await request(`${input.url}/v1/profiles?namespace=Email&id=${encodeURIComponent(`load${g}@example.com`)}`, {
      headers: { 'x-api-key': input.apiKey },
      dispatcher,
    });
    await res.body.text();
    if (res.statusCode !== 200) nonOk++;
  };
  for (let i = 0; i < input.warmup; i++) await lookup();
  // Same pool size and session settings as the service's ProfileDb.
  const pool = new Pool({
    connectionString: input.databaseUrl,
    max: 20,
    options: `-c search_path="${input.schema.replace(/"/g, '""')}" -c jit=off`,
  });
  const sqlLookup = async (): Promise<void> => {
    const g = 1 + Math.floor(Math.random() * input.profiles);
    const { rows } = await pool.query({ name: 'profile-by-identity', text: PROFILE_BY_IDENTITY_SQL, values: ['Email', `load${g}@example.com`] });
    if (rows.length !== 1) nonOk++;
  };

  for (const run of input.runs) {
    const send = run.kind === 'sql' ? sqlLookup : lookup;
    if (run.kind !== 'closed') {
      // Two seconds at the same rate first, not recorded: the connections (client's and service's pool) grow to
      // what this load needs before it is measured.
      await openLoop(send, run.rate, run.rate * 2, () => undefined);
    }
    nonOk = 0;
    const latencies: number[] = [];
    const started = performance.now();
    if (run.kind !== 'closed') {
      await openLoop(send, run.rate, Math.round(run.rate * run.seconds), (due, ms) => {
        latencies.push(ms);
        if (process.env['LOOKUP_TRACE']) trace.push([due - started, ms]);
      });
    } else {
      let issued = 0;
      await Promise.all(
        Array.from({ length: run.concurrency }, async () => {
          while (issued < run.requests) {
            issued++;
            const t = performance.now();
            await lookup();
            latencies.push(performance.now() - t);
          }
        }),
      );
    }
    if (trace.length) {
      const buckets = new Map<number, number>();
      for (const [at, ms] of trace) buckets.set(Math.floor(at / 250), Math.max(buckets.get(Math.floor(at / 250)) ?? 0, ms));
      console.error([...buckets].map(([b, ms]) => `${b * 250}:${ms.toFixed(0)}`).join(' '));
      trace.length = 0;
    }
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const result: LookupRunResult = {
      run,
      requests: latencies.length,
      seconds,
      p50: percentile(latencies, 50),
      p90: percentile(latencies, 90),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1],
      nonOk,
    };
    process.send?.(result);
  }
  await dispatcher.close();
  await pool.end();
}

process.once('message', (input: LookupLoadInput) => {
  main(input).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
});
