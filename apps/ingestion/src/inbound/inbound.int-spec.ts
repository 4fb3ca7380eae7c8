import { Kafka, logLevel } from 'kafkajs';
import { expectEventually, integrationEnv, requireSchemaRegistry, uniqueIdentifier } from '@weft/testing';
import { topics, type IngestEnvelope } from '@weft/xdm';
import { ECID, EVENT_GROUPS } from '../../test/factories';
import { ExternalProducer } from '../../test/external-producer';
import { startIngestion, TopicTail, type Harness } from '../../test/harness';
import { InboundConsumer } from './inbound.consumer';

describe(InboundConsumer.name, () => {
  let h: Harness;
  let accepted: TopicTail<IngestEnvelope>;
  let rejected: TopicTail;
  let producer: ExternalProducer;
  const run = uniqueIdentifier('kin');
  const datasetId = `kafka-events-${run}`;

  /** A web event as the Avro record of the dataset's schema: optional fields are null, timestamps epoch millis. */
  const avroEvent = (id: string, ecid = ECID) => ({
    _id: id,
    timestamp: Date.parse('2026-03-01T10:00:00Z'),
    eventType: 'web.webpagedetails.pageViews',
    identityMap: { ECID: [{ id: ecid, authenticatedState: null, primary: null }] },
  });

  beforeAll(async () => {
    h = await startIngestion({ INBOUND_ENABLED: 'true' });
    accepted = await new TopicTail<IngestEnvelope>(topics.ingestAccepted.name).start();
    rejected = await new TopicTail(topics.ingestRejected.name).start();
    const schema = await h.api('POST', '/v1/schemas', { id: `kweb-${run}`, title: 'Kafka web', class: 'experienceevent', fieldGroups: EVENT_GROUPS });
    await h.api('POST', '/v1/datasets', { id: datasetId, name: 'kafka web', schemaId: `kweb-${run}` });
    producer = new ExternalProducer({
      brokers: integrationEnv().kafkaBrokers,
      registryUrl: requireSchemaRegistry(),
      schemaId: schema.body.avro.schemaId,
      topic: topics.inbound.name,
    });
    await producer.connect();
  }, 60_000);

  afterAll(async () => {
    await producer?.disconnect();
    await accepted?.stop();
    await rejected?.stop();
    await h?.close();
  });

  it('accepts events a plain kafkajs + avsc producer writes in wire format', async () => {
    await producer.send(datasetId, [avroEvent(`k1-${run}`), avroEvent(`k2-${run}`)]);
    await expectEventually(() => expect(accepted.values((e) => e.datasetId === datasetId).map((e) => e.id).sort()).toEqual([`k1-${run}`, `k2-${run}`]), { timeoutMs: 30_000 });
    const [first] = accepted.values((e) => e.id === `k1-${run}`);
    expect(first).toMatchObject({ source: 'kafka', kind: 'event', timestamp: Date.parse('2026-03-01T10:00:00Z'), primaryIdentity: { namespace: 'ECID', id: ECID } });
    expect(JSON.parse(first.payload)).toMatchObject({ _id: `k1-${run}`, timestamp: '2026-03-01T10:00:00.000Z' });
  });

  it('rejects truncated Avro, bad wire format, unknown schema ids and invalid values, each with its code', async () => {
    const good = producer.encode(avroEvent(`trunc-${run}`));
    const unknownSchema = Buffer.from(good);
    unknownSchema.writeUInt32BE(987_654, 1);
    await producer.send(datasetId, [
      good.subarray(0, good.length - 20),
      Buffer.from('{"_id": "json-not-avro"}'),
      unknownSchema,
      avroEvent(`badecid-${run}`, '42'),
    ]);
    const codes = await expectEventually(
      async () => {
        const page = await h.api('GET', `/v1/datasets/${datasetId}/errors`);
        const found = page.body.errors.map((e: { errors: { code: string }[] }) => e.errors[0].code).sort();
        expect(found).toEqual(['AVRO_DECODE', 'AVRO_UNKNOWN_SCHEMA', 'AVRO_WIRE_FORMAT', 'IDENTITY_INVALID_ECID']);
        return page.body.errors;
      },
      { timeoutMs: 30_000 },
    );
    expect(codes.find((e: { errors: { code: string }[] }) => e.errors[0].code === 'AVRO_WIRE_FORMAT')).toMatchObject({ source: 'kafka', original: '{"_id": "json-not-avro"}' });
  });

  it('rejects messages without a dataset header or for an unknown dataset', async () => {
    const kafka = new Kafka({ clientId: 'no-header', brokers: integrationEnv().kafkaBrokers, logLevel: logLevel.NOTHING });
    const raw = kafka.producer();
    await raw.connect();
    await raw.send({ topic: topics.inbound.name, messages: [{ value: producer.encode(avroEvent(`nohdr-${run}`)) }] });
    await raw.disconnect();
    await producer.send(`missing-${run}`, [avroEvent(`nods-${run}`)]);
    await expectEventually(
      async () => {
        const page = await h.api('GET', `/v1/datasets/missing-${run}/errors`);
        expect(page.body.errors).toMatchObject([{ messageId: `nods-${run}`, errors: [{ code: 'UNKNOWN_DATASET' }] }]);
        expect(rejected.values((r) => r.id === `nohdr-${run}`)).toMatchObject([{ datasetId: '', errors: [{ code: 'MISSING_DATASET_HEADER' }] }]);
      },
      { timeoutMs: 30_000 },
    );
  });
});
