import { avroContract, envelopeContracts, xdmContracts } from './contracts';
import { parseAvroSchema } from './logical-types';
import { avroSchemas } from '../generated/schemas';
import type { GraphChange, IngestRejected, ProfileChanged, SegmentMembership } from '../generated/types';
import { anIngestEnvelope } from '../../test/factories';
import { loadExample } from '../../test/examples';

describe('envelope contracts', () => {
  it('encode and decode an IngestEnvelope', () => {
    const sut = envelopeContracts.ingestEnvelope;
    const envelope = anIngestEnvelope().with('source', 'batch').with('batchId', 'b-7').build();

    expect(sut.decode(sut.encode(envelope))).toEqual(envelope);
  });

  it('fill optional envelope fields with their defaults', () => {
    const sut = envelopeContracts.ingestEnvelope;
    const { primaryIdentity: _p, batchId: _b, payloadSchemaId: _s, ...required } = anIngestEnvelope().build();

    expect(sut.decode(sut.encode(required))).toMatchObject({
      primaryIdentity: null,
      batchId: null,
      payloadSchemaId: null,
    });
  });

  it('encode and decode a ResolvedEnvelope', () => {
    const sut = envelopeContracts.resolvedEnvelope;
    const envelope = anIngestEnvelope().resolvedTo('p-1', 42);

    expect(sut.decode(sut.encode(envelope))).toEqual(envelope);
  });

  it('encode and decode a GraphChange', () => {
    const sut = envelopeContracts.graphChange;
    const split: GraphChange = {
      changeId: 'gc-1',
      type: 'split',
      at: 1_715_767_092_000,
      survivor: null,
      absorbed: [],
      old: 'p-1',
      parts: [
        { profileId: 'p-2', identities: [{ namespace: 'ECID', id: 'e-1' }] },
        { profileId: 'p-3', identities: [{ namespace: 'Email', id: 'a@x.io' }] },
      ],
      removedIdentities: [{ namespace: 'Phone', id: '+33600000000' }],
    };

    expect(sut.decode(sut.encode(split))).toEqual(split);
  });

  it('encode and decode a ProfileChanged', () => {
    const sut = envelopeContracts.profileChanged;
    const changed: ProfileChanged = {
      profileId: 'p-1',
      version: 12,
      deleted: false,
      changedPaths: ['person.name.firstName'],
      attributes: JSON.stringify({ person: { name: { firstName: 'Ada' } } }),
      identities: [{ namespace: 'ECID', id: 'e-1', primary: true }],
      events: [
        { id: 'ev-1', timestamp: 1_715_767_092_000, eventType: null, datasetId: 'ds-1', payload: '{}' },
      ],
      flags: ['tooManyEvents'],
      mergePolicyId: 'default',
      updatedAt: 1_715_767_093_000,
    };

    expect(sut.decode(sut.encode(changed))).toEqual(changed);
  });

  it('encode and decode a SegmentMembership', () => {
    const sut = envelopeContracts.segmentMembership;
    const membership: SegmentMembership = {
      profileId: 'p-1',
      segmentId: '0b1d2c3e-1111-4a4a-9b9b-000000000001',
      status: 'exited',
      lastQualificationTime: 1_715_767_092_000,
      identities: [{ namespace: 'Email', id: 'ada.lee@example.com' }],
      version: 3,
      attributes: null,
    };

    expect(sut.decode(sut.encode(membership))).toEqual(membership);
  });

  it('encode and decode an IngestRejected with the original bytes', () => {
    const sut = envelopeContracts.ingestRejected;
    const rejected: IngestRejected = {
      id: null,
      datasetId: 'ds-1',
      source: 'http',
      receivedAt: 1_715_767_092_000,
      errors: [{ path: 'timestamp', code: 'invalidTimestamp', message: 'expected an RFC 3339 date-time' }],
      original: Buffer.from([0, 0, 0, 0, 7, 1, 2]),
    };

    expect(sut.decode(sut.encode(rejected))).toEqual(rejected);
  });

  it('refuse a value that breaks the schema', () => {
    const sut = envelopeContracts.ingestEnvelope;

    expect(() =>
      sut.encode(
        anIngestEnvelope()
          .with('kind', 'profile' as never)
          .build(),
      ),
    ).toThrow();
  });

  it('keep ResolvedEnvelope carrying every IngestEnvelope field with the same type', () => {
    const ingest = envelopeContracts.ingestEnvelope.type as any;
    const resolved = envelopeContracts.resolvedEnvelope.type as any;

    for (const field of ingest.fields) {
      const twin = resolved.field(field.name);
      expect(twin?.name).toBe(field.name);
      expect(twin.type.equals(field.type)).toBe(true);
      expect(twin.defaultValue()).toEqual(field.defaultValue());
    }
  });
});

describe('schemas for registration', () => {
  it.each(Object.keys(avroSchemas))('%s is self-contained and keeps logical types and docs', (name) => {
    const schema = avroSchemas[name as keyof typeof avroSchemas];

    const sut = parseAvroSchema(JSON.parse(JSON.stringify(schema)));

    expect(sut.name).toBe(name);
  });

  it('keeps timestamp-millis and the envelope doc in the registered IngestEnvelope', () => {
    const sut = avroContract('io.weft.envelope.IngestEnvelope').schema as any;

    expect(sut.fields.find((f: any) => f.name === 'timestamp').type).toEqual({
      type: 'long',
      logicalType: 'timestamp-millis',
    });
    expect(sut.doc).toContain('travels as canonical JSON');
  });

  it('parses the same schema twice without a duplicate-name clash', () => {
    expect(() => [1, 2].map(() => parseAvroSchema(avroSchemas['io.weft.xdm.ExperienceEvent']))).not.toThrow();
  });
});

describe('IdentityItem schema', () => {
  it('matches the XDM identityitem JSON Schema: fields, states and defaults', () => {
    const reference = (loadExample('identityitem.schema.json') as any).definitions.identityitem.properties;
    const sut = xdmContracts.identityItem.type as any;

    expect(sut.fields.map((f: any) => `xdm:${f.name}`)).toEqual(Object.keys(reference));
    expect(sut.field('authenticatedState').type.symbols).toEqual(reference['xdm:authenticatedState'].enum);
    expect(sut.field('authenticatedState').defaultValue()).toBe(reference['xdm:authenticatedState'].default);
    expect(sut.field('primary').defaultValue()).toBe(reference['xdm:primary'].default);
  });

  it('is what identityMap holds, as in the XDM identitymap JSON Schema', () => {
    const reference = (loadExample('identitymap.schema.json') as any).definitions.identitymap.properties[
      'xdm:identityMap'
    ];
    const sut = xdmContracts.identityMap.type as any;

    expect(reference.additionalProperties.items.$ref).toBe('https://ns.adobe.com/xdm/context/identityitem');
    expect(sut.valuesType.itemsType.name).toBe('io.weft.xdm.IdentityItem');
  });
});
