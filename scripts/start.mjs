// npm start: brings up the whole platform on this machine.
//  1. Kafka + Postgres: KAFKA_BROKERS/DATABASE_URL when given, otherwise `npm run infra:up` (local KRaft broker).
//  2. Every service under apps/ in dependency order (schema registry first); each runs its migrations at boot.
//  3. Demo data (scripts/demo.mjs, when present) once everything is ready; then URLs and the dev API key are printed.
// Ctrl-C stops every service (SIGTERM, so consumers commit and producers flush) and then exits.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEV_API_KEY = process.env.WEFT_API_KEYS?.split(',')[0] ?? 'weft-dev-key';

const services = [
  { name: 'schema-registry', port: 8081 },
  { name: 'ingestion', port: 3001 },
  { name: 'identity', port: 3002 },
  { name: 'profile', port: 3003 },
  { name: 'segmentation', port: 3004 },
  { name: 'destination-http', port: 3010 },
  { name: 'destination-cloud-storage', port: 3011 },
  { name: 'destination-campaign', port: 3012 },
  { name: 'destination-audience-manager', port: 3013 },
].filter((s) => existsSync(path.join(root, 'apps', s.name, 'src/main.ts')));

const colors = [36, 33, 35, 32, 34, 31, 96, 93, 95];
const width = Math.max(...services.map((s) => s.name.length));

function infraEnv() {
  if (process.env.KAFKA_BROKERS && process.env.DATABASE_URL) {
    return { KAFKA_BROKERS: process.env.KAFKA_BROKERS, DATABASE_URL: process.env.DATABASE_URL };
  }
  const up = spawnSync('bash', [path.join(root, 'deploy/kafka/kafka.sh'), 'up'], { stdio: 'inherit', cwd: root });
  if (up.status !== 0) {
    console.error('weft: could not start the local Kafka broker (see above).');
    process.exit(1);
  }
  const env = Object.fromEntries(
    readFileSync(path.join(root, '.infra/env'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return { KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? env.KAFKA_BROKERS, DATABASE_URL: process.env.DATABASE_URL ?? env.DATABASE_URL };
}

function prefixLines(stream, label, color) {
  const rl = readline.createInterface({ input: stream });
  rl.on('line', (line) => {
    let text = line;
    try {
      const entry = JSON.parse(line);
      const level = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' }[entry.level] ?? entry.level;
      text = `${level} ${entry.context ? `[${entry.context}] ` : ''}${entry.msg ?? ''}${entry.err ? ` ${entry.err.message ?? ''}` : ''}`;
    } catch {
      // not a JSON log line: print as is
    }
    process.stdout.write(`\x1b[${color}m${label.padEnd(width)} |\x1b[0m ${text}\n`);
  });
}

async function waitReady(service, child) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${service.name} exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${service.port}/health/ready`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${service.name} did not become ready on port ${service.port}`);
}

const children = [];
let stopping = false;

async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  console.log('\nweft: stopping services...');
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null) return resolve();
          const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
          child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
  process.exit(code);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

const infra = infraEnv();
const common = {
  ...process.env,
  ...infra,
  WEFT_API_KEYS: process.env.WEFT_API_KEYS ?? DEV_API_KEY,
  SCHEMA_REGISTRY_URL: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081',
  KAFKAJS_NO_PARTITIONER_WARNING: '1',
  SWC_NODE_PROJECT: path.join(root, 'tsconfig.base.json'),
};

try {
  for (const [i, service] of services.entries()) {
    const child = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', '-r', '@swc-node/register', path.join(root, 'apps', service.name, 'src/main.ts')], {
      cwd: root,
      env: { ...common, PORT: String(service.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    prefixLines(child.stdout, service.name, colors[i % colors.length]);
    prefixLines(child.stderr, service.name, colors[i % colors.length]);
    child.on('exit', (code) => {
      if (!stopping) {
        console.error(`weft: ${service.name} exited with code ${code}; stopping the platform.`);
        void stopAll(1);
      }
    });
    // The registry must answer before others register their schemas; the rest start in order as well,
    // so that each topic exists before its consumers join.
    await waitReady(service, child);
  }
  const demo = path.join(root, 'scripts/demo.mjs');
  if (existsSync(demo)) {
    const { runDemo } = await import(demo);
    await runDemo({ apiKey: common.WEFT_API_KEYS.split(',')[0] });
  }
  console.log('\nWeft is running:');
  for (const s of services) console.log(`  ${s.name.padEnd(width)}  http://127.0.0.1:${s.port}   (OpenAPI: http://127.0.0.1:${s.port}/docs)`);
  console.log(`  Kafka: ${infra.KAFKA_BROKERS}   Postgres: ${infra.DATABASE_URL}`);
  console.log(`\nAdmin API key (header x-api-key): ${common.WEFT_API_KEYS.split(',')[0]}`);
  console.log('Press Ctrl-C to stop.\n');
} catch (err) {
  console.error(`weft: ${err.message}`);
  await stopAll(1);
}
