import { Type, type Schema } from 'avsc';
import { PermanentMessageError } from '../errors';
import type { SchemaRegistryClient } from './registry-client';

const MAGIC_BYTE = 0;
const HEADER_LENGTH = 5;

/** Splits a Confluent wire-format message (magic byte 0, 4-byte big-endian schema id, Avro body). */
export function readWireHeader(buffer: Buffer): { schemaId: number; body: Buffer } {
  if (buffer.length < HEADER_LENGTH || buffer[0] !== MAGIC_BYTE) {
    throw new PermanentMessageError(
      'avro_wire_format',
      `not in Confluent wire format: expected magic byte 0 and a 4-byte schema id, got ${buffer.length} bytes starting ${buffer.subarray(0, 5).toString('hex')}`,
    );
  }
  return { schemaId: buffer.readUInt32BE(1), body: buffer.subarray(HEADER_LENGTH) };
}

export function writeWire(schemaId: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(HEADER_LENGTH + body.length);
  out[0] = MAGIC_BYTE;
  out.writeUInt32BE(schemaId, 1);
  body.copy(out, HEADER_LENGTH);
  return out;
}

/** Values are encoded side by side into slabs of this size and handed out as views (no copy per value). */
const SLAB_BYTES = 64 * 1024;

/** Encodes values of one Avro type with the id the registry gave its schema. */
export class AvroEncoder<T> {
  /**
   * Each value is written (header, then body) at `offset` of the current slab and returned as a view of it; a slab
   * is replaced, never reused, once full, so earlier views keep their bytes. A view keeps its slab alive: at most
   * SLAB_BYTES per retained value, like Node's own 8 KiB pool for small buffers.
   */
  private slab: Buffer = Buffer.allocUnsafe(SLAB_BYTES);
  private offset = 0;

  constructor(
    readonly schemaId: number,
    readonly type: Type,
  ) {}

  encode(value: T): Buffer {
    if (this.slab.length - this.offset < 2 * HEADER_LENGTH) this.newSlab(SLAB_BYTES);
    let start = this.offset;
    let end = this.writeAt(value, start);
    if (end < 0) {
      // avsc reports how many bytes were missing as a negative end: the value goes at the start of a new slab.
      this.newSlab(Math.max(SLAB_BYTES, 2 * (this.slab.length - start - end)));
      start = 0;
      end = this.writeAt(value, 0);
    }
    this.offset = end;
    return this.slab.subarray(start, end);
  }

  private writeAt(value: T, start: number): number {
    this.slab[start] = MAGIC_BYTE;
    this.slab.writeUInt32BE(this.schemaId, start + 1);
    return this.type.encode(value, this.slab, start + HEADER_LENGTH);
  }

  private newSlab(size: number): void {
    this.slab = Buffer.allocUnsafe(size);
    this.offset = 0;
  }
}

type Decode = (buffer: Buffer) => unknown;

/**
 * Avro serde in Confluent wire format. Writer schemas are fetched from the registry by id once and cached with
 * their parsed types. Each (writer schema, reader type) pair gets one cached decoder: the reader type itself when
 * both have the same canonical form (the common case, no resolution needed), else avsc's writer→reader resolver.
 */
export class AvroSerde {
  private readonly writerTypes = new Map<number, Promise<Type>>();
  /** Decoders ready for the synchronous fast path: by reader type (or none, for the writer's own shape), then schema id. */
  private readonly decoders = new Map<Type | null, Map<number, Decode>>();

  constructor(private readonly registry: SchemaRegistryClient) {}

  /** Registers `schema` under `subject` and returns an encoder for it. */
  async encoderFor<T>(subject: string, schema: Schema | Type): Promise<AvroEncoder<T>> {
    const type = Type.isType(schema) ? (schema as Type) : Type.forSchema(schema as Schema);
    // exportAttrs keeps field defaults, aliases and logical types: the registry needs defaults to judge evolution.
    const id = await this.registry.register(subject, type.schema({ exportAttrs: true }));
    return new AvroEncoder<T>(id, type);
  }

  async writerType(schemaId: number): Promise<Type> {
    let type = this.writerTypes.get(schemaId);
    if (!type) {
      type = this.registry.getSchemaById(schemaId).then((text) => Type.forSchema(JSON.parse(text) as Schema));
      type.catch(() => this.writerTypes.delete(schemaId));
      this.writerTypes.set(schemaId, type);
    }
    return type;
  }

  /**
   * Decodes a wire-format message. With `readerType`, the value is read in the reader's shape (schema evolution);
   * bytes that are not valid Avro for their schema raise a PermanentMessageError.
   */
  decode<T = unknown>(buffer: Buffer, readerType?: Type): T | Promise<T> {
    const schemaId = readSchemaId(buffer);
    const decode = this.decoders.get(readerType ?? null)?.get(schemaId);
    if (decode) return decode(buffer) as T;
    return this.decodeSlow<T>(schemaId, buffer, readerType ?? null);
  }

  private async decodeSlow<T>(schemaId: number, buffer: Buffer, readerType: Type | null): Promise<T> {
    const writer = await this.writerType(schemaId);
    let byId = this.decoders.get(readerType);
    if (!byId) this.decoders.set(readerType, (byId = new Map()));
    let decode = byId.get(schemaId);
    if (!decode) {
      decode = decoderFor(schemaId, writer, readerType);
      byId.set(schemaId, decode);
    }
    return decode(buffer) as T;
  }
}

function readSchemaId(buffer: Buffer): number {
  if (buffer.length < HEADER_LENGTH || buffer[0] !== MAGIC_BYTE) readWireHeader(buffer);
  return buffer.readUInt32BE(1);
}

function decoderFor(schemaId: number, writer: Type, reader: Type | null): Decode {
  const type = reader ?? writer;
  const resolver = reader && !reader.equals(writer) ? reader.createResolver(writer) : undefined;
  const fail = (reason: string, cause?: unknown): never => {
    throw new PermanentMessageError('avro_decode', `Avro body does not match schema id ${schemaId}: ${reason}`, { cause });
  };
  return (buffer) => {
    let decoded: { value: unknown; offset: number };
    try {
      decoded = type.decode(buffer, HEADER_LENGTH, resolver);
    } catch (cause) {
      return fail(cause instanceof Error ? cause.message : String(cause), cause);
    }
    if (decoded.offset < 0) return fail('truncated buffer');
    if (decoded.offset !== buffer.length) return fail(`trailing data (${buffer.length - decoded.offset} bytes)`);
    return decoded.value;
  };
}
