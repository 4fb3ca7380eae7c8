import type { Type } from 'avsc';
import { envelopeContracts, type AvroContract } from './avro/contracts';

/** What a topic's (string) Kafka key holds. */
export type TopicKeyKind = 'producerDefined' | 'primaryIdentity' | 'profileId' | 'datasetId';

interface TopicBase {
  /** `weft.<domain>.<what>.v<N>` */
  readonly name: string;
  readonly key: { readonly encoding: 'string'; readonly kind: TopicKeyKind; readonly description: string };
  readonly partitions: number;
  readonly description: string;
}

/** A topic whose values are one Weft Avro contract, in Confluent wire format under subject `<name>-value`. */
export interface AvroTopic<T> extends TopicBase {
  readonly value: AvroContract<T>;
  /** The value's parsed Avro type: with `name` and `partitions` this makes the topic a messaging TopicContract. */
  readonly valueType: Type;
  readonly valueSubject: string;
}

/** The inbound topic: producers bring their own schema; the dataset is named in a header. */
export interface ProducerSchemaTopic extends TopicBase {
  readonly value: 'producerSchema';
  readonly datasetIdHeader: string;
}

export type TopicDefinition = AvroTopic<unknown> | ProducerSchemaTopic;

/** Header naming the dataset of a record on weft.inbound.v1. */
export const DATASET_ID_HEADER = 'weft-dataset-id';

export const DEFAULT_PARTITIONS = 3;

/**
 * Optional prefix of every topic name, from WEFT_TOPIC_PREFIX: lets several Weft installations (or test runs) share
 * one Kafka cluster without reading each other's data. Empty by default.
 */
export const TOPIC_PREFIX = readTopicPrefix(process.env['WEFT_TOPIC_PREFIX']);

function readTopicPrefix(value: string | undefined): string {
  if (!value) return '';
  if (!/^[a-zA-Z0-9._-]{1,100}$/.test(value)) {
    throw new Error(`WEFT_TOPIC_PREFIX: only letters, digits, '.', '_' and '-' are allowed in topic names (got ${JSON.stringify(value)})`);
  }
  return value;
}

function avroTopic<T>(
  name: string,
  value: AvroContract<T>,
  key: AvroTopic<T>['key'],
  description: string,
): AvroTopic<T> {
  const topic = `${TOPIC_PREFIX}${name}`;
  return { name: topic, key, value, valueType: value.type, valueSubject: `${topic}-value`, partitions: DEFAULT_PARTITIONS, description };
}

const primaryIdentityKey = {
  encoding: 'string',
  kind: 'primaryIdentity',
  description: 'primary identity of the document as <namespace>:<id>',
} as const;
const profileIdKey = { encoding: 'string', kind: 'profileId', description: 'profile id' } as const;

/** Every Weft topic and its key/value contract. Services name topics only through this catalog. */
export const topics = {
  inbound: {
    name: `${TOPIC_PREFIX}weft.inbound.v1`,
    key: {
      encoding: 'string',
      kind: 'producerDefined',
      description: 'chosen by the producer; ordering only',
    },
    value: 'producerSchema',
    datasetIdHeader: DATASET_ID_HEADER,
    partitions: DEFAULT_PARTITIONS,
    description:
      'XDM documents from Kafka producers, each Avro-encoded with the producer schema registered for its ' +
      `dataset (Confluent wire format); the dataset id travels in header ${DATASET_ID_HEADER}. Read by ingestion.`,
  } satisfies ProducerSchemaTopic,
  ingestAccepted: avroTopic(
    'weft.ingest.accepted.v1',
    envelopeContracts.ingestEnvelope,
    primaryIdentityKey,
    'Documents ingestion validated and normalized, from every inlet. Read by identity.',
  ),
  ingestRejected: avroTopic(
    'weft.ingest.rejected.v1',
    envelopeContracts.ingestRejected,
    { encoding: 'string', kind: 'datasetId', description: 'dataset id, empty when unknown' },
    'Documents ingestion refused, with every reason and the original bytes, for inspection and replay.',
  ),
  identityResolved: avroTopic(
    'weft.identity.resolved.v1',
    envelopeContracts.resolvedEnvelope,
    profileIdKey,
    'Accepted documents stitched to a profile id by identity. Read by profile.',
  ),
  identityGraph: avroTopic(
    'weft.identity.graph.v1',
    envelopeContracts.graphChange,
    {
      encoding: 'string',
      kind: 'profileId',
      description: 'profile id of the survivor (merge) or of the old profile (split, delete)',
    },
    'Merges, splits and deletions of identity graphs. Read by profile.',
  ),
  profileChanged: avroTopic(
    'weft.profile.changed.v1',
    envelopeContracts.profileChanged,
    profileIdKey,
    'The merged profile after every change, with its recent events. Read by segmentation and destinations.',
  ),
  segmentMembership: avroTopic(
    'weft.segment.membership.v1',
    envelopeContracts.segmentMembership,
    profileIdKey,
    'Audience entries and exits of profiles. Read by destinations.',
  ),
} as const;

export type TopicAlias = keyof typeof topics;

/** The catalog as a list, e.g. to create topics at boot. */
export const topicList: readonly TopicDefinition[] = Object.values(topics) as TopicDefinition[];

export function topicByName(name: string): TopicDefinition | undefined {
  return topicList.find((t) => t.name === name);
}

/** The value type of an Avro topic: `TopicValue<typeof topics.ingestAccepted>` is IngestEnvelope. */
export type TopicValue<T> = T extends AvroTopic<infer V> ? V : never;
