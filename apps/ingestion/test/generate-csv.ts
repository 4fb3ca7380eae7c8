import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** 38-digit ECID for row `i`. */
export function ecidFor(i: number): string {
  return String(i).padStart(38, '1');
}

/**
 * Writes a CSV of web events (id-less rows: ids come from the batch) with columns
 * ts, ecid, email, page, views; `bad(i)` picks rows written wrong (views not a number).
 */
export async function writeEventsCsv(file: string, rows: number, bad: (i: number) => boolean = () => false): Promise<void> {
  const out = createWriteStream(file);
  out.write('ts,ecid,email,page,views\n');
  for (let i = 1; i <= rows; i++) {
    const line = `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}Z,${ecidFor(i)}, User${i}@Example.com ,page-${i % 97},${bad(i) ? 'many' : i % 5}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

export const EVENTS_CSV_MAPPING = {
  fields: [
    { target: 'timestamp', source: 'ts', transforms: [{ fn: 'date', format: 'iso' }] },
    { target: 'identityMap.ECID[0].id', source: 'ecid' },
    { target: 'identityMap.Email[0].id', source: 'email', transforms: [{ fn: 'trim' }, { fn: 'lowercase' }] },
    { target: 'web.webPageDetails.name', source: 'page' },
    { target: 'web.webPageDetails.pageViews.value', source: 'views', transforms: [{ fn: 'number' }] },
    { target: 'eventType', constant: 'web.webpagedetails.pageViews' },
  ],
};
