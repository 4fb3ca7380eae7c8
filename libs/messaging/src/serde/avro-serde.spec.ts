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
