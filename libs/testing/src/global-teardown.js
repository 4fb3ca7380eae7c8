// Stops what global-setup.js started: the test schema registry (and drops its schema) and any containers.
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
    const { Client } = require('pg');
    const client = new Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${registry.schema}" CASCADE`);
    await client.end();
  }
  for (const container of globalThis.__WEFT_CONTAINERS__ ?? []) await container.stop();
};
