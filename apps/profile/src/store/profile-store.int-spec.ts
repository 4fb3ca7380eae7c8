import { randomUUID } from 'node:crypto';
import type { MessagingClient } from '@weft/messaging';
import { expectEventually, testKafka, withClient } from '@weft/testing';
import { topics, type GraphChange, type ResolvedEnvelope } from '@weft/xdm';
import { event, mergeChange, record, splitChange } from '../../test/envelopes';
import { ChangeFeed, messagingClient, ProfileService, publish, setGroupOffsets, topicEnds } from '../../test/profile-service';
import { ProfileStore } from './profile-store.service';

jest.setTimeout(120_000);

describe(ProfileStore.name, () => {
  let sut: ProfileService;
  let client: MessagingClient;
  let feed: ChangeFeed;
  const run = randomUUID().slice(0, 8);
  const pid = (name: string) => `${name}-${run}`;
  const email = (name: string) => `${name}-${run}@example.com`;

  const sendResolved = (values: ResolvedEnvelope[]) => publish(client, topics.identityResolved, values, (v) => v.profileId);
  const sendGraph = (values: GraphChange[]) => publish(client, topics.identityGraph, values, (v) => v.survivor ?? v.old ?? '');

  /** Every stored row of the profile store, to compare before and after a replay. */
  const snapshot = () =>
    withClient(sut.schema.databaseUrl, async (c) => {
      const out: Record<string, unknown> = {};
      for (const [table, order] of [
        ['fragments', 'dataset_id, primary_identity'],
        ['events', 'id'],
        ['identities', 'namespace, id'],
        ['profiles', 'profile_id'],
      ]) {
        out[table] = (await c.query(`SELECT * FROM "${sut.schema.name}".${table} ORDER BY ${order}`)).rows;
      }
      return out;
    });

  beforeAll(async () => {
    client = messagingClient();
    await client.connect();
    feed = new ChangeFeed(client);
    await feed.start();
    sut = await ProfileService.start();
  });

  afterAll(async () => {
    await sut?.stop();
    await client?.close();
    await sut?.schema.drop();
  });

  it('stores records as fragments and events as time series, and publishes the merged profile', async () => {
    const now = Date.now();
    const ada = pid('ada');
    await sendResolved([
      record(ada).identity('Email', email('ada')).dataset('crm').document({ person: { name: { firstName: 'Ada' } }, loyalty: { tier: 'gold' } }).at(now - 5_000).build(),
      record(ada).identity('Email', email('ada')).dataset('crm').document({ person: { name: { lastName: 'Lovelace' } } }).at(now - 4_000).build(),
      event(ada).id(`evt-1-${run}`).identity('ECID', `ecid-ada-${run}`).identity('Email', email('ada'), false).document({ eventType: 'web.webpagedetails.pageViews' }).at(now - 3_000).build(),
    ]);

    const profile = await expectEventually(async () => {
      const res = await sut.lookup('ECID', `ecid-ada-${run}`);
      expect(res.status).toBe(200);
      expect(res.body.eventCount).toBe(1);
      return res.body;
    });
    expect(profile.profileId).toBe(ada);
    expect(profile.attributes).toEqual({ person: { name: { firstName: 'Ada', lastName: 'Lovelace' } }, loyalty: { tier: 'gold' } });
    expect(profile.identities.map((i: { namespace: string }) => i.namespace).sort()).toEqual(['ECID', 'Email']);

    const change = await expectEventually(() => {
      const last = feed.last(ada);
      expect(last?.events).toHaveLength(1);
      return last!;
    });
    expect(JSON.parse(change.attributes)).toEqual(profile.attributes);
    expect(change.events?.[0]).toMatchObject({ id: `evt-1-${run}`, eventType: 'web.webpagedetails.pageViews', datasetId: 'web-events' });
    expect(change.version).toBe(profile.version);
    const versions = feed.of(ada).map((m) => m.version);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);

    const fragments = await sut.request('GET', `/v1/profiles/${ada}/fragments`);
    expect(fragments.body.items).toEqual([
      expect.objectContaining({ datasetId: 'crm', primaryIdentity: `Email:${email('ada')}`, attributes: profile.attributes }),
    ]);
  });

  it('changes nothing when the resolved topic is replayed from the start', async () => {
    const grace = pid('grace');
    const start = await topicEnds(topics.identityResolved.name);
    const envelopes = [
      record(grace).identity('Email', email('grace')).document({ person: { name: { firstName: 'Grace' } } }).at(Date.now() - 2_000).build(),
      record(grace).identity('Email', email('grace')).document({ person: { name: { firstName: 'Grace', lastName: 'Hopper' } } }).at(Date.now() - 1_000).build(),
      event(grace).id(`evt-g1-${run}`).identity('Email', email('grace')).document({ eventType: 'commerce.purchases' }).build(),
      event(grace).id(`evt-g2-${run}`).identity('Email', email('grace')).document({ eventType: 'commerce.purchases' }).build(),
    ];
    await sendResolved(envelopes);
    await expectEventually(async () => expect((await sut.lookup('Email', email('grace'))).body.eventCount).toBe(2));
    await expectEventually(() => expect(feed.of(grace).length).toBeGreaterThan(0));
    const before = await snapshot();
    const feedBefore = feed.messages.length;

    // Restart the service with its consumer group rewound to before these documents, and send duplicates as well.
    await sut.stop();
    await setGroupOffsets(`weft.${sut.name}.${topics.identityResolved.name}`, topics.identityResolved.name, start);
    sut = await ProfileService.start({ schema: sut.schema, name: sut.name });
    await sendResolved([envelopes[2], envelopes[0]]);
    const end = await topicEnds(topics.identityResolved.name);
    await expectEventually(async () => {
      const admin = testKafka().admin();
      await admin.connect();
      const [committed] = await admin.fetchOffsets({ groupId: `weft.${sut.name}.${topics.identityResolved.name}`, topics: [topics.identityResolved.name] });
      await admin.disconnect();
      for (const p of end) expect(committed.partitions.find((c) => c.partition === p.partition)?.offset).toBe(p.offset);
    }, { timeoutMs: 30_000 });

    expect(await snapshot()).toEqual(before);
    expect(feed.messages.slice(feedBefore).filter((m) => m.profileId.endsWith(run))).toEqual([]);
  });

  it('moves the absorbed profile data on a graph merge, and back by identity on a split', async () => {
    const web = pid('web');
    const crm = pid('crm');
    const ecid = `ecid-web-${run}`;
    await sendResolved([
      record(crm).identity('Email', email('linus')).dataset('crm').document({ person: { name: { firstName: 'Linus' } } }).build(),
      event(crm).id(`evt-crm-${run}`).identity('Email', email('linus')).document({ eventType: 'email.opened' }).build(),
      event(web).id(`evt-web-${run}`).identity('ECID', ecid).document({ eventType: 'web.webpagedetails.pageViews' }).build(),
      record(web).identity('ECID', ecid).dataset('web-prefs').document({ preferredLanguage: 'sv' }).build(),
    ]);
    await expectEventually(async () => {
      expect((await sut.lookup('ECID', ecid)).body.profileId).toBe(web);
      expect((await sut.lookup('Email', email('linus'))).body.profileId).toBe(crm);
    });

    await sendGraph([mergeChange(crm, [web])]);
    const merged = await expectEventually(async () => {
      const byEcid = await sut.lookup('ECID', ecid);
      expect(byEcid.body.profileId).toBe(crm);
      expect(byEcid.body.eventCount).toBe(2);
      return byEcid.body;
    });
    expect(merged.attributes).toEqual({ person: { name: { firstName: 'Linus' } }, preferredLanguage: 'sv' });
    expect((await sut.lookup('Email', email('linus'))).body).toEqual(merged);
    expect((await sut.request('GET', `/v1/profiles/${web}`)).status).toBe(404);
    expect((await sut.request('GET', `/v1/profiles/${crm}/fragments`)).body.items).toHaveLength(2);
    await expectEventually(() => {
      expect(feed.last(web)?.deleted).toBe(true);
      expect(feed.last(crm)?.events?.map((e) => e.id).sort()).toEqual([`evt-crm-${run}`, `evt-web-${run}`]);
    });

    // A document stitched to the absorbed id before identity's merge was seen lands on the survivor.
    await sendResolved([record(web).identity('ECID', ecid).dataset('web-prefs').document({ preferredLanguage: 'fi' }).at(Date.now() + 1).build()]);
    await expectEventually(async () => expect((await sut.lookup('Email', email('linus'))).body.attributes.preferredLanguage).toBe('fi'));

    await sendGraph([splitChange(crm, [
      { profileId: crm, identities: [{ namespace: 'Email', id: email('linus') }] },
      { profileId: web, identities: [{ namespace: 'ECID', id: ecid }] },
    ])]);
    const split = await expectEventually(async () => {
      const byEcid = await sut.lookup('ECID', ecid);
      expect(byEcid.body.profileId).toBe(web);
      return byEcid.body;
    });
    expect(split.attributes).toEqual({ preferredLanguage: 'fi' });
    expect(split.eventCount).toBe(1);
    const linus = (await sut.lookup('Email', email('linus'))).body;
    expect(linus).toMatchObject({ profileId: crm, attributes: { person: { name: { firstName: 'Linus' } } }, eventCount: 1 });
    expect((await sut.request('GET', `/v1/profiles/${web}/events`)).body.items.map((e: { id: string }) => e.id)).toEqual([`evt-web-${run}`]);
    await expectEventually(() => expect(feed.last(web)?.deleted).toBe(false));
  });

  it('applies each graph change once', async () => {
    const a = pid('once-a');
    const b = pid('once-b');
    await sendResolved([
      record(a).identity('Email', email('once-a')).document({ a: 1 }).build(),
      record(b).identity('Email', email('once-b')).document({ b: 1 }).build(),
    ]);
    await expectEventually(async () => expect((await sut.lookup('Email', email('once-b'))).status).toBe(200));
    const change = mergeChange(a, [b]);
    await sendGraph([change, change]);
    await expectEventually(async () => expect((await sut.lookup('Email', email('once-b'))).body.profileId).toBe(a));
    await expectEventually(() => expect(feed.of(a).filter((m) => m.changedPaths.includes('b'))).toHaveLength(1));
    await sendGraph([change]);
    const marker = pid('marker');
    await sendGraph([mergeChange(marker, [pid('nobody')])]);
    await sendResolved([record(marker).identity('Email', email('marker')).document({ m: 1 }).build()]);
    await expectEventually(() => expect(feed.of(marker)).toHaveLength(1));
    expect(feed.of(a).filter((m) => m.changedPaths.includes('b'))).toHaveLength(1);
  });

  it('keeps every fragment when batches of two partitions write the same profile side by side', async () => {
    const store = sut.app.get(ProfileStore);
    const shared = pid('shared');
    await store.applyResolved([record(shared).identity('Email', email('shared')).dataset('crm').document({ crm: { v: 0 } }).build()]);
    // Each round: two batches (as from two partitions, one reaching the profile through a redirect) at once.
    for (let round = 1; round <= 5; round++) {
      await Promise.all(
        ['crm', 'web'].map((dataset) =>
          store.applyResolved([record(shared).identity(`${dataset}Id`, `${dataset}-${run}`).dataset(dataset).document({ [dataset]: { v: round } }).build()]),
        ),
      );
      const profile = (await sut.lookup('Email', email('shared'))).body;
      expect(profile.attributes).toMatchObject({ crm: { v: round }, web: { v: round } });
    }
  });
});
