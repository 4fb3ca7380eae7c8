export type IdentityGraphErrorCode =
  'INVALID_RECORD_TIME' | 'UNKNOWN_NAMESPACE_IN_GRAPH' | 'DUPLICATE_IDENTITY_IN_COMPONENT' | 'DANGLING_LINK';

/** Stored graph data or a record the algorithm cannot work with; the service should dead-letter the record. */
export class IdentityGraphError extends Error {
  constructor(
    readonly code: IdentityGraphErrorCode,
    message: string,
  ) {
    super(message);
    this.name = IdentityGraphError.name;
  }
}
