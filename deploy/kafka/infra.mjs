// Helpers for kafka.sh that need a real client rather than a port probe.
//
//   node infra.mjs wait-kafka <brokers> <pid> <timeoutSeconds>
//     Exits 0 once the broker answers a metadata request with a live broker and
//     controller, 2 if process <pid> dies first, 1 on timeout.
//   node infra.mjs ensure-database <postgres-url>
//     Creates the database named in the URL when it does not exist yet.
import process from 'node:process';
import { setTimeout as delay } from 'node:timers/promises';
import kafkajs from 'kafkajs';
import pg from 'pg';

const [command, ...args] = process.argv.slice(2);

switch (command) {
  case 'wait-kafka':
    process.exitCode = await waitKafka(args[0], Number(args[1]), Number(args[2]));
    break;
  case 'ensure-database':
    await ensureDatabase(args[0]);
    break;
  default:
    console.error(`usage: infra.mjs wait-kafka <brokers> <pid> <timeoutSeconds> | ensure-database <url>`);
    process.exitCode = 64;
}

async function waitKafka(brokers, pid, timeoutSeconds) {
  const kafka = new kafkajs.Kafka({
    clientId: 'weft-infra',
    brokers: brokers.split(','),
    connectionTimeout: 1000,
    requestTimeout: 2000,
    retry: { retries: 0 },
    logLevel: kafkajs.logLevel.NOTHING,
  });
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 2;
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length > 0 && cluster.controller !== null) return 0;
    } catch {
      // Not listening yet, or still catching up on its metadata log.
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await delay(200);
  }
  return 1;
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

async function ensureDatabase(url) {
  const target = new URL(url);
  const database = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!database) throw new Error(`DATABASE_URL names no database: ${url}`);
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const client = new pg.Client({ connectionString: maintenance.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (rowCount) return;
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
    console.log(`postgres: created database ${database}`);
  } catch (error) {
    // Another `up` created it between the check and the CREATE.
    if (error.code !== '42P04' && error.code !== '23505') throw error;
  } finally {
    await client.end();
  }
}
