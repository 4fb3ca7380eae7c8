import { Client } from 'pg';

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/** Creates the database named in `url` and `schema` inside it when they are missing (safe to run concurrently). */
export async function ensureDatabaseAndSchema(url: string, schema?: string): Promise<void> {
  const target = new URL(url);
  const database = decodeURIComponent(target.pathname.slice(1)) || 'postgres';
  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';
  const admin = new Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await admin.query(`CREATE DATABASE ${quote(database)}`).catch(ignoreDuplicate);
  } finally {
    await admin.end();
  }
  if (!schema) return;
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quote(schema)}`).catch(ignoreDuplicate);
  } finally {
    await client.end();
  }
}

function ignoreDuplicate(err: { code?: string }): void {
  // 42P04 duplicate database, 23505/42P06 a concurrent CREATE SCHEMA IF NOT EXISTS.
  if (err.code !== '42P04' && err.code !== '23505' && err.code !== '42P06') throw err;
}
