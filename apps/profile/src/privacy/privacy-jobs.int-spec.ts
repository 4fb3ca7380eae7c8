import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MessagingClient } from '@weft/messaging';
import { expectEventually } from '@weft/testing';
import { topics, type ResolvedEnvelope } from '@weft/xdm';
import { event, mergeChange, record } from '../../test/envelopes';
import { API_KEY, ChangeFeed, messagingClient, ProfileService, publish } from '../../test/profile-service';
import { PrivacyJobsService } from './privacy-jobs.service';

jest.setTimeout(120_000);

/** A stand-in for the identity service's admin API that records the graphs it was asked to delete. */
async function fakeIdentityService(): Promise<{ url: string; deleted: string[]; keys: string[]; close(): Promise<void> }> {
  const deleted: string[] = [];
  const keys: string[] = [];
  const server = http.createServer((req, res) => {
    const m = /^\/v1\/identities\/graph\/([^/]+)$/.exec(req.url ?? '');
    keys.push(String(req.headers['x-api-key']));
    if (req.method === 'DELETE' && m) {
      deleted.push(decodeURIComponent(m[1]));
      res.writeHead(204).end();
    } else res.writeHead(404).end('{"error":{"code":"not_found","message":"Cannot DELETE"}}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    deleted,
    keys,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe(PrivacyJobsService.name, () => {
  let sut: ProfileService;
  let client: MessagingClient;
  let feed: ChangeFeed;
  let identity: Awaited<ReturnType<typeof fakeIdentityService>>;
  const run = randomUUID().slice(0, 8);
  const email = (name: string) => `${name}-${run}@example.com`;
  const sendResolved = (values: ResolvedEnvelope[]) => publish(client, topics.identityResolved, values, (v) => v.profileId);

  /** A person known by an email on one profile and a device on another, merged by identity. */
  async function person(name: string): Promise<{ profileId: string; identities: { namespace: string; id: string }[] }> {
    const profileId = `${name}-${run}`;
    const device = `${name}-device-${run}`;
    await sendResolved([
      record(profileId).identity('Email', email(name)).document({ person: { name: { firstName: name } } }).build(),
      event(device).id(`${name}-evt-${run}`).identity('ECID', `ecid-${name}-${run}`).document({ eventType: 'web.webpagedetails.pageViews' }).build(),
    ]);
    await publish(client, topics.identityGraph, [mergeChange(profileId, [device])], () => profileId);
    await expectEventually(async () =>
      expect((await sut.lookup('ECID', `ecid-${name}-${run}`)).body).toMatchObject({ profileId, eventCount: 1, attributes: { person: { name: { firstName: name } } } }),
    );
    return { profileId, identities: [{ namespace: 'Email', id: email(name) }, { namespace: 'ECID', id: `ecid-${name}-${run}` }] };
  }

  const waitFor = (jobId: string, status: string) =>
    expectEventually(async () => {
      const job = await sut.request('GET', `/v1/privacy/jobs/${jobId}`);
      expect(job.body.status).toBe(status);
      return job.body;
    });

  beforeAll(async () => {
    client = messagingClient();
    await client.connect();
    feed = new ChangeFeed(client);
    await feed.start();
    identity = await fakeIdentityService();
    sut = await ProfileService.start({ env: { IDENTITY_URL: identity.url, PRIVACY_RETRY_INTERVAL_SECONDS: '1' } });
  });

  afterAll(async () => {
    await sut?.stop();
    await client?.close();
    await identity?.close();
    await sut?.schema.drop();
  });

  it('returns everything held about the person on an access request', async () => {
    const ada = await person('ada');
    const created = await sut.request('POST', '/v1/privacy/jobs', { action: 'access', identities: [ada.identities[1]] });
    expect(created.status).toBe(202);
    const job = await waitFor(created.body.id, 'completed');
    expect(job.result.profiles).toEqual([
      expect.objectContaining({
        profileId: ada.profileId,
        mergedProfile: expect.objectContaining({ attributes: { person: { name: { firstName: 'ada' } } } }),
        identities: expect.arrayContaining([expect.objectContaining({ namespace: 'ECID' }), expect.objectContaining({ namespace: 'Email' })]),
        fragments: [expect.objectContaining({ datasetId: 'crm-profiles' })],
        events: [expect.objectContaining({ id: `ada-evt-${run}` })],
      }),
    ]);
    expect(job.receipt).toMatchObject({ jobId: created.body.id, action: 'access', profileIds: [ada.profileId] });
  });

  it('deletes the person, publishes the deletion, removes the graph through identity and records a receipt', async () => {
    const grace = await person('grace');
    const created = await sut.request('POST', '/v1/privacy/jobs', { action: 'delete', identities: [grace.identities[0]] });
    const job = await waitFor(created.body.id, 'completed');

    for (const i of grace.identities) expect((await sut.lookup(i.namespace, i.id)).status).toBe(404);
    expect((await sut.request('GET', `/v1/profiles/${grace.profileId}`)).status).toBe(404);
    expect((await sut.request('GET', `/v1/profiles/${grace.profileId}/fragments`)).status).toBe(404);
    await expectEventually(() => expect(feed.last(grace.profileId)).toMatchObject({ deleted: true, attributes: '{}', identities: [] }));
    expect(identity.deleted).toContain(grace.profileId);
    expect(identity.keys).toContain(API_KEY);
    expect(job.steps.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual([
      'profileStore:completed',
      'changeFeed:completed',
      'identityGraph:completed',
    ]);
    expect(job.steps[0].detail.deleted).toMatchObject({ fragments: 1, events: 1, identities: 2, profiles: 1 });
    expect(job.receipt).toMatchObject({ jobId: created.body.id, action: 'delete', profileIds: [grace.profileId], completedAt: expect.any(String) });
  });

  it('records the graph step as pending, never silently, while the identity service is unreachable', async () => {
    await sut.stop();
    sut = await ProfileService.start({
      schema: sut.schema,
      name: sut.name,
      env: { IDENTITY_URL: 'http://127.0.0.1:9', PRIVACY_RETRY_INTERVAL_SECONDS: '1', PRIVACY_MAX_ATTEMPTS: '2' },
    });
    const linus = await person('linus');
    const created = await sut.request('POST', '/v1/privacy/jobs', { action: 'delete', identities: [linus.identities[1]] });
    const pending = await waitFor(created.body.id, 'pending');
    expect(pending.steps.find((s: { name: string }) => s.name === 'identityGraph')).toMatchObject({ status: 'pending', error: expect.stringContaining('unreachable') });
    for (const i of linus.identities) expect((await sut.lookup(i.namespace, i.id)).status).toBe(404);
    const failed = await waitFor(created.body.id, 'failed');
    expect(failed.steps.find((s: { name: string }) => s.name === 'identityGraph')).toMatchObject({ status: 'failed', attempts: 2 });
    expect(failed.receipt.steps).toContainEqual(expect.objectContaining({ name: 'identityGraph', status: 'failed' }));
  });

  it('refuses requests without identities, naming the field', async () => {
    const res = await sut.request('POST', '/v1/privacy/jobs', { action: 'delete', identities: [] });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0]).toMatchObject({ path: 'identities' });
    expect((await sut.request('GET', `/v1/privacy/jobs/${randomUUID()}`)).status).toBe(404);
  });
});
