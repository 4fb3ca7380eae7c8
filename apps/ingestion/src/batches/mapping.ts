import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ingestError, type IngestError } from '../ingest/ingest-codes';

const transform = z.discriminatedUnion('fn', [
  z.strictObject({ fn: z.literal('trim') }),
  z.strictObject({ fn: z.literal('lowercase') }),
  z.strictObject({ fn: z.literal('uppercase') }),
  z.strictObject({ fn: z.literal('sha256') }),
  /** Joins the rule's `sources` (concat is only meaningful first). */
  z.strictObject({ fn: z.literal('concat'), separator: z.string().default('') }),
  /** Splits on `separator`; with `index`, keeps that part, else the array of parts. */
  z.strictObject({ fn: z.literal('split'), separator: z.string().min(1), index: z.number().int().min(0).optional() }),
  z.strictObject({ fn: z.literal('number') }),
  z.strictObject({ fn: z.literal('boolean') }),
  /** Reads a date or date-time: `iso`, `epoch-ms`, `epoch-s`, or a pattern of YYYY MM DD HH mm ss (e.g. `DD/MM/YYYY`). */
  z.strictObject({ fn: z.literal('date'), format: z.string().min(1), output: z.enum(['date-time', 'date']).default('date-time') }),
]);
export type Transform = z.infer<typeof transform>;

const rule = z
  .strictObject({
    /** Dotted XDM path; array items by index, e.g. `identityMap.Email[0].id`. */
    target: z.string().regex(/^[A-Za-z_][\w]*(\[\d+\])?(\.[A-Za-z_][\w]*(\[\d+\])?)*$/, 'a dotted XDM path such as person.name.firstName'),
    /** Source column (CSV) or dotted path (JSON, Parquet). */
    source: z.string().optional(),
    sources: z.array(z.string()).min(1).optional(),
    constant: z.union([z.string(), z.number(), z.boolean()]).optional(),
    transforms: z.array(transform).default([]),
  })
  .refine((r) => [r.source, r.sources, r.constant].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of source, sources or constant',
  });

export const mappingSchema = z.strictObject({ fields: z.array(rule).min(1) });
export type Mapping = z.infer<typeof mappingSchema>;
export type MappingRule = z.infer<typeof rule>;

type Value = string | number | boolean | string[] | null;

/**
 * Builds an XDM document from one source row with the mapping's rules. Empty cells leave their target out; a
 * transform that cannot apply (a number that is not one, a date in another format) is reported with the target path.
 */
export function applyMapping(row: Record<string, unknown>, mapping: Mapping): { doc: Record<string, unknown>; errors: IngestError[] } {
  const doc: Record<string, unknown> = {};
  const errors: IngestError[] = [];
  for (const r of mapping.fields) {
    let value: Value = r.constant !== undefined ? r.constant : r.source !== undefined ? cell(row, r.source) : null;
    let parts: Value[] | undefined = r.sources?.map((s) => cell(row, s));
    if (parts && !r.transforms.some((t) => t.fn === 'concat')) value = parts.find((p) => p !== null) ?? null;
    try {
      for (const t of r.transforms) {
        if (t.fn === 'concat') {
          value = (parts ?? [value]).filter((p) => p !== null && p !== '').join(t.separator);
          parts = undefined;
          continue;
        }
        if (value === null || value === '') break;
        value = applyTransform(t, value);
      }
    } catch (err) {
      errors.push(ingestError('MAPPING_FAILED', `${r.target}: ${(err as Error).message}`, r.target));
      continue;
    }
    if (value === null || value === '') continue;
    setPath(doc, r.target, value);
  }
  return { doc, errors };
}

/** A row whose keys are dotted XDM paths (a CSV without mapping) as a nested document; empty cells are left out. */
export function unflatten(row: Record<string, unknown>): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (value === '' || value === null || value === undefined) continue;
    setPath(doc, key, value);
  }
  return doc;
}

function cell(row: Record<string, unknown>, source: string): Value {
  const v = source in row ? row[source] : getPath(row, source);
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return JSON.stringify(v);
}

function applyTransform(t: Exclude<Transform, { fn: 'concat' }>, value: Exclude<Value, null>): Value {
  const text = Array.isArray(value) ? value.join(',') : String(value);
  switch (t.fn) {
    case 'trim':
      return Array.isArray(value) ? value.map((v) => v.trim()) : text.trim();
    case 'lowercase':
      return Array.isArray(value) ? value.map((v) => v.toLowerCase()) : text.toLowerCase();
    case 'uppercase':
      return Array.isArray(value) ? value.map((v) => v.toUpperCase()) : text.toUpperCase();
    case 'sha256':
      return createHash('sha256').update(text).digest('hex');
    case 'split': {
      const parts = text.split(t.separator);
      return t.index === undefined ? parts : (parts[t.index] ?? null);
    }
    case 'number': {
      const n = typeof value === 'number' ? value : Number(text.trim());
      if (text.trim() === '' || !Number.isFinite(n)) throw new Error(`${JSON.stringify(text)} is not a number`);
      return n;
    }
    case 'boolean': {
      const b = text.trim().toLowerCase();
      if (['true', '1', 'yes', 'y'].includes(b)) return true;
      if (['false', '0', 'no', 'n'].includes(b)) return false;
      throw new Error(`${JSON.stringify(text)} is not a boolean (true/false, 1/0, yes/no)`);
    }
    case 'date': {
      const ms = parseDate(text.trim(), t.format);
      if (ms === undefined) throw new Error(`${JSON.stringify(text)} is not a date in format ${t.format}`);
      const iso = new Date(ms).toISOString();
      return t.output === 'date' ? iso.slice(0, 10) : iso;
    }
  }
}

function parseDate(text: string, format: string): number | undefined {
  if (format === 'iso') {
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? undefined : ms;
  }
  if (format === 'epoch-ms' || format === 'epoch-s') {
    const n = Number(text);
    if (!Number.isFinite(n) || text === '') return undefined;
    return format === 'epoch-s' ? n * 1000 : n;
  }
  const tokens = ['YYYY', 'MM', 'DD', 'HH', 'mm', 'ss'] as const;
  const order: string[] = [];
  const source = format.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/YYYY|MM|DD|HH|mm|ss/g, (token) => {
    order.push(token);
    return token === 'YYYY' ? '(\\d{4})' : '(\\d{1,2})';
  });
  const match = new RegExp(`^${source}$`).exec(text);
  if (!match) return undefined;
  const part = Object.fromEntries(tokens.map((t) => [t, 0])) as Record<(typeof tokens)[number], number>;
  order.forEach((token, i) => (part[token as (typeof tokens)[number]] = Number(match[i + 1])));
  const ms = Date.UTC(part.YYYY, (part.MM || 1) - 1, part.DD || 1, part.HH, part.mm, part.ss);
  const back = new Date(ms);
  if (back.getUTCDate() !== (part.DD || 1) || back.getUTCMonth() !== (part.MM || 1) - 1) return undefined;
  return ms;
}

function getPath(obj: Record<string, unknown>, path: string): unknown {
  let node: unknown = obj;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** Sets `a.b[0].c` in `doc`, creating objects and arrays on the way. */
export function setPath(doc: Record<string, unknown>, path: string, value: unknown): void {
  const steps: (string | number)[] = [];
  for (const segment of path.split('.')) {
    const m = /^([^[\]]+)(?:\[(\d+)\])?$/.exec(segment);
    if (!m) {
      steps.push(segment);
      continue;
    }
    steps.push(m[1]);
    if (m[2] !== undefined) steps.push(Number(m[2]));
  }
  let node: Record<string | number, unknown> = doc;
  for (let i = 0; i < steps.length - 1; i++) {
    const step = steps[i];
    const nextIsIndex = typeof steps[i + 1] === 'number';
    let child = node[step];
    if (typeof child !== 'object' || child === null) {
      child = nextIsIndex ? [] : {};
      node[step] = child;
    }
    node = child as Record<string | number, unknown>;
  }
  node[steps[steps.length - 1]] = value;
}
