import type { Type } from 'avsc';
import { readWireHeader, SchemaRegistryError, type SchemaRegistryClient } from '@weft/messaging';
import { parseAvroSchema, xdmReaderFor, type XdmReader } from '@weft/xdm';
import { ingestError, type IngestError } from '../ingest/ingest-codes';

export type Decoded = { ok: true; value: unknown } | { ok: false; error: IngestError };

/**
 * Reads producer-written Avro in Confluent wire format: the writer schema comes from the registry by id (fetched
 * once, parsed with Weft's logical types, compiled into a reader), the body is decoded straight into plain XDM JSON,
 * so Kafka messages are validated exactly like HTTP ones. Bytes that can never be read are reported, not thrown; a registry that does not
 * answer is thrown, so the consumer retries.
 */
export class InboundDecoder {
  private readonly types = new Map<number, Promise<Type | null>>();
  private readonly resolved = new Map<number, XdmReader | null>();

  constructor(private readonly registry: SchemaRegistryClient) {}

  /** Resolves the writer schemas of a batch up front, so decoding each message is synchronous. */
  async prepare(values: (Buffer | null)[]): Promise<void> {
    const ids = new Set<number>();
    for (const v of values) if (v && v.length >= 5 && v[0] === 0) ids.add(v.readUInt32BE(1));
    await Promise.all(
      [...ids].filter((id) => !this.resolved.has(id)).map(async (id) => {
        const type = await this.writerType(id);
        this.resolved.set(id, type && xdmReaderFor(type));
      }),
    );
  }

  /** Decodes one message whose writer schema `prepare` resolved. */
  decode(value: Buffer | null): Decoded {
    if (!value || value.length === 0) return { ok: false, error: ingestError('AVRO_WIRE_FORMAT', 'the message has no value') };
    let header: { schemaId: number; body: Buffer };
    try {
      header = readWireHeader(value);
    } catch (err) {
      return { ok: false, error: ingestError('AVRO_WIRE_FORMAT', (err as Error).message) };
    }
    const read = this.resolved.get(header.schemaId);
    if (read === undefined) throw new Error(`schema id ${header.schemaId} was not prepared`);
    if (read === null) {
      return { ok: false, error: ingestError('AVRO_UNKNOWN_SCHEMA', `schema id ${header.schemaId} is not in the schema registry`) };
    }
    try {
      return { ok: true, value: read(header.body) };
    } catch (err) {
      return {
        ok: false,
        error: ingestError('AVRO_DECODE', `the Avro body does not match schema id ${header.schemaId}: ${(err as Error).message}`),
      };
    }
  }

  private writerType(id: number): Promise<Type | null> {
    let type = this.types.get(id);
    if (!type) {
      type = this.registry.getSchemaById(id).then(
        (text) => parseAvroSchema(JSON.parse(text)),
        (err: unknown) => {
          // An unknown id may be registered later (another registry replica); ask again next time.
          if (err instanceof SchemaRegistryError && err.status === 404) {
            this.types.delete(id);
            return null;
          }
          throw err;
        },
      );
      type.catch(() => this.types.delete(id));
      this.types.set(id, type);
    }
    return type;
  }
}
