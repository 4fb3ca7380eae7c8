import type { Type } from 'avsc';
import { xdmContracts } from './contracts';
import { fromAvro, toAvro } from './convert';
import { parseAvroSchema } from './logical-types';
import { xdmReaderFor } from './xdm-reader';
import { normalizeXdm } from '../json/normalize';
import { loadExample } from '../../test/examples';

/** What the Kafka inlet did before the reader existed: avsc's value, then fromAvro. */
function reference(type: Type, body: Buffer): { value?: unknown; error?: unknown } {
  try {
    return { value: fromAvro(type, type.fromBuffer(body)) };
  } catch (error) {
    return { error };
  }
}

function read(type: Type, body: Buffer): { value?: unknown; error?: unknown } {
  try {
    return { value: xdmReaderFor(type)(body) };
  } catch (error) {
    return { error };
  }
}

/** Same value with the same key order (the payload is the JSON text), or both refuse the bytes. */
function expectSameAsReference(type: Type, body: Buffer): void {
  const expected = reference(type, body);
  const actual = read(type, body);
  if (expected.error) {
    expect(actual.error).toBeInstanceOf(Error);
  } else {
    expect(actual.error).toBeUndefined();
    expect(JSON.stringify(actual.value)).toBe(JSON.stringify(expected.value));
  }
}

/** Deterministic pseudo-random numbers (mulberry32), so a failing case can be reproduced. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const everything = parseAvroSchema({
  type: 'record',
  name: 'Everything',
  namespace: 'test',
  fields: [
    { name: 'flag', type: 'boolean' },
    { name: 'small', type: 'int' },
    { name: 'big', type: 'long' },
    { name: 'ratio', type: 'float' },
    { name: 'precise', type: 'double' },
    { name: 'text', type: 'string' },
    { name: 'blob', type: 'bytes' },
    { name: 'hash', type: { type: 'fixed', name: 'Hash', size: 4 } },
    { name: 'color', type: { type: 'enum', name: 'Color', symbols: ['red', 'green', 'blue'] } },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'born', type: ['null', { type: 'int', logicalType: 'date' }], default: null },
    { name: 'maybe', type: ['null', 'string'], default: null },
    { name: 'tags', type: { type: 'array', items: ['null', 'string'] } },
    { name: 'scores', type: { type: 'map', values: ['null', 'double'] } },
    { name: 'stamps', type: { type: 'map', values: { type: 'array', items: { type: 'long', logicalType: 'timestamp-millis' } } } },
    {
      name: 'child',
      type: ['null', { type: 'record', name: 'Node', fields: [{ name: 'label', type: 'string' }, { name: 'next', type: ['null', 'Node'], default: null }] }],
      default: null,
    },
  ],
});

const sample = {
  flag: true,
  small: -42,
  big: 2 ** 40 + 7,
  ratio: 1.5,
  precise: -0.1,
  text: 'héllo, wörld ✓',
  blob: Buffer.from([0, 1, 2, 250]),
  hash: Buffer.from('abcd'),
  color: 'blue',
  at: Date.UTC(2026, 0, 2, 3, 4, 5, 6),
  born: 7_000,
  maybe: null,
  tags: ['a', null, 'c'],
  scores: { x: 1, y: null, '10': 2 },
  stamps: { first: [0, 1_700_000_000_000], empty: [] },
  child: { label: 'one', next: { label: 'two', next: null } },
};

describe(xdmReaderFor.name, () => {
  it('reads every Avro type as fromAvro converts avsc values: nulls left out of records, instants and dates as ISO strings, bytes as base64', () => {
    const body = everything.toBuffer(sample);

    const value = xdmReaderFor(everything)(body);

    expect(value).toEqual({
      flag: true,
      small: -42,
      big: 2 ** 40 + 7,
      ratio: 1.5,
      precise: -0.1,
      text: 'héllo, wörld ✓',
      blob: 'AAEC+g==',
      hash: 'YWJjZA==',
      color: 'blue',
      at: '2026-01-02T03:04:05.006Z',
      born: '1989-03-02',
      tags: ['a', null, 'c'],
      scores: { x: 1, y: null, '10': 2 },
      stamps: { first: ['1970-01-01T00:00:00.000Z', '2023-11-14T22:13:20.000Z'], empty: [] },
      child: { label: 'one', next: { label: 'two' } },
    });
    expectSameAsReference(everything, body);
  });

  it.each([
    ['experienceevent.example.1.json', 'experienceEvent'],
    ['experienceevent.example.2.json', 'experienceEvent'],
    ['experienceevent.example.3.json', 'experienceEvent'],
    ['profile.example.1.json', 'individualProfile'],
    ['profile-consents.example.1.json', 'individualProfile'],
    ['profile-work-details.example.1.json', 'individualProfile'],
    ['commerce.example.1.json', 'commerce'],
    ['productlistitem.example.1.json', 'productListItem'],
  ] as const)('reads the public XDM example %s (as %s) like avsc + fromAvro', (file, contract) => {
    const { type } = xdmContracts[contract];
    const { value } = toAvro(type, normalizeXdm(loadExample(file)), { unknownFields: 'drop' });

    expectSameAsReference(type, type.toBuffer(value));
  });

  it('reads arrays and maps written in several blocks, with and without byte sizes', () => {
    const type = parseAvroSchema({ type: 'record', name: 'Blocks', fields: [{ name: 'xs', type: { type: 'array', items: 'int' } }, { name: 'm', type: { type: 'map', values: 'int' } }] });
    // xs: a block of 2 items (1, 2), a block of -1 items with byte size 1 (3), end; m: {a: 5}, end.
    const body = Buffer.from([4, 2, 4, 1, 1, 6, 0, 2, 2, 0x61, 10, 0]);

    expect(xdmReaderFor(type)(body)).toEqual({ xs: [1, 2, 3], m: { a: 5 } });
    expectSameAsReference(type, body);
  });

  it('refuses truncated bodies, trailing bytes, bad union and enum indexes and longs beyond 2^53', () => {
    const body = everything.toBuffer(sample);
    const reader = xdmReaderFor(everything);

    for (let end = 0; end < body.length; end++) expect(() => reader(body.subarray(0, end))).toThrow();
    expect(() => reader(Buffer.concat([body, Buffer.from([0])]))).toThrow('trailing data');
    const union = parseAvroSchema({ type: 'record', name: 'U', fields: [{ name: 'u', type: ['null', 'string'] }] });
    expect(() => xdmReaderFor(union)(Buffer.from([4]))).toThrow('invalid union index: 2');
    const color = parseAvroSchema({ type: 'enum', name: 'Color', symbols: ['red'] });
    expect(() => xdmReaderFor(color)(Buffer.from([2]))).toThrow('invalid Color enum index: 1');
    const long = parseAvroSchema('long');
    expect(() => xdmReaderFor(long)(Buffer.from([0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]))).toThrow('potential precision loss');
    const array = parseAvroSchema({ type: 'array', items: 'string' });
    expect(() => xdmReaderFor(array)(Buffer.from([0xfe, 0xff, 0xff, 0x7f]))).toThrow('truncated buffer');
  });

  // Only in this direction: on garbage block counts avsc itself can loop for a very long time.
  it('reads randomly damaged bodies it accepts exactly as avsc + fromAvro does', () => {
    const next = random(20_260_101);
    const bodies = [everything.toBuffer(sample), everything.toBuffer({ ...sample, child: null, tags: [], scores: {}, born: null, maybe: 'x' })];
    let accepted = 0;
    for (let round = 0; round < 3_000; round++) {
      const body = Buffer.from(bodies[round % bodies.length]);
      const flips = 1 + Math.floor(next() * 3);
      for (let f = 0; f < flips; f++) body[Math.floor(next() * body.length)] = Math.floor(next() * 256);
      const actual = read(everything, body);
      if (actual.error) continue;
      expect(JSON.stringify(actual.value)).toBe(JSON.stringify(reference(everything, body).value));
      accepted++;
    }
    expect(accepted).toBeGreaterThan(100);
  });

  it('leaves unions of several non-null branches and wrapped unions to avsc + fromAvro', () => {
    const several = parseAvroSchema({ type: 'record', name: 'S', fields: [{ name: 'v', type: ['null', 'string', { type: 'long', logicalType: 'timestamp-millis' }] }] });
    const wrapped = parseAvroSchema({
      type: 'record',
      name: 'W',
      fields: [{ name: 'v', type: [{ type: 'record', name: 'A', fields: [{ name: 'a', type: 'int' }] }, { type: 'record', name: 'B', fields: [{ name: 'b', type: 'int' }] }] }],
    });

    expectSameAsReference(several, Buffer.from([4, 2]));
    expectSameAsReference(wrapped, wrapped.toBuffer({ v: { B: { b: 3 } } }));
  });
});
