export {
  DEFAULT_GRAPH_LIMITS,
  defineGraphConfig,
  GraphConfig,
  GraphConfigError,
  type GraphConfigInput,
  type GraphLimits,
  type NamespaceConfig,
  type NamespaceType,
} from './config/graph-config';
export {
  compareIdentities,
  formatIdentity,
  identityKey,
  linkKey,
  type GraphRecord,
  type Identity,
  type Link,
} from './identity/identity';
export {
  checkIdentity,
  ECID_NAMESPACE,
  validateRecord,
  VALIDATION_EFFECTS,
  type RecordValidation,
  type ValidationCode,
  type ValidationEffect,
  type ValidationIssue,
} from './validation/validate-record';
export {
  applyRecord,
  type ApplyRecordOptions,
  type ApplyRecordResult,
  type IdentityRemovalReason,
  type LinkRemovalReason,
  type RemovedIdentity,
  type RemovedLink,
} from './graph/apply-record';
export { IdentityGraphError, type IdentityGraphErrorCode } from './graph/graph-error';
export { type GraphMerge, type GraphSplit, type GraphSplitPart } from './graph/graph-ids';
export {
  EMPTY_COMPONENT,
  unionOf,
  type GraphComponent,
  type IdentityGraph,
  type StoredIdentity,
} from './graph/identity-graph';
export { type IdentityGraphStore } from './store/identity-graph-store';
export { InMemoryGraphStore } from './store/in-memory-graph-store';
export { resolveRecord } from './store/resolve-record';
export { simulate, type SimulationEvent, type SimulationResult } from './simulation/simulate';
export { primaryIdentity } from './identity/primary-identity';
