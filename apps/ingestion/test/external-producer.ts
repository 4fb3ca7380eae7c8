// A Kafka producer that is not part of Weft: plain kafkajs + avsc, Confluent wire format written by hand.
// It is what the README shows; the tests and the benchmark use it as an outside producer would.
import { Type, type Schema } from 'avsc';
import { Kafka, logLevel, type Producer } from 'kafkajs';

export interface ExternalProducerOptions {
  brokers: string[];
  registryUrl: string;
  /** Schema id of the dataset's Avro schema (GET /v1/schemas/{id} → avro.schemaId). */
  schemaId: number;
  /** weft.inbound.v1, behind the installation's WEFT_TOPIC_PREFIX if it has one. */
  topic?: string;
}

export class ExternalProducer {
  private readonly producer: Producer;
  private type!: Type;
  private readonly header = Buffer.alloc(5);

  constructor(private readonly options: ExternalProducerOptions) {
    this.producer = new Kafka({ clientId: 'external-producer', brokers: options.brokers, logLevel: logLevel.NOTHING }).producer();
    this.header.writeUInt8(0, 0); // magic byte
    this.header.writeUInt32BE(options.schemaId, 1); // schema id, big-endian
  }

  async connect(): Promise<void> {
    const res = await fetch(`${this.options.registryUrl}/schemas/ids/${this.options.schemaId}`);
    const { schema } = (await res.json()) as { schema: string };
    this.type = Type.forSchema(JSON.parse(schema) as Schema, { wrapUnions: false });
    await this.producer.connect();
  }

  encode(value: object): Buffer {
    return Buffer.concat([this.header, this.type.toBuffer(value)]);
  }

  async send(datasetId: string, values: (object | Buffer)[], key?: string): Promise<void> {
    await this.producer.send({
      topic: this.options.topic ?? 'weft.inbound.v1',
      messages: values.map((v) => ({
        key: key ?? null,
        value: Buffer.isBuffer(v) ? v : this.encode(v),
        headers: { 'weft-dataset-id': datasetId },
      })),
    });
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect();
  }
}
