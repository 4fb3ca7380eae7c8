import { expectEventually } from '@weft/testing';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RunningDestinationHttp } from '../../test/destination-http-app';
import { newSegmentId } from '../../test/envelopes';

/** A stand-in for ingestion's GET /v1/schemas with a labelled field, which can also be made unavailable. */
async function fakeIngestion(): Promise<{ url: string; server: Server; up: { value: boolean } }> {
  const up = { value: true };
  const server = createServer((req, res) => {
    if (!up.value || req.url !== '/v1/schemas') {
      res.writeHead(503).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify([
        {
          id: 'loyalty-members',
          class: 'profile',
          fields: {
            type: 'object',
            properties: {
              interests: { type: 'array', labels: ['C5'], items: { type: 'string' } },
              personalEmail: { type: 'object', properties: { address: { type: 'string', labels: ['I1'] } } },
            },
          },
        },
      ]),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, up };
}


jest.setTimeout(30_000);

describe('HTTP destination governance', () => {
  let sut: RunningDestinationHttp;
  let ingestion: Awaited<ReturnType<typeof fakeIngestion>>;
  let connectionId: string;

  const emailC2 = { source: 'personalEmail.address', target: 'email', labels: ['C2'] };
  const setPolicy = (id: string, enabled: boolean) => sut.api('PATCH', `/v1/policies/${id}`, { enabled });

  beforeAll(async () => {
    ingestion = await fakeIngestion();
    sut = await RunningDestinationHttp.start({ INGESTION_URL: ingestion.url, INGESTION_LABELS_TTL_MS: '0' });
    connectionId = await sut.connection({ endpoint: 'http://127.0.0.1:9/hook' });
  }, 120_000);

  afterAll(async () => {
    await sut?.stop();
    ingestion?.server.closeAllConnections();
    await new Promise((resolve) => ingestion?.server.close(resolve));
  });

  it('ships the core policies, all disabled', async () => {
    const { body } = await sut.api('GET', '/v1/policies');
    const byId = new Map(body.items.map((p: { id: string }) => [p.id, p]));
    expect(byId.get('core-c2-export-third-party')).toMatchObject({ labels: ['C2', 'C12'], marketingAction: 'exportToThirdParty', enabled: false, core: true });
    expect(byId.get('core-c5-interest-based')).toMatchObject({ labels: ['C5'], marketingAction: 'crossSiteTargeting', enabled: false });
    expect(body.items.every((p: { enabled: boolean }) => !p.enabled)).toBe(true);
  });

  it('refuses a dataflow that maps an email labelled C2 to a third-party action, listing the violation', async () => {
    const body = { connectionId, segmentIds: [newSegmentId()], mapping: [emailC2], marketingActions: ['exportToThirdParty'] };
    expect((await sut.api('POST', '/v1/dataflows', { name: 'before', consentChannel: 'email', ...body })).status).toBe(201);

    await setPolicy('core-c2-export-third-party', true);
    try {
      const refused = await sut.api('POST', '/v1/dataflows', { name: 'after', consentChannel: 'email', ...body });
      expect(refused.status).toBe(422);
      expect(refused.body.error.code).toBe('policy_violation');
      expect(refused.body.error.details).toEqual([
        expect.objectContaining({
          path: 'mapping.0.source',
          field: 'personalEmail.address',
          label: 'C2',
          policy: 'core-c2-export-third-party',
          action: 'exportToThirdParty',
        }),
      ]);
      // The same mapping for email targeting (a first-party action) is fine.
      const firstParty = await sut.api('POST', '/v1/dataflows', { name: 'email', consentChannel: 'email', ...body, marketingActions: ['emailTargeting'] });
      expect(firstParty.status).toBe(201);
      // Changing a dataflow into a violation is refused too.
      const change = await sut.api('PATCH', `/v1/dataflows/${firstParty.body.id}`, { marketingActions: ['exportToThirdParty'] });
      expect(change.status).toBe(422);
      expect((await sut.api('GET', `/v1/dataflows/${firstParty.body.id}`)).body.marketingActions).toEqual(['emailTargeting']);
    } finally {
      await setPolicy('core-c2-export-third-party', false);
    }
  });

  it('reads field labels from the ingestion schemas', async () => {
    await setPolicy('core-c5-interest-based', true);
    try {
      const body = {
        name: 'interests',
        connectionId,
        segmentIds: [newSegmentId()],
        consentChannel: 'ads',
        marketingActions: ['crossSiteTargeting'],
        mapping: [{ source: 'interests', target: 'interests' }],
      };
      const refused = await sut.api('POST', '/v1/dataflows', body);
      expect(refused.status).toBe(422);
      expect(refused.body.error.details[0]).toMatchObject({ field: 'interests', label: 'C5', policy: 'core-c5-interest-based' });

      // Without ingestion, only labels written on the mapping count.
      ingestion.up.value = false;
      expect((await sut.api('POST', '/v1/dataflows', body)).status).toBe(201);
      const labelled = await sut.api('POST', '/v1/dataflows', { ...body, mapping: [{ source: 'interests', target: 'interests', labels: ['C5'] }] });
      expect(labelled.status).toBe(422);
    } finally {
      ingestion.up.value = true;
      await setPolicy('core-c5-interest-based', false);
    }
  });

  it('evaluates a custom allOf policy across the mapped fields', async () => {
    const created = await sut.api('POST', '/v1/policies', {
      id: 'no-email-and-geo-analytics',
      name: 'No identifiable geo analytics',
      marketingAction: 'analytics',
      operator: 'allOf',
      labels: ['C2', 'S1'],
      enabled: true,
    });
    expect(created.status).toBe(201);
    const base = { name: 'geo', connectionId, segmentIds: [newSegmentId()], consentChannel: 'none', marketingActions: ['analytics'] };
    expect((await sut.api('POST', '/v1/dataflows', { ...base, mapping: [emailC2] })).status).toBe(201);
    const refused = await sut.api('POST', '/v1/dataflows', {
      ...base,
      mapping: [emailC2, { source: 'homeAddress.geo', target: 'geo', labels: ['S1'] }],
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error.details.map((d: { label: string }) => d.label).sort()).toEqual(['C2', 'S1']);
  });

  it('refuses bad requests naming the field', async () => {
    const bad = await sut.api('POST', '/v1/dataflows', { name: 'x', connectionId, segmentIds: [], consentChannel: 'fax', marketingActions: ['spam'] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(['segmentIds', 'consentChannel', 'marketingActions.0']));
    const core = await sut.api('PATCH', '/v1/policies/core-c2-export-third-party', { labels: ['C1'] });
    expect(core.status).toBe(400);
    await expectEventually(async () => expect((await sut.api('GET', '/v1/policies/nope')).status).toBe(404));
  });
});
