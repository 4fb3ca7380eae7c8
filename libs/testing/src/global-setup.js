// Jest global setup: decides which Kafka broker and Postgres server the integration tests use, in this order:
//   1. KAFKA_BROKERS / DATABASE_URL from the environment;
//   2. the local broker started by `npm run infra:up` (its address is in .infra/env);
//   3. testcontainers, when a Docker engine answers;
// otherwise integration tests fail with one sentence saying what to do (unit tests still run).
// It also starts Weft's schema registry (apps/schema-registry) on a free port unless SCHEMA_REGISTRY_URL is set.
const fs = require('node:fs');
const path = require('node:path');
const net = require('node:net');
const http = require('node:http');
const { spawn } = require('node:child_process');

const root = path.resolve(__dirname, '../../..');

function readInfraEnv() {
  const file = path.join(root, '.infra/env');
  if (!fs.existsSync(file)) return {};
  return Object.fromEntries(
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#') && l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

function tcpReachable(hostPort, timeoutMs = 1500) {
  const [host, port] = hostPort.split(',')[0].trim().split(':');
  return new Promise((resolve) => {
    const socket = net.connect({ host, port: Number(port) });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function postgresHostPort(url) {
  const u = new URL(url);
  return `${u.hostname}:${u.port || 5432}`;
}

function dockerAnswers() {
  const socketPath = process.env.DOCKER_HOST?.startsWith('unix://')
    ? process.env.DOCKER_HOST.slice('unix://'.length)
    : '/var/run/docker.sock';
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path: '/_ping', timeout: 1500 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

async function startContainers() {
  const { KafkaContainer } = require('@testcontainers/kafka');
  const { PostgreSqlContainer } = require('@testcontainers/postgresql');
  const [kafka, postgres] = await Promise.all([
    new KafkaContainer('apache/kafka:3.9.1').withKraft().start(),
    new PostgreSqlContainer('postgres:16').withDatabase('weft').start(),
  ]);
  globalThis.__WEFT_CONTAINERS__ = [kafka, postgres];
  return {
    KAFKA_BROKERS: `${kafka.getHost()}:${kafka.getMappedPort(9093)}`,
    DATABASE_URL: postgres.getConnectionUri(),
  };
}

async function ensureDatabase(url) {
  const { Client } = require('pg');
  const target = new URL(url);
  const dbName = decodeURIComponent(target.pathname.slice(1)) || 'postgres';
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName]);
    if (!rowCount) await client.query(`CREATE DATABASE "${dbName.replace(/"/g, '""')}"`);
  } catch (err) {
    if (err.code !== '42P04') throw err; // created concurrently
  } finally {
    await client.end();
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function waitForHttp(url, timeoutMs, child, logFile) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    const ok = await new Promise((resolve) => {
      http
        .get(url, (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        })
        .on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n') : '';
  throw new Error(`The schema registry did not become ready at ${url}. Last log lines:\n${tail}`);
}

/**
 * Starts apps/schema-registry on a free port. Tests give it a throwaway Postgres schema (their topics are throwaway
 * too); benchmarks pass the registry's standard schema, so the ids they write into shared topics mean the same
 * schemas to a platform started later with `npm start` on the same broker.
 */
async function startSchemaRegistry(env, schema = `registry_test_${process.pid}_${Date.now().toString(36)}`) {
  const main = path.join(root, 'apps/schema-registry/src/main.ts');
  if (!fs.existsSync(main)) return undefined;
  const port = await freePort();
  const logFile = path.join(root, 'tmp', `schema-registry-test-${port}.log`);
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const out = fs.openSync(logFile, 'w');
  const child = spawn(process.execPath, ['-r', '@swc-node/register', main], {
    cwd: root,
    env: {
      ...process.env,
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_SCHEMA: schema,
      LOG_LEVEL: 'warn',
      WEFT_API_KEYS: process.env.WEFT_API_KEYS ?? 'test-key',
      SWC_NODE_PROJECT: path.join(root, 'tsconfig.base.json'),
    },
    stdio: ['ignore', out, out],
  });
  globalThis.__WEFT_REGISTRY__ = { child, schema, throwaway: schema.startsWith('registry_test_') };
  await waitForHttp(`http://127.0.0.1:${port}/health/ready`, 60_000, child, logFile);
  return `http://127.0.0.1:${port}`;
}

async function globalSetup() {
  const infra = readInfraEnv();
  let env = {
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? infra.KAFKA_BROKERS,
    DATABASE_URL: process.env.DATABASE_URL ?? infra.DATABASE_URL,
  };
  const reachable =
    env.KAFKA_BROKERS &&
    env.DATABASE_URL &&
    (await tcpReachable(env.KAFKA_BROKERS)) &&
    (await tcpReachable(postgresHostPort(env.DATABASE_URL)));
  if (!reachable) {
    if (!process.env.KAFKA_BROKERS && (await dockerAnswers())) {
      env = await startContainers();
    } else {
      process.env.WEFT_INFRA_ERROR =
        `Kafka (${env.KAFKA_BROKERS ?? 'KAFKA_BROKERS unset'}) or Postgres (${env.DATABASE_URL ?? 'DATABASE_URL unset'}) ` +
        'is not reachable and no Docker engine answers: run `npm run infra:up` first (or set KAFKA_BROKERS and DATABASE_URL).';
      return;
    }
  }
  await ensureDatabase(env.DATABASE_URL);
  Object.assign(process.env, env);
  // Services under test use the catalog's topic names behind a per-run prefix, so a test run never reads (or leaves
  // data in) the topics of a platform started with `npm start` on the same broker, nor those of an earlier run.
  if (!process.env.WEFT_TOPIC_PREFIX) process.env.WEFT_TOPIC_PREFIX = `test-${Date.now().toString(36)}.`;
  globalThis.__WEFT_TOPIC_PREFIX__ = process.env.WEFT_TOPIC_PREFIX;
  if (!process.env.SCHEMA_REGISTRY_URL) {
    const url = await startSchemaRegistry(env);
    if (url) process.env.SCHEMA_REGISTRY_URL = url;
  }
};

module.exports = globalSetup;
module.exports.readInfraEnv = readInfraEnv;
module.exports.startSchemaRegistry = startSchemaRegistry;
