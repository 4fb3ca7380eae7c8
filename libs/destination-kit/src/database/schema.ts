export { quotedSchema } from '@weft/platform';

/**
 * Rows of a raw query. TypeORM's Postgres driver answers UPDATE and DELETE with `[rows, rowCount]` but other
 * commands with the rows; this always gives the rows.
 */
export async function queryRows<T>(runner: { query(sql: string, params?: unknown[]): Promise<unknown> }, sql: string, params: unknown[] = []): Promise<T[]> {
  const result = await runner.query(sql, params);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}
