export * from './generated/types';
export { avroSchemas, type AvroSchemaName, type AvroValueOf } from './generated/schemas';
export { avroParseOptions, parseAvroSchema, TimestampMillisType, DateType } from './avro/logical-types';
export {
  avroContract,
  xdmContracts,
  envelopeContracts,
  type AvroContract,
  type IdentityMap,
} from './avro/contracts';
export { toAvro, fromAvro, type ToAvroOptions, type ToAvroResult } from './avro/convert';
export { xdmReaderFor, type XdmReader } from './avro/xdm-reader';
export { normalizeXdm, type NormalizeOptions, type XdmDocument } from './json/normalize';
export {
  extractIdentities,
  formatIdentityKey,
  parseIdentityKey,
  type ExtractedIdentities,
} from './json/identities';
export {
  STANDARD_NAMESPACE_CODES,
  resolveStandardNamespace,
  type NamespaceResolver,
} from './json/namespaces';
export { canonicalJson } from './json/canonical-json';
export { XdmValidationError, type XdmIssue, type XdmIssueCode } from './errors';
export {
  topics,
  topicList,
  topicByName,
  DATASET_ID_HEADER,
  DEFAULT_PARTITIONS,
  type TopicAlias,
  type TopicDefinition,
  type AvroTopic,
  type ProducerSchemaTopic,
  type TopicKeyKind,
  type TopicValue,
} from './topics';
