import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';

const quote = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/**
 * The service's schema, quoted for raw SQL: the TypeORM connection does not set search_path, so migrations and raw
 * statements qualify every table (`queryRunner.connection` in a migration).
 */
export function quotedSchema(dataSource: DataSource): string {
  return quote((dataSource.options as PostgresConnectionOptions).schema ?? 'public');
}

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
