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
