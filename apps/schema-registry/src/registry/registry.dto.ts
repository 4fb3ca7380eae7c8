import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { COMPATIBILITY_LEVELS, type CompatibilityLevel } from '../avro/compatibility';
import { RegistryErrors } from './registry-errors';

export class SchemaRequest {
  @ApiProperty({ description: 'The Avro schema as a JSON string', example: '{"type":"record","name":"Event","fields":[{"name":"id","type":"string"}]}' })
  schema!: string;

  @ApiPropertyOptional({ description: 'Only AVRO (the default) is supported', enum: ['AVRO'] })
  schemaType?: string;

  @ApiPropertyOptional({ description: 'Schema references are not supported; must be absent or empty', type: [Object] })
  references?: unknown[];
}

export class ConfigUpdateRequest {
  @ApiProperty({ enum: COMPATIBILITY_LEVELS })
  compatibility!: string;
}

export interface SchemaByIdResponse {
  schema: string;
  schemaType?: string;
}

export interface SubjectVersionResponse {
  subject: string;
  id: number;
  version: number;
  schema: string;
}

export interface ConfigResponse {
  compatibilityLevel: CompatibilityLevel;
}

export interface CompatibilityResponse {
  is_compatible: boolean;
  messages?: string[];
}

/** `latest` or a version number, as in `/subjects/{subject}/versions/{version}`. */
export type VersionRef = number | 'latest';

const MAX_VERSION = 2 ** 31 - 1;

/** Parses a version path segment: `latest` (or Confluent's `-1`), or 1..2^31-1; anything else is a 42202. */
export function parseVersionRef(raw: string): VersionRef {
  if (raw === 'latest' || raw === '-1') return 'latest';
  if (!/^\d+$/.test(raw)) throw RegistryErrors.invalidVersion(raw);
  const version = Number(raw);
  if (version < 1 || version > MAX_VERSION) throw RegistryErrors.invalidVersion(raw);
  return version;
}

/** Confluent's boolean query flags (`?deleted=true`, `?permanent=true`). */
export const isTrue = (flag: string | undefined): boolean => flag?.toLowerCase() === 'true';
