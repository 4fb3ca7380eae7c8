import type { TopicContract } from '@weft/messaging';
import { topics, type IngestEnvelope, type IngestRejected } from '@weft/xdm';

/** The catalog's Avro topics as messaging contracts (name, partitions, value type). */
export const acceptedTopic: TopicContract<IngestEnvelope> = {
  name: topics.ingestAccepted.name,
  partitions: topics.ingestAccepted.partitions,
  valueType: topics.ingestAccepted.value.type,
  description: topics.ingestAccepted.description,
};

export const rejectedTopic: TopicContract<IngestRejected> = {
  name: topics.ingestRejected.name,
  partitions: topics.ingestRejected.partitions,
  valueType: topics.ingestRejected.value.type,
  description: topics.ingestRejected.description,
};

/** weft.inbound.v1 carries producer schemas, so its contract has no fixed value type; messages are read raw. */
export const inboundTopic = { name: topics.inbound.name, partitions: topics.inbound.partitions };
