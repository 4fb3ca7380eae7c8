import { randomUUID } from 'node:crypto';
import type { MessagingClient } from '@weft/messaging';
import { expectEventually } from '@weft/testing';
import { topics, type ResolvedEnvelope } from '@weft/xdm';
import { event, membership, record } from '../../test/envelopes';
import { ChangeFeed, messagingClient, ProfileService, publish } from '../../test/profile-service';
import { ProfilesService } from './profiles.service';

jest.setTimeout(120_000);

describe(ProfilesService.name, () => {
  let sut: ProfileService;
  let client: MessagingClient;
  let feed: ChangeFeed;
  const run = randomUUID().slice(0, 8);
  const pid = (name: string) => `${name}-${run}`;
  const email = (name: string) => `${name}-${run}@example.com`;
  const sendResolved = (values: ResolvedEnvelope[]) => publish(client, topics.identityResolved, values, (v) => v.profileId);

  beforeAll(async () => {
    client = messagingClient();
    await client.connect();
    feed = new ChangeFeed(client);
    await feed.start();
    sut = await ProfileService.start({ env: { PROFILE_MAX_EVENTS: '3', PROFILE_MAX_IDENTITIES: '4' } });
  });

  afterAll(async () => {
    await sut?.stop();
    await client?.close();
    await sut?.schema.drop();
  });

  it('answers 404 naming the identity for unknown identities and profiles', async () => {
    const res = await sut.lookup('Email', 'nobody@example.com');
    expect(res.status).toBe(404);
    expect(res.body.error).toEqual({ code: 'profile_not_found', message: 'no profile holds identity Email:"nobody@example.com"' });
    expect((await sut.request('GET', '/v1/profiles/missing-profile')).status).toBe(404);
    expect((await sut.request('GET', '/v1/profiles?namespace=Email')).body.error.details[0].path).toBe('id');
  });

  it('keeps at most five merge policies with exactly one default, and merges on read with any of them', async () => {
    const ada = pid('ada');
    const t = Date.now();
    await sendResolved([
      record(ada).identity('Email', email('ada')).dataset('crm').document({ homeAddress: { city: 'London' }, tier: 'gold' }).at(t - 10_000).build(),
      record(ada).identity('ECID', `ecid-${run}`).dataset('web').document({ homeAddress: { city: 'Paris' } }).at(t - 5_000).build(),
      record(ada).identity('Email', email('ada')).dataset('partner').document({ tier: 'bronze', partnerScore: 7 }).at(t - 1_000).build(),
    ]);
    const byDefault = await expectEventually(async () => {
      const res = await sut.lookup('Email', email('ada'));
      expect(res.body.attributes?.tier).toBe('bronze');
      expect(res.body.attributes?.homeAddress).toEqual({ city: 'Paris' });
      return res.body;
    });
    expect(byDefault.identities).toHaveLength(2);

    const { body: list } = await sut.request('GET', '/v1/merge-policies');
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({ isDefault: true, attributeMerge: { type: 'timestampOrdered' }, identityStitching: 'privateGraph' });

    const created = await sut.request('POST', '/v1/merge-policies', {
      name: 'CRM first',
      attributeMerge: { type: 'datasetPrecedence', datasets: ['crm', 'web'] },
      identityStitching: 'privateGraph',
    });
    expect(created.status).toBe(201);
    const crmFirst = (await sut.lookup('Email', email('ada'), created.body.id)).body;
    expect(crmFirst.attributes).toEqual({ homeAddress: { city: 'London' }, tier: 'gold' });

    const unstitched = await sut.request('POST', '/v1/merge-policies', { name: 'No graph', attributeMerge: { type: 'timestampOrdered' }, identityStitching: 'none' });
    const byEcidOnly = (await sut.lookup('ECID', `ecid-${run}`, unstitched.body.id)).body;
    expect(byEcidOnly.attributes).toEqual({ homeAddress: { city: 'Paris' } });
    expect(byEcidOnly.identities).toEqual([{ namespace: 'ECID', id: `ecid-${run}`, primary: true }]);

    const bad = await sut.request('POST', '/v1/merge-policies', { name: 'x', attributeMerge: { type: 'datasetPrecedence', datasets: [] }, identityStitching: 'privateGraph' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]).toMatchObject({ path: 'attributeMerge.datasets' });

    for (const n of [3, 4]) {
      expect((await sut.request('POST', '/v1/merge-policies', { name: `p${n}`, attributeMerge: { type: 'timestampOrdered' }, identityStitching: 'none' })).status).toBe(201);
    }
    const sixth = await sut.request('POST', '/v1/merge-policies', { name: 'p6', attributeMerge: { type: 'timestampOrdered' }, identityStitching: 'none' });
    expect(sixth.status).toBe(409);
    expect(sixth.body.error.code).toBe('merge_policy_limit');

    const defaultId = list.items[0].id;
    expect((await sut.request('DELETE', `/v1/merge-policies/${defaultId}`)).status).toBe(409);
    expect((await sut.request('PATCH', `/v1/merge-policies/${defaultId}`, { isDefault: false })).status).toBe(409);

    // Making the CRM-first policy the default re-materializes profiles and publishes the new merge.
    const promoted = await sut.request('PATCH', `/v1/merge-policies/${created.body.id}`, { isDefault: true });
    expect(promoted.body.isDefault).toBe(true);
    await expectEventually(async () => expect((await sut.lookup('Email', email('ada'))).body.attributes).toEqual(crmFirst.attributes));
    await expectEventually(() => expect(JSON.parse(feed.last(ada)!.attributes)).toEqual(crmFirst.attributes));
    expect(feed.last(ada)!.mergePolicyId).toBe(created.body.id);
    const policies = (await sut.request('GET', '/v1/merge-policies')).body.items;
    expect(policies.filter((p: { isDefault: boolean }) => p.isDefault).map((p: { id: string }) => p.id)).toEqual([created.body.id]);
    await sut.request('PATCH', `/v1/merge-policies/${defaultId}`, { isDefault: true });
    expect((await sut.request('DELETE', `/v1/merge-policies/${created.body.id}`)).status).toBe(204);
  });

  it('pages through events, lists fragments and shows segment memberships', async () => {
    const grace = pid('grace');
    const t = Date.now() - 60_000;
    await sendResolved([
      record(grace).identity('Email', email('grace')).dataset('crm').document({ person: { name: { firstName: 'Grace' } } }).build(),
      ...[0, 1, 2].map((i) => event(grace).id(`g-evt-${i}-${run}`).identity('Email', email('grace')).document({ eventType: 'web.webpagedetails.pageViews', n: i }).at(t + i * 1000).build()),
    ]);
    await expectEventually(async () => expect((await sut.lookup('Email', email('grace'))).body.eventCount).toBe(3));

    const first = await sut.request('GET', `/v1/profiles/${grace}/events?limit=2`);
    expect(first.body.items.map((e: { id: string }) => e.id)).toEqual([`g-evt-0-${run}`, `g-evt-1-${run}`]);
    const second = await sut.request('GET', `/v1/profiles/${grace}/events?limit=2&cursor=${encodeURIComponent(first.body.next)}`);
    expect(second.body).toMatchObject({ items: [expect.objectContaining({ id: `g-evt-2-${run}`, payload: expect.objectContaining({ n: 2 }) })], next: null });
    const since = await sut.request('GET', `/v1/profiles/${grace}/events?since=${new Date(t + 1000).toISOString()}`);
    expect(since.body.items).toHaveLength(2);

    expect((await sut.request('GET', `/v1/profiles/${grace}/fragments`)).body.items).toEqual([
      expect.objectContaining({ datasetId: 'crm', primaryIdentity: `Email:${email('grace')}`, attributes: { person: { name: { firstName: 'Grace' } } } }),
    ]);

    await publish(client, topics.segmentMembership, [membership(grace, 'vip', 'realized', 1), membership(grace, 'churn', 'realized', 2), membership(grace, 'churn', 'exited', 3)], (m) => m.profileId);
    await publish(client, topics.segmentMembership, [membership(grace, 'churn', 'realized', 2)], (m) => m.profileId);
    await expectEventually(async () =>
      expect((await sut.request('GET', `/v1/profiles/${grace}`)).body.segmentMemberships).toEqual([
        expect.objectContaining({ segmentId: 'churn', status: 'exited', version: 3 }),
        expect.objectContaining({ segmentId: 'vip', status: 'realized', version: 1 }),
      ]),
    );
  });

  it('flags profiles over the guardrails on the feed and in the API, and leaves them out of the export', async () => {
    const busy = pid('busy');
    const wide = pid('wide');
    const calm = pid('calm');
    await sendResolved([
      ...[0, 1, 2, 3].map((i) => event(busy).id(`busy-${i}-${run}`).identity('Email', email('busy')).document({ eventType: 'x' }).build()),
      record(wide).identity('Email', email('wide')).identity('ECID', `w1-${run}`, false).identity('ECID', `w2-${run}`, false).identity('ECID', `w3-${run}`, false).identity('Phone', `w4-${run}`, false).document({ a: 1 }).build(),
      record(calm).identity('Email', email('calm')).document({ calm: true }).build(),
      event(calm).id(`calm-1-${run}`).identity('Email', email('calm')).document({ eventType: 'y' }).build(),
    ]);
    await expectEventually(async () => {
      expect((await sut.lookup('Email', email('busy'))).body.flags).toEqual(['tooManyEvents']);
      expect((await sut.lookup('Email', email('wide'))).body.flags).toEqual(['tooManyIdentities']);
      expect((await sut.lookup('Email', email('calm'))).body.flags).toEqual([]);
    });
    await expectEventually(() => {
      expect(feed.last(busy)?.flags).toEqual(['tooManyEvents']);
      expect(feed.last(wide)?.flags).toEqual(['tooManyIdentities']);
    });

    const lines = async (query: string) => {
      const res = await sut.request<string>('GET', `/v1/profiles/export?${query}`);
      expect(res.headers.get('content-type')).toContain('application/x-ndjson');
      const body = res.body === undefined ? '' : typeof res.body === 'string' ? res.body : `${JSON.stringify(res.body)}\n`;
      return { rows: body.split('\n').filter(Boolean).map((l) => JSON.parse(l)), next: res.headers.get('x-next-cursor') };
    };
    const all = await lines('limit=1000');
    const ids = all.rows.map((r) => r.profileId);
    expect(ids).toContain(calm);
    expect(ids).not.toContain(busy);
    expect(ids).not.toContain(wide);
    expect([...ids].sort()).toEqual(ids);
    expect(all.rows.find((r) => r.profileId === calm)).toMatchObject({ attributes: { calm: true }, flags: [], events: [expect.objectContaining({ id: `calm-1-${run}` })] });
    expect((await lines('limit=1000&includeFlagged=true')).rows.map((r) => r.profileId)).toEqual(expect.arrayContaining([busy, wide]));

    const paged: string[] = [];
    let cursor = '';
    for (let page = 0; page < 20; page++) {
      const { rows, next } = await lines(`limit=1&cursor=${encodeURIComponent(cursor)}`);
      paged.push(...rows.map((r) => r.profileId));
      if (!next) break;
      cursor = next;
    }
    expect(paged).toEqual(ids);
  });
});
