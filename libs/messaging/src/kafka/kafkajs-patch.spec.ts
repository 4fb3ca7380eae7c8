// patches/kafkajs+2.2.4.patch rewrites kafkajs's CRC32-C, varint encoding, record buffers and partition grouping for
// speed. These tests hold the patched code to independent reference implementations: the bytes on the wire must not change.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';

const kafkajsRequire = createRequire(require.resolve('kafkajs'));

interface Encoder {
  writeVarInt(value: number): Encoder;
  writeVarLong(value: number | bigint): Encoder;
  buffer: Buffer;
}
interface EncoderClass {
  new (initialSize?: number): Encoder;
  sizeOfVarInt(value: number): number;
  sizeOfVarLong(value: number): number;
}
interface Decoder {
  readVarInt(): number;
  readVarLong(): { toString(): string };
}
interface DecodedRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
  offset: string;
  timestamp: string;
}

const Encoder = kafkajsRequire('./src/protocol/encoder') as EncoderClass;
const Decoder = kafkajsRequire('./src/protocol/decoder') as new (buffer: Buffer) => Decoder;
const crc32C = kafkajsRequire('./src/protocol/recordBatch/crc32C') as (buffer: Buffer) => number;
const encodeRecord = kafkajsRequire('./src/protocol/recordBatch/record/v0') as (record: {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, string | Buffer>;
}) => Encoder;
const decodeRecord = kafkajsRequire('./src/protocol/recordBatch/record/v0/decoder') as (
  decoder: Decoder,
  batchContext: { firstOffset: string; firstTimestamp: string; magicByte: number; isControlBatch: boolean; timestampType: number; maxTimestamp: string },
) => DecodedRecord;
const groupMessagesPerPartition = kafkajsRequire('./src/producer/groupMessagesPerPartition') as (args: {
  topic: string;
  partitionMetadata: unknown[];
  messages: { key: string }[];
  partitioner: (args: { message: { key: string } }) => number;
}) => Record<number, { key: string }[]>;

/** CRC32-C one bit at a time, straight from the definition (reflected polynomial 0x82f63b78). */
function referenceCrc32C(buffer: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of buffer) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** Zig-zag LEB128 of a 64-bit signed value, in BigInt arithmetic. */
function referenceVarLong(value: bigint): Buffer {
  let zigzag = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  const bytes: number[] = [];
  while (zigzag >= 0x80n) {
    bytes.push(Number(zigzag & 0x7fn) | 0x80);
    zigzag >>= 7n;
  }
  bytes.push(Number(zigzag));
  return Buffer.from(bytes);
}

describe('patched kafkajs protocol code', () => {
  it('computes CRC32-C like the bitwise definition, for every length and the standard check value', () => {
    expect(crc32C(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32C(Buffer.alloc(0))).toBe(0);
    for (let length = 0; length < 70; length++) {
      const buffer = randomBytes(length);
      expect(crc32C(buffer)).toBe(referenceCrc32C(buffer));
    }
    const large = randomBytes(100_003);
    expect(crc32C(large)).toBe(referenceCrc32C(large));
  });

  const int32Edges = [0, 1, -1, 63, -64, 64, -65, 8191, 8192, 2 ** 20, -(2 ** 20), 2 ** 30, 2 ** 31 - 1, -(2 ** 31)];

  it('writes varints and varlongs byte for byte as zig-zag LEB128, and reads them back', () => {
    for (const value of int32Edges) {
      const varint = new Encoder().writeVarInt(value).buffer;
      expect(varint).toEqual(referenceVarLong(BigInt(value)));
      expect(Encoder.sizeOfVarInt(value)).toBe(varint.length);
      expect(new Decoder(varint).readVarInt()).toBe(value);
    }
    for (const value of [...int32Edges, 2 ** 31, -(2 ** 31) - 1, 2 ** 40, -(2 ** 40), Number.MAX_SAFE_INTEGER, 1_700_000_000_000]) {
      const varlong = new Encoder().writeVarLong(value).buffer;
      expect(varlong).toEqual(referenceVarLong(BigInt(value)));
      expect(Encoder.sizeOfVarLong(value)).toBe(varlong.length);
      expect(new Decoder(varlong).readVarLong().toString()).toBe(String(value));
    }
  });

  it('encodes records that decode to the same key, value, headers and deltas', () => {
    const cases: { key: Buffer | string | null; value: Buffer | string | null; headers?: Record<string, string | Buffer> }[] = [
      { key: Buffer.from('ECID:42'), value: randomBytes(900), headers: { 'weft-dataset-id': 'web', trace: Buffer.from([0, 255]) } },
      { key: 'string key', value: 'x'.repeat(5_000), headers: {} },
      { key: null, value: null },
    ];
    for (const [i, c] of cases.entries()) {
      const encoded = encodeRecord({ offsetDelta: i * 1000, timestampDelta: i * 70_000, ...c }).buffer;
      const decoder = new Decoder(encoded);
      const length = decoder.readVarInt();
      expect(Encoder.sizeOfVarInt(length) + length).toBe(encoded.length);
      const decoded = decodeRecord(decoder, {
        firstOffset: '5',
        firstTimestamp: '1700000000000',
        magicByte: 2,
        isControlBatch: false,
        timestampType: 0,
        maxTimestamp: '1700000000000',
      });
      expect(decoded.offset).toBe(String(5 + i * 1000));
      expect(decoded.timestamp).toBe(String(1_700_000_000_000 + i * 70_000));
      expect(decoded.key).toEqual(c.key === null ? null : Buffer.from(c.key));
      expect(decoded.value).toEqual(c.value === null ? null : Buffer.from(c.value));
      const headers = Object.fromEntries(Object.entries(c.headers ?? {}).map(([k, v]) => [k, Buffer.from(v)]));
      expect(decoded.headers).toEqual(headers);
    }
  });

  it('groups messages per partition keeping their order', () => {
    const messages = Array.from({ length: 1_000 }, (_, i) => ({ key: String(i) }));
    const grouped = groupMessagesPerPartition({
      topic: 't',
      partitionMetadata: [{}, {}, {}],
      messages,
      partitioner: ({ message }) => Number(message.key) % 3,
    });
    expect(Object.keys(grouped).sort()).toEqual(['0', '1', '2']);
    for (const p of [0, 1, 2]) expect(grouped[p]).toEqual(messages.filter((m) => Number(m.key) % 3 === p));
  });
});
