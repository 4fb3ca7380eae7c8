/** Machine-readable rule a value broke; edges map these to HTTP statuses or dead-letter reasons. */
export type XdmIssueCode =
  | 'unknownField'
  | 'missingField'
  | 'typeMismatch'
  | 'invalidEnum'
  | 'invalidTimestamp'
  | 'invalidDate'
  | 'unknownNamespace'
  | 'invalidIdentity'
  | 'multiplePrimaryIdentities';

export interface XdmIssue {
  /** Dotted path of the field, with [i] for array items; empty for the whole document. */
  readonly path: string;
  readonly code: XdmIssueCode;
  readonly message: string;
}

/** A document broke one or more XDM or Avro rules; `issues` names every field and rule. */
export class XdmValidationError extends Error {
  constructor(readonly issues: readonly XdmIssue[]) {
    super(issues.map((i) => `${i.path || '(document)'}: ${i.message}`).join('; '));
    this.name = XdmValidationError.name;
  }
}

/** Appends a key to a path: `a.b`, or `a["x.y"]` when the key is not a plain identifier. */
export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  const segment = /^[A-Za-z_$][\w$-]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
  if (!parent) return segment;
  return segment.startsWith('[') ? `${parent}${segment}` : `${parent}.${segment}`;
}
