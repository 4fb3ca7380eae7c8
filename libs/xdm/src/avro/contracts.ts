import type { Type } from 'avsc';
import { avroSchemas, type AvroSchemaName, type AvroValueOf } from '../generated/schemas';
import type { IdentityItem } from '../generated/types';
import { parseAvroSchema } from './logical-types';

/** An Avro schema with its parsed avsc type and typed encode/decode (plain Avro body, no wire-format header). */
export interface AvroContract<T> {
  /** Full Avro name, e.g. io.weft.envelope.IngestEnvelope. */
  readonly name: string;
  /** Self-contained schema JSON, as registered in the schema registry. */
  readonly schema: object;
  readonly type: Type;
  encode(value: T): Buffer;
  decode(buffer: Buffer): T;
}

function contractOf<T>(name: string, schema: object): AvroContract<T> {
  const type = parseAvroSchema(schema);
  return {
    name,
    schema,
    type,
    encode: (value) => type.toBuffer(value),
    decode: (buffer) => type.fromBuffer(buffer) as T,
  };
}

/** The contract of one of the .avsc files, typed by the generated TypeScript type. */
export function avroContract<N extends AvroSchemaName>(name: N): AvroContract<AvroValueOf[N]> {
  return contractOf<AvroValueOf[N]>(name, avroSchemas[name]);
}

/** XDM identityMap: namespace code -> identities. Not a named Avro type, so it has no .avsc file of its own. */
export type IdentityMap = Record<string, IdentityItem[]>;

export const xdmContracts = {
  experienceEvent: avroContract('io.weft.xdm.ExperienceEvent'),
  individualProfile: avroContract('io.weft.xdm.IndividualProfile'),
  identityItem: avroContract('io.weft.xdm.IdentityItem'),
  identityMap: contractOf<IdentityMap>('identityMap', {
    type: 'map',
    values: { type: 'array', items: avroSchemas['io.weft.xdm.IdentityItem'] },
  }),
  consents: avroContract('io.weft.xdm.Consents'),
  commerce: avroContract('io.weft.xdm.Commerce'),
  productListItem: avroContract('io.weft.xdm.ProductListItem'),
  webInfo: avroContract('io.weft.xdm.WebInfo'),
  segmentMembershipItem: avroContract('io.weft.xdm.SegmentMembershipItem'),
  externalSourceSystemAudit: avroContract('io.weft.xdm.ExternalSourceSystemAudit'),
} as const;

export const envelopeContracts = {
  ingestEnvelope: avroContract('io.weft.envelope.IngestEnvelope'),
  resolvedEnvelope: avroContract('io.weft.envelope.ResolvedEnvelope'),
  graphChange: avroContract('io.weft.envelope.GraphChange'),
  profileChanged: avroContract('io.weft.envelope.ProfileChanged'),
  segmentMembership: avroContract('io.weft.envelope.SegmentMembership'),
  ingestRejected: avroContract('io.weft.envelope.IngestRejected'),
} as const;
