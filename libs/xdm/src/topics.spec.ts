import { DATASET_ID_HEADER, TOPIC_PREFIX, topicByName, topicList, topics, type TopicValue } from './topics';

/** Names without the installation's WEFT_TOPIC_PREFIX (test runs set one). */
const unprefixed = (name: string) => name.slice(TOPIC_PREFIX.length);
import type { IngestEnvelope } from './generated/types';
import { anIngestEnvelope } from '../test/factories';

describe('topics', () => {
  it('declares every Weft topic once, named weft.<domain>.<what>.v<N>', () => {
    expect(topicList.every((t) => t.name.startsWith(TOPIC_PREFIX))).toBe(true);
    const names = topicList.map((t) => unprefixed(t.name));

    expect(names).toEqual([
      'weft.inbound.v1',
      'weft.ingest.accepted.v1',
      'weft.ingest.rejected.v1',
      'weft.identity.resolved.v1',
      'weft.identity.graph.v1',
      'weft.profile.changed.v1',
      'weft.segment.membership.v1',
    ]);
    for (const name of names) expect(name).toMatch(/^weft\.[a-z]+(\.[a-z]+)?\.v\d+$/);
  });

  it('pairs each envelope topic with its key and value contract', () => {
    const contracts = Object.fromEntries(
      topicList.map((t) => [unprefixed(t.name), [t.key.kind, typeof t.value === 'string' ? t.value : t.value.name]]),
    );

    expect(contracts).toEqual({
      'weft.inbound.v1': ['producerDefined', 'producerSchema'],
      'weft.ingest.accepted.v1': ['primaryIdentity', 'io.weft.envelope.IngestEnvelope'],
      'weft.ingest.rejected.v1': ['datasetId', 'io.weft.envelope.IngestRejected'],
      'weft.identity.resolved.v1': ['profileId', 'io.weft.envelope.ResolvedEnvelope'],
      'weft.identity.graph.v1': ['profileId', 'io.weft.envelope.GraphChange'],
      'weft.profile.changed.v1': ['profileId', 'io.weft.envelope.ProfileChanged'],
      'weft.segment.membership.v1': ['profileId', 'io.weft.envelope.SegmentMembership'],
    });
  });

  it('names the value subject <topic>-value and gives every topic partitions and a description', () => {
    for (const topic of topicList) {
      expect(topic.partitions).toBeGreaterThan(0);
      expect(topic.description.length).toBeGreaterThan(20);
      if (typeof topic.value !== 'string')
        expect((topic as { valueSubject: string }).valueSubject).toBe(`${topic.name}-value`);
    }
  });

  it('tells where the dataset of an inbound record is', () => {
    expect(topics.inbound.datasetIdHeader).toBe(DATASET_ID_HEADER);
    expect(DATASET_ID_HEADER).toBe('weft-dataset-id');
  });

  it('gives a service the typed value of a topic', () => {
    const sut = topics.ingestAccepted;
    const envelope: TopicValue<typeof sut> = anIngestEnvelope().build();

    const decoded: IngestEnvelope = sut.value.decode(sut.value.encode(envelope));

    expect(decoded).toEqual(envelope);
  });

  it('finds a topic by name', () => {
    expect(topicByName(`${TOPIC_PREFIX}weft.profile.changed.v1`)).toBe(topics.profileChanged);
    expect(topicByName('weft.unknown.v1')).toBeUndefined();
  });
});
