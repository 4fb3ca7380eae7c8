import type { DataSource } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';

/** The service's schema, quoted for raw SQL (the connection does not set search_path). */
export function quotedSchema(dataSource: DataSource): string {
  const schema = (dataSource.options as PostgresConnectionOptions).schema ?? 'public';
  return `"${schema.replace(/"/g, '""')}"`;
}
