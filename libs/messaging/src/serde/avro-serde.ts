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

/** Encodes values of one Avro type with the id the registry gave its schema. */
export class AvroEncoder<T> {
  private readonly header: Buffer;

  constructor(
    readonly schemaId: number,
    readonly type: Type,
  ) {
    this.header = Buffer.alloc(HEADER_LENGTH);
    this.header.writeUInt32BE(schemaId, 1);
  }

  encode(value: T): Buffer {
    const body = this.type.toBuffer(value);
    return Buffer.concat([this.header, body], HEADER_LENGTH + body.length);
  }
}

/**
 * Avro serde in Confluent wire format. Writer schemas are fetched from the registry by id once and cached with
 * their parsed types; when a reader type is given, the writer→reader resolver is cached too.
 */
export class AvroSerde {
  private readonly writerTypes = new Map<number, Promise<Type>>();
  /** Types and resolvers already fetched, for the synchronous fast path. */
  private readonly readyWriters = new Map<number, Type>();
  private readonly readyResolvers = new Map<string, ReturnType<Type['createResolver']>>();
  private readonly resolvers = new Map<string, Promise<Type | ReturnType<Type['createResolver']>>>();
  private readonly readerIds = new WeakMap<Type, number>();
  private nextReaderId = 0;

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
      type = this.registry.getSchemaById(schemaId).then((text) => {
        const parsed = Type.forSchema(JSON.parse(text) as Schema);
        this.readyWriters.set(schemaId, parsed);
        return parsed;
      });
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
    const { schemaId, body } = readWireHeader(buffer);
    const writer = this.readyWriters.get(schemaId);
    if (writer) {
      if (!readerType) return this.read<T>(schemaId, () => writer.fromBuffer(body));
      const resolver = this.readyResolvers.get(`${schemaId}:${this.readerIds.get(readerType)}`);
      if (resolver) return this.read<T>(schemaId, () => readerType.fromBuffer(body, resolver));
    }
    return this.decodeSlow<T>(schemaId, body, readerType);
  }

  private async decodeSlow<T>(schemaId: number, body: Buffer, readerType?: Type): Promise<T> {
    const writer = await this.writerType(schemaId);
    if (!readerType) return this.read<T>(schemaId, () => writer.fromBuffer(body));
    const resolver = (await this.resolver(schemaId, writer, readerType)) as ReturnType<Type['createResolver']>;
    return this.read<T>(schemaId, () => readerType.fromBuffer(body, resolver));
  }

  private read<T>(schemaId: number, fn: () => unknown): T {
    try {
      return fn() as T;
    } catch (cause) {
      throw new PermanentMessageError(
        'avro_decode',
        `Avro body does not match schema id ${schemaId}: ${cause instanceof Error ? cause.message : String(cause)}`,
        { cause },
      );
    }
  }

  private resolver(schemaId: number, writer: Type, reader: Type) {
    let readerId = this.readerIds.get(reader);
    if (readerId === undefined) {
      readerId = this.nextReaderId++;
      this.readerIds.set(reader, readerId);
    }
    const key = `${schemaId}:${readerId}`;
    let resolver = this.resolvers.get(key);
    if (!resolver) {
      const created = reader.createResolver(writer);
      this.readyResolvers.set(key, created);
      resolver = Promise.resolve(created);
      this.resolvers.set(key, resolver);
    }
    return resolver;
  }
}
