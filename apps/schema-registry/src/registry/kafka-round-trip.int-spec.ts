import { MessagingClient, readWireHeader, valueSubject, type ConsumedMessage, type TopicContract } from '@weft/messaging';
import { createTestTopics, expectEventually, integrationEnv, uniqueName } from '@weft/testing';
import { fromAvro, normalizeXdm, toAvro, xdmContracts, type ExperienceEvent } from '@weft/xdm';
import { Registry } from 'prom-client';
import example from '../../test/fixtures/experienceevent.example.1.json';
import { RunningRegistry } from '../../test/registry-app';

/** Acceptance: Weft's messaging library produces and consumes XDM over the real broker with schemas from this registry. */
describe('XDM ExperienceEvent over Kafka with schemas from the registry', () => {
  let registry: RunningRegistry;
  let messaging: MessagingClient;

  beforeAll(async () => {
    registry = await RunningRegistry.start();
    messaging = new MessagingClient({
      clientId: uniqueName('registry-it'),
      brokers: integrationEnv().kafkaBrokers,
      schemaRegistryUrl: registry.url,
      metricsRegistry: new Registry(),
    });
    await messaging.connect();
  });
  afterAll(async () => {
    await messaging?.close();
    await registry?.stop();
  });

  it('encodes an ExperienceEvent with a schema registered here, and decodes it equal after the broker', async () => {
    const [topic] = await createTestTopics(['registry-xdm']);
    const { type } = xdmContracts.experienceEvent;
    const contract: TopicContract<ExperienceEvent> = { name: topic, partitions: 1, valueType: type };
    const { value: event } = toAvro<ExperienceEvent>(type, normalizeXdm(example), { unknownFields: 'drop' });

    const codec = await messaging.codec(contract);
    const registered = await registry.get(`/subjects/${valueSubject(topic)}/versions/latest`);
    expect(registered.body).toMatchObject({ version: 1, id: codec.schemaId });

    const received: ConsumedMessage<ExperienceEvent>[] = [];
    const consumer = messaging.consumer<ExperienceEvent>({
      groupId: uniqueName('registry-xdm'),
      topics: [topic],
      decode: (raw) => codec.decode(raw.value as Buffer),
      handle: async (batch) => {
        received.push(...batch);
      },
    });
    await consumer.start();
    await messaging.producer.send(topic, [{ key: event._id, value: codec.encode(event) }]);

    await expectEventually(() => expect(received).toHaveLength(1));
    const [message] = received;
    expect(readWireHeader(message.value as Buffer).schemaId).toBe(registered.body.id);
    expect(message.data).toEqual(event);
    expect(fromAvro(type, message.data)).toMatchObject({
      _id: example['@id'],
      identityMap: { ECID: [{ id: '92312748749128' }] },
      commerce: { order: { purchaseID: example['xdm:commerce']['xdm:order']['xdm:purchaseID'] } },
    });
  });
});
