import { GraphConfig } from '../config/graph-config';
import { formatIdentity, GraphRecord, Identity, identityKey, toIdentity } from '../identity/identity';

/** ECIDs are the only namespace with a fixed value format. */
export const ECID_NAMESPACE = 'ECID';
const ECID_PATTERN = /^[0-9]{38}$/;
const BLOCKED_VALUES = new Set(['null', 'anonymous', 'invalid']);

/** Ingestion reports these codes as they are; keep them stable. */
export type ValidationCode =
  | 'IDENTITY_UNKNOWN_NAMESPACE'
  | 'IDENTITY_BLOCKED_VALUE'
  | 'IDENTITY_INVALID_ECID'
  | 'IDENTITY_VALUE_TOO_LONG'
  | 'RECORD_TOO_MANY_IDENTITIES';

export type ValidationEffect = 'IDENTITY_DROPPED' | 'RECORD_SKIPPED';

export const VALIDATION_EFFECTS: Readonly<Record<ValidationCode, ValidationEffect>> = {
  IDENTITY_UNKNOWN_NAMESPACE: 'IDENTITY_DROPPED',
  IDENTITY_BLOCKED_VALUE: 'IDENTITY_DROPPED',
  IDENTITY_INVALID_ECID: 'RECORD_SKIPPED',
  IDENTITY_VALUE_TOO_LONG: 'RECORD_SKIPPED',
  RECORD_TOO_MANY_IDENTITIES: 'RECORD_SKIPPED',
};

export interface ValidationIssue {
  code: ValidationCode;
  effect: ValidationEffect;
  /** The offending identity; absent for rules about the record as a whole. */
  identity?: Identity;
  message: string;
}

export type RecordValidation =
  | { status: 'accepted'; identities: Identity[]; issues: ValidationIssue[] }
  | { status: 'skipped'; issues: ValidationIssue[] };

/** The issue one identity raises on its own, if any (record-level rules are checked by {@link validateRecord}). */
export function checkIdentity(identity: Identity, config: GraphConfig): ValidationIssue | undefined {
  // Formatted only for an issue: most identities raise none.
  const name = () => formatIdentity(identity);
  if (!config.namespace(identity.namespace)) {
    return issue(
      'IDENTITY_UNKNOWN_NAMESPACE',
      identity,
      `Identity ${name()} is dropped: namespace ${identity.namespace} is not a configured person, device or cookie namespace.`,
    );
  }
  // Placeholders are checked before the ECID format: a blank ECID is a missing value, not a malformed one.
  if (identity.id.trim() === '' || BLOCKED_VALUES.has(identity.id.trim().toLowerCase())) {
    return issue(
      'IDENTITY_BLOCKED_VALUE',
      identity,
      `Identity ${name()} is dropped: null, anonymous, invalid, empty and blank values never link identities.`,
    );
  }
  if (identity.namespace === ECID_NAMESPACE && !ECID_PATTERN.test(identity.id)) {
    return issue(
      'IDENTITY_INVALID_ECID',
      identity,
      `Identity ${name()} is not a valid ECID (exactly 38 digits required, got ${identity.id.length} characters); the whole record is skipped.`,
    );
  }
  if (identity.id.length > config.limits.maxValueLength) {
    return issue(
      'IDENTITY_VALUE_TOO_LONG',
      identity,
      `Identity ${formatIdentity({ namespace: identity.namespace, id: `${identity.id.slice(0, 32)}…` })} is ` +
        `${identity.id.length} characters long, more than the ${config.limits.maxValueLength} allowed; ` +
        `the whole record is skipped.`,
    );
  }
  return undefined;
}

/**
 * Applies the value rules before linking. A skipped record links nothing; otherwise the valid identities
 * (duplicates removed, in first-seen order) are returned with one issue per dropped identity.
 */
export function validateRecord(record: GraphRecord, config: GraphConfig): RecordValidation {
  const issues: ValidationIssue[] = [];
  const max = config.limits.maxIdentitiesPerRecord;
  if (record.identities.length > max) {
    issues.push({
      code: 'RECORD_TOO_MANY_IDENTITIES',
      effect: VALIDATION_EFFECTS.RECORD_TOO_MANY_IDENTITIES,
      message: `Record carries ${record.identities.length} identities, more than the ${max} allowed; the whole record is skipped.`,
    });
  }
  const identities = new Map<string, Identity>();
  for (const identity of record.identities) {
    const problem = checkIdentity(identity, config);
    if (problem) issues.push(problem);
    else identities.set(identityKey(identity), toIdentity(identity));
  }
  return issues.some((i) => i.effect === 'RECORD_SKIPPED')
    ? { status: 'skipped', issues }
    : { status: 'accepted', identities: [...identities.values()], issues };
}

function issue(code: ValidationCode, identity: Identity, message: string): ValidationIssue {
  return { code, effect: VALIDATION_EFFECTS[code], identity: toIdentity(identity), message };
}
