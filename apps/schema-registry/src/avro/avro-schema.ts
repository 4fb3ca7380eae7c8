import { createHash } from 'node:crypto';
import { Type, type Schema } from 'avsc';

/** Why a submitted schema text is not a usable Avro schema (avsc's own message when it is avsc that refused it). */
export class InvalidAvroSchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAvroSchemaError';
  }
}

export interface ParsedAvroSchema {
  /** The schema as compact JSON, in the submitter's key order: what the registry stores and serves. */
  text: string;
  /** Compact JSON with object keys sorted: equal for schemas that differ only in whitespace or key order. */
  canonical: string;
  /** SHA-256 (hex) of `canonical`: the identity under which the registry gives out one global id. */
  fingerprint: string;
  type: Type;
}

/**
 * Parses and validates an Avro schema given as JSON text.
 *
 * Identity is a key-sorted JSON form rather than avsc's `type.schema()`: avsc's export drops attributes it does not
 * itself interpret (`logicalType` without a registered implementation, enum `default`, custom properties), and two
 * schemas that differ in those must not share an id — a consumer would decode a timestamp as a plain long, or lose
 * an enum's fallback symbol. Whitespace and key order still map to the same id.
 */
export function parseAvroSchema(text: string): ParsedAvroSchema {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InvalidAvroSchemaError(`Invalid schema: not valid JSON (${(err as Error).message})`);
  }
  let type: Type;
  try {
    type = Type.forSchema(json as Schema, { wrapUnions: 'auto' });
  } catch (err) {
    throw new InvalidAvroSchemaError(`Invalid schema: ${(err as Error).message}`);
  }
  const canonical = canonicalJson(json);
  return {
    text: JSON.stringify(json),
    canonical,
    fingerprint: createHash('sha256').update(canonical).digest('hex'),
    type,
  };
}

/** JSON with every object's keys sorted (array order is meaningful in Avro and is kept). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
