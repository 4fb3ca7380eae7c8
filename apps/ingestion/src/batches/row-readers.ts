import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream';
import type * as Parquet from '@dsnp/parquetjs';
import { parse } from 'csv-parse';
import StreamArray from 'stream-json/streamers/StreamArray';
import StreamValues from 'stream-json/streamers/StreamValues';
import { ingestError, type IngestError } from '../ingest/ingest-codes';

export type BatchFormat = 'csv' | 'json' | 'ndjson' | 'parquet';

/** One source row, 1-based; either a value or why it cannot be read (with its raw text). */
export type SourceRow = { row: number; value: Record<string, unknown>; raw?: undefined; error?: undefined } | { row: number; error: IngestError; raw: string; value?: undefined };

/** Streams the rows of an uploaded file; memory stays bounded by one row (CSV, ndjson, JSON) or one row group (Parquet). */
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

/**
 * A JSON file is an array of documents (or one document, or several in a row), parsed incrementally: only the item
 * being read is in memory. A syntax error ends the file there; the items before it are kept.
 */
async function* readJson(file: string): AsyncGenerator<SourceRow> {
  const { char, offset } = await firstSignificantChar(file);
  const items = pipeline(
    createReadStream(file, { start: offset }),
    char === '[' ? StreamArray.withParser() : StreamValues.withParser(),
    () => undefined, // errors reach the loop below through the destroyed stream
  );
  let row = 0;
  try {
    for await (const { value } of items as AsyncIterable<{ value: unknown }>) {
      row++;
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) yield { row, value: value as Record<string, unknown> };
      else yield { row, raw: JSON.stringify(value), error: ingestError('NOT_AN_OBJECT', `item ${row} is not a JSON object`) };
    }
  } catch (err) {
    yield { row: row + 1, raw: '', error: ingestError('INVALID_JSON', `the file is not valid JSON after item ${row}: ${(err as Error).message}`) };
  }
}

/** The first character that is not whitespace or a byte order mark, and where the JSON text starts. */
async function firstSignificantChar(file: string): Promise<{ char: string | undefined; offset: number }> {
  const handle = await open(file);
  try {
    const { buffer, bytesRead } = await handle.read({ buffer: Buffer.alloc(4096), position: 0 });
    const offset = bytesRead >= 3 && buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
    const char = /\S/.exec(buffer.toString('utf8', offset, bytesRead))?.[0];
    return { char, offset };
  } finally {
    await handle.close();
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

function loadParquet(): typeof Parquet | undefined {
  try {
    // Loaded on first use: the library and its dependencies are large, and most batches are not Parquet.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('@dsnp/parquetjs') as typeof Parquet;
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
  let reader: Awaited<ReturnType<typeof parquet.ParquetReader.openFile>>;
  try {
    reader = await parquet.ParquetReader.openFile(file);
  } catch (err) {
    yield { row: 1, raw: '', error: ingestError('UNSUPPORTED_FORMAT', `the file is not a readable Parquet file: ${(err as Error).message}`) };
    return;
  }
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

/**
 * Parquet values as JSON: 64-bit integers as numbers (as strings beyond 2^53, where a number would lose digits),
 * timestamps as ISO strings, binary as base64; null (an absent optional column) is left out, like an empty CSV cell.
 */
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = plain(v);
    return out;
  }
  return value;
}
