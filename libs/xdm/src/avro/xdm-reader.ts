import type { Type, types } from 'avsc';
import { fromAvro } from './convert';

/** Reads one Avro body (no wire header) written with a known schema into plain XDM JSON; throws on bytes that do not fit. */
export type XdmReader = (body: Buffer) => unknown;

/**
 * A reader that decodes an Avro body straight into plain XDM JSON, giving exactly what
 * `fromAvro(type, type.fromBuffer(body))` gives (null record fields left out, timestamp-millis as ISO 8601 UTC,
 * date as `YYYY-MM-DD`, bytes and fixed as base64), without building avsc's value first: one object tree per
 * message instead of two. Compiled once per type. Types it does not cover (wrapped unions, unions of several
 * non-null branches, arrays or maps of zero-width items) are read by avsc and converted with fromAvro.
 */
export function xdmReaderFor(type: Type): XdmReader {
  let reader = readers.get(type);
  if (!reader) {
    const compiled = covers(type, new Set()) ? compileRoot(type) : undefined;
    reader = compiled ?? ((body) => fromAvro(type, type.fromBuffer(body)));
    readers.set(type, reader);
  }
  return reader;
}

const readers = new WeakMap<Type, XdmReader>();

/** Node's Buffer keeps the slicing methods `toString` dispatches to; calling them directly skips its argument checks. */
type SlicingBuffer = Buffer & { utf8Slice(start: number, end: number): string };

const EMPTY = Buffer.alloc(0) as SlicingBuffer;

// The message being read. Readers are synchronous, so one cursor serves every call.
let buf: SlicingBuffer = EMPTY;
let pos = 0;

const DAY_MS = 86_400_000;
// avsc's bound for longs it reads without losing precision.
const SAFE_LONG = 9007199254740990;

class TruncatedError extends Error {
  constructor() {
    super('truncated buffer');
  }
}

/** Zig-zag varint, the way avsc's Tap.readLong reads it (floating point beyond 28 bits). */
function readLong(): number {
  let n = 0;
  let k = 0;
  let b: number;
  let h: number;
  do {
    b = buf[pos++];
    h = b & 0x80;
    n |= (b & 0x7f) << k;
    k += 7;
  } while (h && k < 28);
  if (h) {
    let f = n;
    let fk = 268435456;
    do {
      b = buf[pos++];
      f += (b & 0x7f) * fk;
      fk *= 128;
    } while (b & 0x80);
    return (f % 2 ? -(f + 1) : f) / 2;
  }
  return (n >> 1) ^ -(n & 1);
}

function readSafeLong(): number {
  const n = readLong();
  if (!(n >= -SAFE_LONG && n <= SAFE_LONG)) throw new Error('potential precision loss');
  return n;
}

/** Start of the next `len` bytes, which must be in the buffer. */
function take(len: number): number {
  if (len < 0) throw new TruncatedError();
  const start = pos;
  pos += len;
  if (pos > buf.length) throw new TruncatedError();
  return start;
}

function readString(): string {
  const start = take(readLong());
  return buf.utf8Slice(start, pos);
}

/** Items of the next block of an array or map; 0 at the end. */
function blockCount(): number {
  let n = readLong();
  if (n < 0) {
    n = -n;
    readLong(); // byte size of the block
  }
  // Every item takes at least one byte (zero-width items are left to avsc), so a count beyond the bytes left is garbage.
  if (n > buf.length - pos) throw new TruncatedError();
  return n;
}

type Read = () => unknown;

function compileRoot(type: Type): XdmReader {
  const read = readerOf(type, new Map());
  return (body) => {
    buf = body as SlicingBuffer;
    pos = 0;
    try {
      const value = read();
      if (pos > body.length) throw new TruncatedError();
      if (pos < body.length) throw new Error('trailing data');
      return value;
    } finally {
      buf = EMPTY;
    }
  };
}

function readerOf(type: Type, compiled: Map<Type, Read>): Read {
  const known = compiled.get(type);
  if (known) return known;
  // Placeholder first: a recursive type reaches itself while being compiled.
  compiled.set(type, () => read());
  const read = compile(type, compiled);
  compiled.set(type, read);
  return read;
}

function compile(type: Type, compiled: Map<Type, Read>): Read {
  switch (type.typeName) {
    case 'null':
      return () => null;
    case 'boolean':
      return () => !!buf[pos++];
    case 'int':
      return readLong;
    case 'long':
      return readSafeLong;
    case 'float':
      return () => {
        const start = pos;
        pos += 4;
        return pos > buf.length ? 0 : buf.readFloatLE(start);
      };
    case 'double':
      return () => {
        const start = pos;
        pos += 8;
        return pos > buf.length ? 0 : buf.readDoubleLE(start);
      };
    case 'string':
      return readString;
    case 'bytes':
      return () => {
        const start = take(readLong());
        return buf.toString('base64', start, pos);
      };
    case 'fixed': {
      const size = (type as types.FixedType).size;
      return () => {
        const start = take(size);
        return buf.toString('base64', start, pos);
      };
    }
    case 'logical:timestamp-millis':
      return () => new Date(readSafeLong()).toISOString();
    case 'logical:date':
      return () => new Date(readLong() * DAY_MS).toISOString().slice(0, 10);
    case 'enum': {
      const { symbols, name } = type as types.EnumType;
      return () => {
        const index = readLong();
        const symbol = symbols[index];
        if (symbol === undefined) throw new Error(`invalid ${name ?? 'enum'} enum index: ${index}`);
        return symbol;
      };
    }
    case 'array': {
      const items = readerOf((type as types.ArrayType).itemsType, compiled);
      return () => {
        let n = blockCount();
        if (n === 0) return [];
        const out: unknown[] = new Array<unknown>(n);
        let i = 0;
        for (; n !== 0; n = blockCount()) {
          while (n-- > 0) out[i++] = items();
        }
        return out;
      };
    }
    case 'map': {
      const values = readerOf((type as types.MapType).valuesType as Type, compiled);
      return () => {
        const out: Record<string, unknown> = {};
        for (let n = blockCount(); n !== 0; n = blockCount()) {
          while (n-- > 0) {
            const key = readString();
            out[key] = values();
          }
        }
        return out;
      };
    }
    case 'union:unwrapped': {
      const branches = (type as unknown as { types: Type[] }).types.map((b) => readerOf(b, compiled));
      return () => {
        const index = readLong();
        const branch = branches[index];
        if (branch === undefined) throw new Error(`invalid union index: ${index}`);
        return branch();
      };
    }
    case 'record':
    case 'error':
      return compileRecord(type as types.RecordType, compiled);
    default:
      throw new Error(`no XDM reader for Avro type ${type.typeName}`);
  }
}

/**
 * A record reader generated as code, as avsc does: each field gets its own property store (a loop storing varying
 * names would be megamorphic), and a `[null, T]` union field reads its branch index inline, since most XDM fields
 * of a message are absent.
 */
function compileRecord(type: types.RecordType, compiled: Map<Type, Read>): Read {
  const args: Read[] = [];
  const lines: string[] = ['const out = {};', 'let v;', 'let i;'];
  for (const field of type.fields) {
    const name = JSON.stringify(field.name);
    const union = nullableBranch(field.type);
    if (union) {
      const r = `r${args.length}`;
      args.push(readerOf(union.branch, compiled));
      lines.push(
        'i = readLong();',
        `if (i === ${union.valueIndex}) out[${name}] = ${r}();`,
        `else if (i !== ${union.nullIndex}) throw new Error('invalid union index: ' + i);`,
      );
    } else {
      const r = `r${args.length}`;
      args.push(readerOf(field.type, compiled));
      lines.push(`v = ${r}();`, `if (v !== null) out[${name}] = v;`);
    }
  }
  lines.push('return out;');
  const names = args.map((_, i) => `r${i}`);
  // Field names are quoted with JSON.stringify; only the schema shapes the code.
  const factory = new Function('readLong', ...names, `return function read${safeName(type.name)}() {\n${lines.join('\n')}\n};`) as (
    ...readers: Read[]
  ) => Read;
  return factory(readLong, ...args);
}

/** For a `[null, T]` or `[T, null]` union: T and where each sits. */
function nullableBranch(type: Type): { branch: Type; nullIndex: number; valueIndex: number } | undefined {
  if (type.typeName !== 'union:unwrapped') return undefined;
  const branches = (type as unknown as { types: Type[] }).types;
  if (branches.length !== 2) return undefined;
  const nullIndex = branches.findIndex((b) => b.typeName === 'null');
  if (nullIndex < 0 || branches[1 - nullIndex].typeName === 'null') return undefined;
  return { branch: branches[1 - nullIndex], nullIndex, valueIndex: 1 - nullIndex };
}

function safeName(name: string | undefined): string {
  return (name ?? 'Record').replace(/[^A-Za-z0-9_]/g, '_');
}

/** Whether every part of `type` is something the compiled reader reads exactly as avsc + fromAvro would. */
function covers(type: Type, seen: Set<Type>): boolean {
  if (seen.has(type)) return true;
  seen.add(type);
  switch (type.typeName) {
    case 'null':
    case 'boolean':
    case 'int':
    case 'long':
    case 'float':
    case 'double':
    case 'string':
    case 'bytes':
    case 'fixed':
    case 'enum':
    case 'logical:timestamp-millis':
    case 'logical:date':
      return true;
    case 'array': {
      const items = (type as types.ArrayType).itemsType;
      return minWidth(items, new Set()) > 0 && covers(items, seen);
    }
    case 'map': {
      const values = (type as types.MapType).valuesType as Type;
      return covers(values, seen);
    }
    case 'union:unwrapped': {
      // fromAvro converts a union's value with its first non-null branch, so only [null, T] unions read the same.
      const branches = (type as unknown as { types: Type[] }).types;
      return branches.filter((b) => b.typeName !== 'null').length <= 1 && branches.every((b) => covers(b, seen));
    }
    case 'record':
    case 'error':
      return (type as types.RecordType).fields.every((f) => covers(f.type, seen));
    default:
      return false;
  }
}

/** Fewest bytes a value of `type` takes (recursive types count as one byte, since they need a branch or a count). */
function minWidth(type: Type, seen: Set<Type>): number {
  if (seen.has(type)) return 1;
  switch (type.typeName) {
    case 'null':
      return 0;
    case 'fixed':
      return (type as types.FixedType).size;
    case 'record':
    case 'error': {
      seen.add(type);
      let width = 0;
      for (const f of (type as types.RecordType).fields) width += minWidth(f.type, seen);
      seen.delete(type);
      return width;
    }
    default:
      return 1;
  }
}
