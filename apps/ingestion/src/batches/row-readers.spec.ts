import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { uniqueIdentifier } from '@weft/testing';
import { writeCustomersParquet } from '../../test/generate-parquet';
import { readRows, type BatchFormat, type SourceRow } from './row-readers';


const dir = join('tmp', 'ingestion-test', uniqueIdentifier('rows'));
mkdirSync(dir, { recursive: true });

async function rowsOf(name: string, format: BatchFormat, content?: string): Promise<SourceRow[]> {
  const file = join(dir, name);
  if (content !== undefined) writeFileSync(file, content);
  const rows: SourceRow[] = [];
  for await (const row of readRows(file, format)) rows.push(row);
  return rows;
}

const errorOf = (row: SourceRow) => (row.error ? [row.row, row.error.code] : [row.row, 'ok']);

describe(readRows.name, () => {
  describe('json', () => {
    it('reads an array item by item, reporting items that are not objects', async () => {
      const sut = await rowsOf('array.json', 'json', '\uFEFF [ {"_id": "a", "tags": [1, {"x": null}]}, 7, {"_id": "b"}, [1] ]');
      expect(sut).toEqual([
        { row: 1, value: { _id: 'a', tags: [1, { x: null }] } },
        { row: 2, raw: '7', error: expect.objectContaining({ code: 'NOT_AN_OBJECT', message: 'item 2 is not a JSON object' }) },
        { row: 3, value: { _id: 'b' } },
        { row: 4, raw: '[1]', error: expect.objectContaining({ code: 'NOT_AN_OBJECT' }) },
      ]);
    });

    it('reads a single document', async () => {
      expect(await rowsOf('one.json', 'json', '{"_id": "solo", "n": 1.5}\n')).toEqual([{ row: 1, value: { _id: 'solo', n: 1.5 } }]);
    });

    it('keeps the items before a syntax error and reports the error as the next row', async () => {
      const sut = await rowsOf('broken.json', 'json', '[{"_id": "a"}, {"_id": "b"}, {"_id": ');
      expect(sut.map(errorOf)).toEqual([
        [1, 'ok'],
        [2, 'ok'],
        [3, 'INVALID_JSON'],
      ]);
      expect(sut[2].error?.message).toMatch(/^the file is not valid JSON after item 2: /);
    });

    it('streams a large array one item at a time', async () => {
      const count = 20_000;
      const items = Array.from({ length: count }, (_, i) => JSON.stringify({ _id: `r${i}`, pad: 'x'.repeat(200) }));
      writeFileSync(join(dir, 'large.json'), `[${items.join(',\n')}]`);
      let seen = 0;
      let last: SourceRow | undefined;
      for await (const row of readRows(join(dir, 'large.json'), 'json')) {
        seen++;
        last = row;
      }
      expect(seen).toBe(count);
      expect(last).toEqual({ row: count, value: { _id: `r${count - 1}`, pad: 'x'.repeat(200) } });
    });
  });

  describe('parquet', () => {
    it('reads rows written by ParquetWriter as JSON values, leaving absent optional columns out', async () => {
      await writeCustomersParquet(join(dir, 'customers.parquet'), [
        { customer_id: 'c1', email: 'Ann@Example.com', points: 10, redeemed: 2.5, signed_up: new Date('2026-01-02T03:04:05Z'), first_name: 'Ann' },
        { customer_id: 'c2', email: 'bob@example.com', points: 2n ** 60n + 1n, redeemed: 0, signed_up: new Date('2026-02-03T04:05:06.789Z') },
      ]);
      expect(await rowsOf('customers.parquet', 'parquet')).toEqual([
        { row: 1, value: { customer_id: 'c1', email: 'Ann@Example.com', points: 10, redeemed: 2.5, signed_up: '2026-01-02T03:04:05.000Z', first_name: 'Ann' } },
        { row: 2, value: { customer_id: 'c2', email: 'bob@example.com', points: '1152921504606846977', redeemed: 0, signed_up: '2026-02-03T04:05:06.789Z' } },
      ]);
    });

    it('reports a file that is not Parquet', async () => {
      expect((await rowsOf('fake.parquet', 'parquet', 'customer_id,email\n')).map(errorOf)).toEqual([[1, 'UNSUPPORTED_FORMAT']]);
    });
  });
});
