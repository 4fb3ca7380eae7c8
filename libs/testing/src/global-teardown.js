// Stops what global-setup.js started: the test schema registry (and drops its schema) and any containers.
/** Deletes the topics of this run's catalog prefix (and the dead-letter topics of its consumer groups). */
async function deleteRunTopics(prefix) {
  if (!prefix || !process.env.KAFKA_BROKERS) return;
  const { Kafka, logLevel } = require('kafkajs');
  const admin = new Kafka({ clientId: 'weft-test-teardown', brokers: process.env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING }).admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((t) => t.includes(prefix));
    if (topics.length) await admin.deleteTopics({ topics, timeout: 30_000 });
  } catch (err) {
    process.stderr.write(`could not delete this run's topics: ${err.message}\n`);
  } finally {
    await admin.disconnect();
  }
}

module.exports = async function globalTeardown() {
  const registry = globalThis.__WEFT_REGISTRY__;
  if (registry) {
    registry.child.kill('SIGTERM');
    await new Promise((resolve) => {
      if (registry.child.exitCode !== null) return resolve();
      const timer = setTimeout(() => {
        registry.child.kill('SIGKILL');
        resolve();
      }, 5000);
      registry.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    if (registry.throwaway) {
      const { Client } = require('pg');
      const client = new Client({ connectionString: process.env.DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS "${registry.schema}" CASCADE`);
      await client.end();
    }
  }
  await deleteRunTopics(globalThis.__WEFT_TOPIC_PREFIX__);
  for (const container of globalThis.__WEFT_CONTAINERS__ ?? []) await container.stop();
};

module.exports.deleteRunTopics = deleteRunTopics;
