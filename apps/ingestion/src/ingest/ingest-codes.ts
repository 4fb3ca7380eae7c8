import type { ValidationCode } from '@weft/identity-graph';

/**
 * Every reason ingestion refuses a message. The identity value rules keep the codes of @weft/identity-graph, so a
 * value refused here and a value skipped by the identity service carry the same code.
 */
export type IngestErrorCode =
  | 'INVALID_JSON'
  | 'NOT_AN_OBJECT'
  | 'UNKNOWN_DATASET'
  | 'EVENT_TOO_LARGE'
  | 'RECORD_TOO_LARGE'
  | 'MISSING_ID'
  | 'MISSING_TIMESTAMP'
  | 'MISSING_FIELD'
  | 'UNKNOWN_FIELD'
  | 'TYPE_MISMATCH'
  | 'INVALID_ENUM'
  | 'INVALID_FORMAT'
  | 'INVALID_VALUE'
  | 'INVALID_IDENTITY'
  | 'UNKNOWN_NAMESPACE'
  | 'MULTIPLE_PRIMARY_IDENTITIES'
  | Exclude<ValidationCode, 'IDENTITY_UNKNOWN_NAMESPACE'>
  | 'MISSING_DATASET_HEADER'
  | 'AVRO_WIRE_FORMAT'
  | 'AVRO_UNKNOWN_SCHEMA'
  | 'AVRO_DECODE'
  | 'CSV_PARSE'
  | 'CSV_RAGGED_ROW'
  | 'MAPPING_FAILED'
  | 'UNSUPPORTED_FORMAT';

export interface IngestError {
  /** Dotted path of the offending field; empty for the whole message. */
  path: string;
  code: IngestErrorCode;
  message: string;
}

export function ingestError(code: IngestErrorCode, message: string, path = ''): IngestError {
  return { path, code, message };
}
