import { uniqueIdentifier } from '@weft/testing';
import { startIngestion, type Harness } from '../../test/harness';
import { XdmSchemasController } from './xdm-schemas.controller';

describe(XdmSchemasController.name, () => {
  let h: Harness;
  const run = uniqueIdentifier('sch');

  beforeAll(async () => {
    h = await startIngestion();
  }, 60_000);

  afterAll(() => h?.close());

  it('creates a schema with its Avro form registered, identity fields and labels', async () => {
    const res = await h.api('POST', '/v1/schemas', {
      id: `crm-${run}`,
      title: 'CRM',
      class: 'profile',
      fieldGroups: ['identitymap', 'personal-contact-details'],
      customFields: { crmId: { type: 'string', identity: { namespace: 'CRMID', primary: true }, labels: ['I1'] } },
      strict: true,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      version: 1,
      identityFields: [{ path: '_weft.crmId', namespace: 'CRMID', primary: true }],
      avro: { subject: `weft.xdm.crm-${run}-value`, schemaId: expect.any(Number) },
    });
    expect(res.body.labels).toContainEqual({ path: 'personalEmail.address', labels: ['I1'] });
    expect((await h.api('GET', '/v1/schemas')).body.schemas.map((s: { id: string }) => s.id)).toContain(`crm-${run}`);
  });

  it('adds optional fields with PATCH and registers the next Avro version', async () => {
    const before = (await h.api('GET', `/v1/schemas/crm-${run}`)).body;
    const res = await h.api('PATCH', `/v1/schemas/crm-${run}`, { fieldGroups: ['loyalty'], customFields: { tier: { type: 'string' } } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: 2, fieldGroups: ['identitymap', 'personal-contact-details', 'loyalty'] });
    expect(res.body.avro.schemaId).not.toBe(before.avro.schemaId);
  });

  it('refuses a change that is not additive, with the reason', async () => {
    const res = await h.api('PATCH', `/v1/schemas/crm-${run}`, { customFields: { tier: { type: 'number' } } });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'schema_change_not_additive', details: [{ path: '_weft.tier', message: '_weft.tier: type cannot change ("string" → "number")' }] });
    expect((await h.api('GET', `/v1/schemas/crm-${run}`)).body.version).toBe(2);
  });

  it('lists standard field groups and accepts custom ones under the tenant namespace only', async () => {
    const groups = (await h.api('GET', '/v1/fieldgroups')).body.fieldGroups.map((g: { id: string }) => g.id);
    expect(groups).toEqual(expect.arrayContaining(['identitymap', 'consents', 'loyalty', 'commerce', 'campaign-delivery-log', 'campaign-non-deliverable-address']));
    const outside = await h.api('POST', '/v1/fieldgroups', { id: `bad-${run}`, title: 'Bad', classes: ['profile'], properties: { shoeSize: { type: 'number' } } });
    expect(outside.body.error.code).toBe('invalid_field_group');
    const ok = await h.api('POST', '/v1/fieldgroups', { id: `shoes-${run}`, title: 'Shoes', classes: ['profile'], properties: { _weft: { type: 'object', properties: { shoeSize: { type: 'number', labels: ['C1'] } } } } });
    expect(ok.status).toBe(201);
    const schema = await h.api('POST', '/v1/schemas', { id: `shoes-${run}`, title: 'Shoes', class: 'profile', fieldGroups: [`shoes-${run}`] });
    expect(schema.body.labels).toEqual([{ path: '_weft.shoeSize', labels: ['C1'] }]);
  });

  it('explains an invalid schema', async () => {
    const res = await h.api('POST', '/v1/schemas', { title: 'x', class: 'profile', fieldGroups: ['commerce'] });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_schema', details: [{ path: 'fieldGroups', message: 'field group commerce applies to experienceevent, not profile' }] });
  });
});
