import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { ingestError, type IngestError } from '../ingest/ingest-codes';

export type BatchFormat = 'csv' | 'json' | 'ndjson' | 'parquet';

/** One source row, 1-based; either a value or why it cannot be read (with its raw text). */
export type SourceRow = { row: number; value: Record<string, unknown>; raw?: undefined; error?: undefined } | { row: number; error: IngestError; raw: string; value?: undefined };

/** A JSON (array) file is parsed whole; larger ones should be sent as ndjson, which streams. */
export const MAX_JSON_FILE_BYTES = 256 * 1024 * 1024;

/** Streams the rows of an uploaded file; memory stays bounded by one row (CSV, ndjson) or one row group (Parquet). */
export async function* readRows(file: string, format: BatchFormat): AsyncGenerator<SourceRow> {
  switch (format) {
    case 'csv':
      yield* readCsv(file);
      return;
    case 'ndjson':
      yield* readNdjson(file);
      return;
    case 'json':
      yield* readJson(file);
      return;
    case 'parquet':
      yield* readParquet(file);
      return;
  }
}

async function* readCsv(file: string): AsyncGenerator<SourceRow> {
  const parser = createReadStream(file).pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, trim: false }));
  let header: string[] | undefined;
  let row = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (!header) {
        header = record;
        continue;
      }
      row++;
      if (record.length !== header.length) {
        yield {
          row,
          raw: record.join(','),
          error: ingestError('CSV_RAGGED_ROW', `row ${row} has ${record.length} columns, the header has ${header.length}`),
        };
        continue;
      }
      const value: Record<string, unknown> = {};
      for (let i = 0; i < header.length; i++) value[header[i]] = record[i];
      yield { row, value };
    }
  } catch (err) {
    // csv-parse cannot go on after a syntax error (an unclosed quote swallows the rest), so the file ends here.
    yield { row: row + 1, raw: '', error: ingestError('CSV_PARSE', `the CSV cannot be read past row ${row}: ${(err as Error).message}`) };
  }
}

async function* readNdjson(file: string): AsyncGenerator<SourceRow> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let row = 0;
  for await (const line of lines) {
    if (!line.trim()) continue;
    row++;
    yield parseJsonRow(row, line);
  }
}

async function* readJson(file: string): AsyncGenerator<SourceRow> {
  const { size } = await stat(file);
  if (size > MAX_JSON_FILE_BYTES) {
    yield { row: 1, raw: '', error: ingestError('INVALID_JSON', `a json file may be at most ${MAX_JSON_FILE_BYTES} bytes; send larger files as ndjson`) };
    return;
  }
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(file, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    yield { row: 1, raw: text.slice(0, 10_000), error: ingestError('INVALID_JSON', `the file is not valid JSON: ${(err as Error).message}`) };
    return;
  }
  const items = Array.isArray(parsed) ? parsed : [parsed];
  for (let i = 0; i < items.length; i++) {
    const item: unknown = items[i];
    if (typeof item === 'object' && item !== null && !Array.isArray(item)) yield { row: i + 1, value: item as Record<string, unknown> };
    else yield { row: i + 1, raw: JSON.stringify(item), error: ingestError('NOT_AN_OBJECT', `item ${i + 1} is not a JSON object`) };
  }
}

function parseJsonRow(row: number, line: string): SourceRow {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return { row, value: value as Record<string, unknown> };
    return { row, raw: line, error: ingestError('NOT_AN_OBJECT', `line ${row} is not a JSON object`) };
  } catch (err) {
    return { row, raw: line, error: ingestError('INVALID_JSON', `line ${row} is not valid JSON: ${(err as Error).message}`) };
  }
}

interface ParquetModule {
  ParquetReader: {
    openFile(file: string): Promise<{ getCursor(): { next(): Promise<unknown> }; close(): Promise<void> }>;
  };
}

function loadParquet(): ParquetModule | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('@dsnp/parquetjs') as ParquetModule;
  } catch {
    return undefined;
  }
}

async function* readParquet(file: string): AsyncGenerator<SourceRow> {
  const parquet = loadParquet();
  if (!parquet) {
    yield { row: 1, raw: '', error: ingestError('UNSUPPORTED_FORMAT', 'no Parquet reader is installed (@dsnp/parquetjs); send the data as csv or ndjson') };
    return;
  }
  const reader = await parquet.ParquetReader.openFile(file);
  try {
    const cursor = reader.getCursor();
    let row = 0;
    for (let record = await cursor.next(); record; record = await cursor.next()) {
      row++;
      yield { row, value: plain(record) as Record<string, unknown> };
    }
  } finally {
    await reader.close();
  }
}

/** Parquet values as JSON: 64-bit integers as numbers, timestamps as ISO strings, binary as base64. */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}
