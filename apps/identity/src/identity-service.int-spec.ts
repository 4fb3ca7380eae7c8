import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { defineGraphConfig, identityKey, primaryIdentity, type Identity } from '@weft/identity-graph';
import type { MessageConsumer, MessagingClient } from '@weft/messaging';
import { createTestSchema, expectEventually, uniqueName, type TestSchema } from '@weft/testing';
import { topics, type GraphChange, type ResolvedEnvelope } from '@weft/xdm';
import { anEnvelope, api, collect, startIdentityService, testMessaging } from '../test/identity-service.fixture';
import { loadScenarios, partitionDifferences, prefixed, type Scenario } from '../test/scenarios';
import { soloProfileId } from './graph/profile-ids';

describe('identity service', () => {
  let schema: TestSchema;
  let service: { app: NestFastifyApplication; url: string };
  let client: ReturnType<typeof api>;
  let messaging: MessagingClient;
  const consumers: MessageConsumer<unknown>[] = [];
  const resolved: ResolvedEnvelope[] = [];
  const graphChanges: GraphChange[] = [];
  const run = uniqueName('r').replace(/[^a-z0-9]/gi, '');

  beforeAll(async () => {
    schema = await createTestSchema('identity_svc');
    service = await startIdentityService(schema, uniqueName('identity-svc'));
    client = api(service.url);
    messaging = testMessaging();
    await messaging.connect();
    consumers.push((await collect(messaging, topics.identityResolved, resolved)) as MessageConsumer<unknown>);
    consumers.push((await collect(messaging, topics.identityGraph, graphChanges)) as MessageConsumer<unknown>);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    await messaging?.close();
    await service?.app.close();
    await schema?.drop();
  });

  describe('POST /v1/identities/simulate', () => {
    it.each(loadScenarios().map((s) => [s.id, s] as const))('%s answers the expected partition', async (_, scenario) => {
      const { status, body } = await client.post('/v1/identities/simulate', { config: scenario.config, events: scenario.events });
      expect(status).toBe(200);
      expect(partitionDifferences(body.graphs as Identity[][], scenario.expect.graphs)).toEqual([]);
    });

    it('refuses an invalid configuration naming the rule', async () => {
      const { status, body } = await client.post('/v1/identities/simulate', {
        config: { namespaces: [{ code: 'ECID', type: 'COOKIE', priority: 1, unique: false }, { code: 'CRMID', type: 'CROSS_DEVICE', priority: 2, unique: true }] },
        events: [],
      });
      expect(status).toBe(400);
      expect(body.error.message).toContain('CRMID');
    });
  });

  describe('scenarios end to end (weft.ingest.accepted.v1 → GET graph)', () => {
    it.each(loadScenarios().map((s) => [s.id, s] as const))('%s', async (_, reference) => {
      const scenario = prefixed(reference, `${run}${reference.id}-`);
      const ranked = [...scenario.config.namespaces].sort((x, y) => x.priority - y.priority);
      const rules = await client.put('/v1/identity-rules', { priority: ranked.map((n) => n.code), unique: ranked.filter((n) => n.unique).map((n) => n.code) });
      expect(rules.status).toBe(200);

      const config = defineGraphConfig(scenario.config);
      const envelopes = scenario.events.map((e) => anEnvelope(e.identities, e.at));
      // Kafka orders messages per key only, so the events of a scenario share one key to arrive in the order given.
      await messaging.publish(topics.ingestAccepted, envelopes.map((value) => ({ key: `${run}${reference.id}`, value })));
      const resolvable = envelopes.filter((_e, i) => primaryIdentity(scenario.events[i].identities, config));
      await expectEventually(() => expect(resolvedIds()).toEqual(expect.arrayContaining(resolvable.map((e) => e.id))), { timeoutMs: 30_000 });

      expect(partitionDifferences(await graphsOf(scenario), scenario.expect.graphs)).toEqual([]);
    }, 60_000);
  });

  it('publishes the split of a shared device and resolves events to the profile of their highest-priority identity', async () => {
    await client.put('/v1/identity-rules', { priority: ['CRMID', 'ECID'], unique: ['CRMID'] });
    const tom = { namespace: 'CRMID', id: `${run}tom` };
    const summer = { namespace: 'CRMID', id: `${run}summer` };
    const device = { namespace: 'ECID', id: `${Date.now()}`.padStart(38, '9') };
    const first = anEnvelope([device, tom], '2024-01-01T00:00:00Z');
    const second = anEnvelope([device, summer], '2024-01-01T00:01:00Z');
    await messaging.publish(topics.ingestAccepted, [first, second].map((value) => ({ key: run, value })));
    await expectEventually(() => expect(resolvedIds()).toEqual(expect.arrayContaining([first.id, second.id])), { timeoutMs: 30_000 });

    const [tomEvent, summerEvent] = [first, second].map((e) => resolved.find((r) => r.id === e.id)!);
    expect(tomEvent.primaryIdentity).toEqual(tom);
    expect(summerEvent.primaryIdentity).toEqual(summer);
    const summerGraph = await client.graphOf(summer);
    expect(summerGraph.body.profileId).toBe(summerEvent.profileId);
    expect(summerGraph.body.identities.map((i: Identity) => identityKey(i)).sort()).toEqual([device, summer].map(identityKey).sort());
    expect(summerGraph.body.identities.find((i: { namespace: string }) => i.namespace === 'ECID').type).toBe('COOKIE');
    expect((await client.graphOf(tom)).body).toEqual(expect.objectContaining({ profileId: soloProfileId(tom), links: [] }));
    await expectEventually(() =>
      expect(graphChanges).toContainEqual(
        expect.objectContaining({ type: 'split', old: tomEvent.profileId, removedIdentities: [tom] }),
      ),
    );
  }, 60_000);

  it('manages namespaces: standard ones, custom ones, immutable codes; non-people namespaces never link', async () => {
    const list = await client.get('/v1/namespaces');
    expect(list.body.map((n: { code: string }) => n.code)).toEqual(
      expect.arrayContaining(['ECID', 'AAID', 'TNTID', 'GAID', 'IDFA', 'WAID', 'APNS', 'FCM', 'Email', 'Email_LC_SHA256', 'Phone', 'Phone_E.164', 'Phone_SHA256', 'CRMID', 'loginID']),
    );
    const code = `store${run}`.slice(0, 60);
    expect((await client.post('/v1/namespaces', { code, name: 'Store id', type: 'NON_PEOPLE' })).status).toBe(201);
    expect((await client.post('/v1/namespaces', { code: code.toUpperCase(), name: 'again', type: 'COOKIE' })).status).toBe(409);
    const invalid = await client.post('/v1/namespaces', { code: '1bad', name: 'x', type: 'PEOPLE' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['code', 'type']);
    expect((await client.get(`/v1/namespaces/${code}`)).body).toEqual(expect.objectContaining({ code, type: 'NON_PEOPLE', custom: true }));

    const rules = await client.put('/v1/identity-rules', { priority: ['CRMID', code], unique: [] });
    expect(rules.status).toBe(400);
    expect(rules.body.error.details).toEqual([expect.objectContaining({ path: 'priority[1]', code: 'notLinkable' })]);
    await client.put('/v1/identity-rules', { priority: ['CRMID', 'ECID'], unique: ['CRMID'] });

    const person = { namespace: 'CRMID', id: `${run}store-customer` };
    const cookie = { namespace: 'ECID', id: `${Date.now()}`.padStart(38, '8') };
    const envelope = anEnvelope([person, { namespace: code, id: 'store-1' }, cookie], '2024-01-02T00:00:00Z');
    await messaging.publish(topics.ingestAccepted, [{ key: run, value: envelope }]);
    await expectEventually(() => expect(resolvedIds()).toContain(envelope.id), { timeoutMs: 30_000 });
    expect((await client.graphOf(person)).body.identities.map(identityKey).sort()).toEqual([cookie, person].map(identityKey).sort());
    expect((await client.graphOf({ namespace: code, id: 'store-1' })).status).toBe(404);
  }, 60_000);

  it('deletes an identity, then a whole graph, and publishes the changes', async () => {
    await client.put('/v1/identity-rules', { priority: ['CRMID', 'Email', 'ECID'], unique: ['CRMID'] });
    const person = { namespace: 'CRMID', id: `${run}delete-me` };
    const mail = { namespace: 'Email', id: `${run}delete@x.com` };
    const cookie = { namespace: 'ECID', id: `${Date.now()}`.padStart(38, '7') };
    const envelope = anEnvelope([person, mail, cookie], '2024-01-03T00:00:00Z');
    await messaging.publish(topics.ingestAccepted, [{ key: run, value: envelope }]);
    await expectEventually(() => expect(resolvedIds()).toContain(envelope.id), { timeoutMs: 30_000 });
    const profileId = resolved.find((r) => r.id === envelope.id)!.profileId;

    const deleted = await client.delete(`/v1/identities?namespace=CRMID&id=${encodeURIComponent(person.id)}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.changes).toEqual([expect.objectContaining({ type: 'split', old: profileId, removedIdentities: [person] })]);
    expect((await client.graphOf(person)).status).toBe(404);
    expect((await client.graphOf(mail)).body.profileId).toBe(profileId);

    expect((await client.delete(`/v1/identities/graph/${profileId}`)).status).toBe(200);
    expect((await client.get(`/v1/identities/graph/${profileId}`)).status).toBe(404);
    expect((await client.delete(`/v1/identities/graph/${profileId}`)).status).toBe(404);
    await expectEventually(() => expect(graphChanges).toContainEqual(expect.objectContaining({ type: 'delete', old: profileId })));
  }, 60_000);

  it('refuses admin calls without the API key', async () => {
    const response = await fetch(`${service.url}/v1/namespaces`);
    expect(response.status).toBe(401);
  });

  function resolvedIds(): string[] {
    return resolved.map((r) => r.id);
  }

  /** The stored partition over the scenario's identities, read through GET /v1/identities/graph. */
  async function graphsOf(scenario: Scenario): Promise<Identity[][]> {
    const byProfile = new Map<string, Identity[]>();
    const identities = new Map(scenario.events.flatMap((e) => e.identities).map((i) => [identityKey(i), i]));
    for (const identity of identities.values()) {
      const { status, body } = await client.graphOf(identity);
      if (status === 404) continue;
      expect(status).toBe(200);
      byProfile.set(body.profileId as string, (body.identities as Identity[]).map((i) => ({ namespace: i.namespace, id: i.id })));
    }
    return [...byProfile.values()];
  }
});
