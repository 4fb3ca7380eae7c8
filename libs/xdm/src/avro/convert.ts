import type { Type, types } from 'avsc';
import { childPath, XdmValidationError, type XdmIssue } from '../errors';

export interface ToAvroOptions {
  /**
   * What to do with a JSON field the Avro schema has no field for: `reject` (default) reports it as an
   * issue; `drop` leaves it out and lists its path in the result, so nothing disappears unnoticed.
   */
  readonly unknownFields?: 'reject' | 'drop';
}

export interface ToAvroResult<T> {
  readonly value: T;
  /** Paths of the JSON fields left out because the schema has no field for them. */
  readonly dropped: readonly string[];
}

// RFC 3339 date-time with a zone (Z or an offset): the form XDM uses for date-time fields.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/**
 * Turns a plain XDM JSON value (as normalizeXdm returns it) into the value avsc encodes with `type`:
 * date-time strings become epoch milliseconds for timestamp-millis, `YYYY-MM-DD` becomes days for date,
 * absent optional fields take their defaults. Throws XdmValidationError listing every broken rule.
 */
export function toAvro<T = unknown>(type: Type, json: unknown, options: ToAvroOptions = {}): ToAvroResult<T> {
  const issues: XdmIssue[] = [];
  const dropped: string[] = [];
  const value = convertTo(type, json, '', { issues, dropped, dropUnknown: options.unknownFields === 'drop' });
  if (issues.length > 0) throw new XdmValidationError(issues);
  return { value: value as T, dropped };
}

interface ToContext {
  readonly issues: XdmIssue[];
  readonly dropped: string[];
  readonly dropUnknown: boolean;
}

function convertTo(type: Type, json: unknown, path: string, ctx: ToContext): unknown {
  const mismatch = (expected: string) => {
    ctx.issues.push({ path, code: 'typeMismatch', message: `expected ${expected}, got ${describe(json)}` });
    return undefined;
  };
  switch (type.typeName) {
    case 'null':
      return json === null ? null : mismatch('null');
    case 'boolean':
      return typeof json === 'boolean' ? json : mismatch('a boolean');
    case 'int':
      return Number.isInteger(json) && (json as number) >= -(2 ** 31) && (json as number) < 2 ** 31
        ? json
        : mismatch('a 32-bit integer');
    case 'long':
      return Number.isSafeInteger(json) ? json : mismatch('an integer');
    case 'float':
    case 'double':
      return typeof json === 'number' && Number.isFinite(json) ? json : mismatch('a number');
    case 'string':
      return typeof json === 'string' ? json : mismatch('a string');
    case 'bytes':
      return Buffer.isBuffer(json) ? json : mismatch('bytes');
    case 'logical:timestamp-millis':
      return toTimestampMillis(json, path, ctx);
    case 'logical:date':
      return toDateDays(json, path, ctx);
    case 'enum': {
      const symbols = (type as types.EnumType).symbols;
      if (typeof json === 'string' && symbols.includes(json)) return json;
      ctx.issues.push({
        path,
        code: 'invalidEnum',
        message: `expected one of ${symbols.join(', ')}, got ${describe(json)}`,
      });
      return undefined;
    }
    case 'array': {
      if (!Array.isArray(json)) return mismatch('an array');
      const items = (type as types.ArrayType).itemsType;
      return json.map((item, i) => convertTo(items, item, childPath(path, i), ctx));
    }
    case 'map': {
      if (!isPlainObject(json)) return mismatch('an object');
      const values = (type as types.MapType).valuesType as Type;
      return Object.fromEntries(
        Object.entries(json).map(([key, v]) => [key, convertTo(values, v, childPath(path, key), ctx)]),
      );
    }
    case 'union:unwrapped': {
      const branches = (type as unknown as { types: Type[] }).types;
      const nullable = branches.some((b) => b.typeName === 'null');
      if (json === null || json === undefined) {
        return nullable ? null : mismatch(branches.map((b) => b.typeName).join(' or '));
      }
      const others = branches.filter((b) => b.typeName !== 'null');
      if (others.length !== 1) throw new Error(`unions other than [null, T] are not supported (at ${path})`);
      return convertTo(others[0], json, path, ctx);
    }
    case 'record':
    case 'error':
      return recordTo(type as types.RecordType, json, path, ctx);
    default:
      throw new Error(`no XDM JSON conversion for Avro type ${type.typeName} (at ${path})`);
  }
}

function recordTo(type: types.RecordType, json: unknown, path: string, ctx: ToContext): unknown {
  if (!isPlainObject(json)) {
    ctx.issues.push({ path, code: 'typeMismatch', message: `expected an object, got ${describe(json)}` });
    return undefined;
  }
  const known = new Set(type.fields.map((f) => f.name));
  for (const key of Object.keys(json)) {
    if (known.has(key) || json[key] === undefined) continue;
    if (ctx.dropUnknown) ctx.dropped.push(childPath(path, key));
    else
      ctx.issues.push({
        path: childPath(path, key),
        code: 'unknownField',
        message: `${type.name} has no field ${key}`,
      });
  }
  const out: Record<string, unknown> = {};
  for (const field of type.fields) {
    const fieldPath = childPath(path, field.name);
    const value = json[field.name];
    if (value === undefined) {
      const fallback = field.defaultValue();
      if (fallback === undefined) {
        ctx.issues.push({ path: fieldPath, code: 'missingField', message: `${field.name} is required` });
      } else {
        out[field.name] = fallback;
      }
      continue;
    }
    out[field.name] = convertTo(field.type, value, fieldPath, ctx);
  }
  return out;
}

function toTimestampMillis(json: unknown, path: string, ctx: ToContext): number | undefined {
  if (Number.isSafeInteger(json)) return json as number;
  if (typeof json === 'string' && DATE_TIME.test(json)) {
    const millis = Date.parse(json);
    if (!Number.isNaN(millis)) return millis;
  }
  ctx.issues.push({
    path,
    code: 'invalidTimestamp',
    message: `expected an RFC 3339 date-time with a zone or epoch milliseconds, got ${describe(json)}`,
  });
  return undefined;
}

function toDateDays(json: unknown, path: string, ctx: ToContext): number | undefined {
  if (Number.isInteger(json)) return json as number;
  const match = typeof json === 'string' ? DATE.exec(json) : null;
  if (match) {
    const [year, month, day] = match.slice(1).map(Number);
    const millis = Date.UTC(year, month - 1, day);
    const back = new Date(millis);
    if (back.getUTCMonth() === month - 1 && back.getUTCDate() === day) return millis / DAY_MS;
  }
  ctx.issues.push({
    path,
    code: 'invalidDate',
    message: `expected a YYYY-MM-DD date, got ${describe(json)}`,
  });
  return undefined;
}

/**
 * Turns a value avsc decoded with `type` back into plain XDM JSON: null optional fields are left out,
 * timestamp-millis becomes an ISO 8601 UTC string, date becomes `YYYY-MM-DD`, bytes become base64.
 * The conversion is compiled once per type into nested closures, so a message costs no type dispatch.
 */
export function fromAvro(type: Type, value: unknown): unknown {
  return converterFor(type)(value);
}

type Convert = (value: unknown) => unknown;

const converters = new WeakMap<Type, Convert>();
const unchanged: Convert = (value) => value;

function converterFor(type: Type): Convert {
  let convert = converters.get(type);
  if (!convert) {
    // Placeholder first: a recursive type reaches itself while being compiled.
    converters.set(type, (value) => converterFor(type)(value));
    convert = compile(type);
    converters.set(type, convert);
  }
  return convert;
}

function compile(type: Type): Convert {
  switch (type.typeName) {
    case 'logical:timestamp-millis':
      return (value) => new Date(value as number).toISOString();
    case 'logical:date':
      return (value) => new Date((value as number) * DAY_MS).toISOString().slice(0, 10);
    case 'bytes':
    case 'fixed':
      return (value) => (value as Buffer).toString('base64');
    case 'array': {
      const items = converterFor((type as types.ArrayType).itemsType);
      return items === unchanged ? unchanged : (value) => (value as unknown[]).map(items);
    }
    case 'map': {
      const values = converterFor((type as types.MapType).valuesType as Type);
      if (values === unchanged) return unchanged;
      return (value) => {
        const out: Record<string, unknown> = {};
        for (const key in value as Record<string, unknown>) out[key] = values((value as Record<string, unknown>)[key]);
        return out;
      };
    }
    case 'union:unwrapped': {
      // Only [null, T] unions are generated, so the one non-null branch holds the value.
      const branch = converterFor((type as unknown as { types: Type[] }).types.find((b) => b.typeName !== 'null')!);
      return (value) => (value === null ? null : branch(value));
    }
    case 'record':
    case 'error': {
      const fields = (type as types.RecordType).fields.map((field) => ({ name: field.name, convert: converterFor(field.type) }));
      return (value) => {
        const out: Record<string, unknown> = {};
        for (const { name, convert } of fields) {
          const v = (value as Record<string, unknown>)[name];
          if (v !== null && v !== undefined) out[name] = convert(v);
        }
        return out;
      };
    }
    default:
      return unchanged;
  }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}
