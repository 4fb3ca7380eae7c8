import { readWireHeader, writeWire } from './avro-serde';
import { PermanentMessageError } from '../errors';

describe('Confluent wire format', () => {
  it('round-trips the schema id and body', () => {
    const sut = writeWire(0x01020304, Buffer.from('body'));
    expect(sut.subarray(0, 5)).toEqual(Buffer.from([0, 1, 2, 3, 4]));
    expect(readWireHeader(sut)).toEqual({ schemaId: 0x01020304, body: Buffer.from('body') });
  });

  it('refuses bytes without the magic byte as a permanent error', () => {
    expect(() => readWireHeader(Buffer.from('{"json":true}'))).toThrow(PermanentMessageError);
    expect(() => readWireHeader(Buffer.from([0, 1]))).toThrow(/not in Confluent wire format/);
  });
});

describe('AvroSerde registration', () => {
  it('registers schemas with their field defaults so the registry can judge evolution', async () => {
    const { Type } = await import('avsc');
    const { AvroSerde } = await import('./avro-serde');
    const registered: unknown[] = [];
    const sut = new AvroSerde({ register: async (_s: string, schema: unknown) => (registered.push(schema), 7) } as never);
    const type = Type.forSchema({
      type: 'record',
      name: 'R',
      fields: [{ name: 'note', type: ['null', 'string'], default: null }],
    });
    const encoder = await sut.encoderFor('r-value', type);
    expect(encoder.schemaId).toBe(7);
    expect(registered[0]).toMatchObject({ fields: [{ name: 'note', default: null }] });
  });
});

describe('AvroSerde encoding and decoding', () => {
  const registryOf = (schemas: Record<number, unknown>) =>
    ({
      register: async () => 1,
      getSchemaById: async (id: number) => JSON.stringify(schemas[id]),
    }) as never;

  it('round-trips values of any size through the wire format, synchronously once the schema is cached', async () => {
    const { Type } = await import('avsc');
    const { AvroSerde } = await import('./avro-serde');
    const type = Type.forSchema({ type: 'record', name: 'R', fields: [{ name: 's', type: 'string' }, { name: 'n', type: 'long' }] });
    const sut = new AvroSerde(registryOf({ 1: type.schema() }));
    const encoder = await sut.encoderFor<{ s: string; n: number }>('r-value', type);
    for (const value of [{ s: '', n: 0 }, { s: 'é'.repeat(100_000), n: -5 }, { s: 'x', n: 2 ** 40 }]) {
      const wire = encoder.encode(value);
      expect(wire.subarray(0, 5)).toEqual(Buffer.from([0, 0, 0, 0, 1]));
      expect(await sut.decode(wire, type)).toEqual(value);
      expect(sut.decode(wire, type)).toEqual(value);
    }
    expect(() => encoder.encode({ s: 1 } as never)).toThrow(/invalid/);
  });

  it('keeps every encoded value intact while later values are encoded, across slabs', async () => {
    const { Type } = await import('avsc');
    const { AvroSerde } = await import('./avro-serde');
    const type = Type.forSchema({ type: 'record', name: 'R', fields: [{ name: 's', type: 'string' }, { name: 'n', type: 'long' }] });
    const sut = new AvroSerde(registryOf({ 1: type.schema() }));
    const encoder = await sut.encoderFor<{ s: string; n: number }>('r-value', type);
    // Sizes from a few bytes to more than a slab, so values end slabs, start new ones, and outgrow them.
    const values = Array.from({ length: 2_000 }, (_, n) => ({ s: String(n).repeat(n % 7 === 0 ? n * 10 : n % 50), n }));
    const wires = values.map((v) => encoder.encode(v));
    expect(await Promise.all(wires.map((w) => sut.decode(w, type)))).toEqual(values);
  });

  it('reads an older writer schema in the reader shape, filling defaults and dropping removed fields', async () => {
    const { Type } = await import('avsc');
    const { AvroSerde, writeWire } = await import('./avro-serde');
    const writer = Type.forSchema({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }, { name: 'gone', type: 'string' }] });
    const reader = Type.forSchema({
      type: 'record',
      name: 'R',
      fields: [{ name: 'a', type: 'int' }, { name: 'added', type: 'string', default: 'd' }],
    });
    const sut = new AvroSerde(registryOf({ 9: writer.schema() }));
    const wire = writeWire(9, writer.toBuffer({ a: 3, gone: 'x' }));
    expect(await sut.decode(wire, reader)).toEqual({ a: 3, added: 'd' });
    expect(await sut.decode(wire)).toEqual({ a: 3, gone: 'x' });
  });

  it('refuses truncated bodies and trailing bytes as permanent errors naming the schema id', async () => {
    const { Type } = await import('avsc');
    const { AvroSerde, writeWire } = await import('./avro-serde');
    const type = Type.forSchema({ type: 'record', name: 'R', fields: [{ name: 's', type: 'string' }] });
    const sut = new AvroSerde(registryOf({ 4: type.schema() }));
    const body = type.toBuffer({ s: 'hello' });
    await expect(async () => sut.decode(writeWire(4, body.subarray(0, 3)), type)).rejects.toThrow(PermanentMessageError);
    await expect(async () => sut.decode(writeWire(4, body.subarray(0, 3)), type)).rejects.toThrow(/schema id 4: truncated/);
    await expect(async () => sut.decode(writeWire(4, Buffer.concat([body, Buffer.from([1])])), type)).rejects.toThrow(/trailing data/);
  });
});
