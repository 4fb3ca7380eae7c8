import type { Type } from 'avsc';
import { AvroEncoder, type AvroSerde } from './avro-serde';

/** What a topic carries: its name, partitions, and the Avro type of its values (keys are strings). */
export interface TopicContract<T = unknown> {
  name: string;
  partitions: number;
  valueType: Type;
  description?: string;
  /** Phantom field tying the contract to its TS type. */
  readonly __value?: T;
}

/** Subject name under the registry's default TopicNameStrategy. */
export function valueSubject(topic: string): string {
  return `${topic}-value`;
}

/** Encodes and decodes one topic's values in Confluent wire format, with the schema registered under `<topic>-value`. */
export class TopicCodec<T> {
  private constructor(
    private readonly serde: AvroSerde,
    private readonly encoder: AvroEncoder<T>,
    readonly contract: TopicContract<T>,
  ) {}

  static async create<T>(serde: AvroSerde, contract: TopicContract<T>): Promise<TopicCodec<T>> {
    const encoder = await serde.encoderFor<T>(valueSubject(contract.name), contract.valueType);
    return new TopicCodec(serde, encoder, contract);
  }

  get schemaId(): number {
    return this.encoder.schemaId;
  }

  encode(value: T): Buffer {
    return this.encoder.encode(value);
  }

  /** Decodes with the contract's type as reader schema, whatever compatible writer schema produced the bytes. */
  decode(buffer: Buffer): T | Promise<T> {
    return this.serde.decode<T>(buffer, this.contract.valueType);
  }
}
