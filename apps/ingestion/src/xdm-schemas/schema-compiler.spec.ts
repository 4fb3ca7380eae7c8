import { fromAvro, normalizeXdm, parseAvroSchema, toAvro } from '@weft/xdm';
import { loadExample } from '../../test/factories';
import { toAvroSchema } from './avro-schema';
import { nonAdditiveChanges } from './evolution';
import { compileFieldGroup, compileSchema, fieldErrors, SchemaDefinitionError, type SchemaDefinition } from './schema-compiler';
import { standardFieldGroup, STANDARD_FIELD_GROUPS } from './standard-field-groups';

const definition = (overrides: Partial<SchemaDefinition> = {}): SchemaDefinition => ({
  id: 'crm',
  title: 'CRM',
  class: 'profile',
  fieldGroups: ['identitymap', 'personal-contact-details'],
  customFields: {},
  strict: true,
  version: 1,
  ...overrides,
});
const compile = (d: SchemaDefinition) => compileSchema(d, standardFieldGroup, 'acme');

describe(compileSchema.name, () => {
  it.each([
    ['profile-consents.example.1.json', 'consents', ''],
    ['consent-preferences.example.1.json', 'consents', ''],
    ['profile-personal-details.example.2.json', 'personal-contact-details', ''],
    ['profile-work-details.example.1.json', 'work-contact-details', ''],
    ['segmentation.example.1.json', 'segmentation', ''],
    ['identitymap.example.2.json', 'identitymap', 'identityMap'],
    ['external-source-system-audit-details.example.1.json', 'external-source-system-audit', 'extSourceSystemAudit'],
    ['commerce.example.1.json', 'commerce', 'commerce'],
    ['productlistitem.example.1.json', 'product-list-items', 'productListItems'],
    ['webinfo.example.1.json', 'web-details', 'web'],
    ['experienceevent-campaign-delivery-log.example.1.json', 'campaign-delivery-log', ''],
    ['segmentmembership.example.1.json', 'segmentation', 'segmentMembership'],
  ])('validates the field-group example %s against %s', (file, groupId, under) => {
    let doc: unknown = normalizeXdm(loadExample(file));
    if (under === 'productListItems') doc = { productListItems: [doc] };
    else if (under === 'segmentMembership') doc = { segmentMembership: { AAM: { s1: doc } } };
    else if (under) doc = { [under]: doc };
    const sut = compileFieldGroup(standardFieldGroup(groupId)!);
    expect(sut(doc) ? [] : fieldErrors(sut.errors)).toEqual([]);
  });

  it('names the path and the rule of each violation', () => {
    const sut = compile(definition());
    expect(sut.validate({ personalEmail: { address: 5 }, homeAddress: { countryCode: 'FRA' }, extra: 1 })).toBe(false);
    expect(fieldErrors(sut.validate.errors)).toEqual([
      { path: 'extra', code: 'UNKNOWN_FIELD', message: 'extra is not a field of this strict schema' },
      { path: 'personalEmail.address', code: 'TYPE_MISMATCH', message: 'personalEmail.address must be string' },
      { path: 'homeAddress.countryCode', code: 'INVALID_VALUE', message: 'homeAddress.countryCode must match pattern "^[A-Za-z]{2}$" (pattern)' },
    ]);
  });

  it('lists identity fields and labels, and nests custom fields under the tenant', () => {
    const sut = compile(definition({ customFields: { crmId: { type: 'string', identity: { namespace: 'CRMID', primary: true }, labels: ['I1', 'C2'] } } }));
    expect(sut.identityFields).toEqual([{ path: '_acme.crmId', namespace: 'CRMID', primary: true }]);
    expect(sut.labels).toContainEqual({ path: '_acme.crmId', labels: ['I1', 'C2'] });
    expect(sut.validate({ _acme: { crmId: 'c1' } })).toBe(true);
  });

  it('refuses unknown groups, groups of another class, unknown labels and two primary identity fields', () => {
    const bad = definition({
      fieldGroups: ['nope', 'commerce'],
      customFields: {
        a: { type: 'string', labels: ['X9'], identity: { namespace: 'A', primary: true } },
        b: { type: 'string', identity: { namespace: 'B', primary: true } },
      },
    });
    expect(() => compile(bad)).toThrow(SchemaDefinitionError);
    try {
      compile(bad);
    } catch (err) {
      expect((err as SchemaDefinitionError).problems.map((p) => p.message)).toEqual([
        'field group nope does not exist (GET /v1/fieldgroups lists them)',
        'field group commerce applies to experienceevent, not profile',
        'unknown data-usage label X9 (C1–C12, I1, I2, S1, S2, …)',
        'only one field may be the primary identity, found _acme.a, _acme.b',
      ]);
    }
  });

  it('compiles every standard field group into an Avro schema that round-trips a document', () => {
    const groups = STANDARD_FIELD_GROUPS.filter((g) => g.classes.includes('experienceevent')).map((g) => g.id);
    const sut = compile(definition({ class: 'experienceevent', fieldGroups: groups }));
    const type = parseAvroSchema(toAvroSchema(sut.definition, sut.root));
    const doc = {
      _id: 'e1',
      timestamp: '2026-01-02T03:04:05.000Z',
      identityMap: { ECID: [{ id: 'x', primary: true }] },
      productListItems: [{ SKU: 'a', quantity: 2, priceTotal: 9.5 }],
      _experience: { campaign: { deliveryID: 'd1', quarantine: false, trackingType: 'open' } },
    };
    expect(sut.validate(doc)).toBe(true);
    expect(fromAvro(type, type.fromBuffer(type.toBuffer(toAvro(type, doc).value)))).toEqual(doc);
  });
});

describe(nonAdditiveChanges.name, () => {
  const before = compile(definition({ customFields: { tier: { type: 'string', enum: ['gold', 'silver'] } } }));

  it('allows new optional fields and field groups', () => {
    const after = compile(definition({ version: 2, fieldGroups: ['identitymap', 'personal-contact-details', 'loyalty'], customFields: { tier: { type: 'string', enum: ['gold', 'silver'] }, score: { type: 'number' } } }));
    expect(nonAdditiveChanges(before, after)).toEqual([]);
  });

  it('refuses removals, type and enum changes, and becoming strict', () => {
    const after = compile(definition({ version: 2, fieldGroups: ['identitymap'], customFields: { tier: { type: 'string', enum: ['gold'] } } }));
    const loose = compile(definition({ strict: false }));
    expect(nonAdditiveChanges(before, after).map((p) => p.message)).toEqual([
      'field group personal-contact-details cannot be removed',
      expect.stringMatching(/^personalEmail cannot be removed/),
      expect.stringMatching(/cannot be removed/),
      expect.stringMatching(/cannot be removed/),
      expect.stringMatching(/cannot be removed/),
      expect.stringMatching(/cannot be removed/),
      expect.stringMatching(/cannot be removed/),
      expect.stringMatching(/cannot be removed/),
      '_acme.tier: enum cannot change (["gold","silver"] → ["gold"])',
    ]);
    expect(nonAdditiveChanges(loose, before).map((p) => p.path)).toEqual(['strict']);
  });
});
