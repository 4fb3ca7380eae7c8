// End to end across services: ingestion (CSV batch upload and streaming HTTP) and identity run as their own
// processes, the profile service in process, all over the real broker, Postgres and schema registry.
import { createHash, randomInt } from 'node:crypto';
import type { MessagingClient } from '@weft/messaging';
import { createTestSchema, expectEventually, uniqueIdentifier, type TestSchema } from '@weft/testing';
import { topics } from '@weft/xdm';
import { messagingClient, ProfileService, startGroupAtEnd } from './profile-service';
import { startServiceProcess, type ServiceProcess } from './service-process';

jest.setTimeout(240_000);

const API_KEY = 'e2e-test-key';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const ecid = () => Array.from({ length: 38 }, () => randomInt(10)).join('');

describe('CRM batch and web events of one person', () => {
  const run = uniqueIdentifier('e2e').replace(/_/g, '-');
  const crm = `crm-${run}`;
  const web = `web-${run}`;
  const adaEmail = `Ada.Lovelace-${run}@Example.com`;
  const adaHash = sha256(adaEmail.toLowerCase());
  const graceHash = sha256(`grace-${run}@example.com`);
  const adaEcid = ecid();
  let schemas: TestSchema[] = [];
  let ingestion: ServiceProcess;
  let identity: ServiceProcess;
  let sut: ProfileService;
  let client: MessagingClient;

  const lookup = (namespace: string, id: string) => sut.lookup(namespace, id);
  const collect = (message: Record<string, unknown>) => ingestion.api('POST', `/v1/collection/${web}`, message);

  beforeAll(async () => {
    client = messagingClient();
    await client.provision([topics.ingestAccepted, topics.identityResolved, topics.identityGraph]);
    // Identity runs under its service name: its group starts at the end of what earlier files of this run produced.
    await startGroupAtEnd(`weft.identity.${topics.ingestAccepted.name}`, topics.ingestAccepted.name);
    schemas = await Promise.all([createTestSchema('e2e_ingestion'), createTestSchema('e2e_identity')]);
    sut = await ProfileService.start();
    [ingestion, identity] = await Promise.all([
      startServiceProcess('ingestion', API_KEY, {
        DATABASE_SCHEMA: schemas[0].name,
        BATCH_DIR: `tmp/profile-e2e/${run}`,
        BATCH_POLL_MS: '100',
        INBOUND_ENABLED: 'false',
      }),
      startServiceProcess('identity', API_KEY, { DATABASE_SCHEMA: schemas[1].name, IDENTITY_OUTBOX_SWEEP_MS: '500' }),
    ]);

    const created = await Promise.all([
      ingestion.api('POST', '/v1/schemas', {
        id: crm,
        title: 'CRM customers',
        class: 'profile',
        fieldGroups: ['identitymap', 'demographic-details', 'personal-contact-details', 'loyalty'],
      }),
      ingestion.api('POST', '/v1/schemas', { id: web, title: 'Web events', class: 'experienceevent', fieldGroups: ['identitymap', 'web-details'] }),
    ]);
    expect(created.map((r) => r.status)).toEqual([201, 201]);
    const datasets = await Promise.all([
      ingestion.api('POST', '/v1/datasets', { id: crm, name: 'CRM', schemaId: crm, profileEnabled: true }),
      ingestion.api('POST', '/v1/datasets', { id: web, name: 'Web', schemaId: web, profileEnabled: true }),
    ]);
    expect(datasets.map((r) => r.status)).toEqual([201, 201]);
  });

  afterAll(async () => {
    await Promise.all([ingestion?.stop(), identity?.stop()]);
    await sut?.stop();
    await client?.close();
    await Promise.all([...schemas, sut?.schema].filter((s): s is TestSchema => s !== undefined).map((s) => s.drop()));
  });

  it('merges an offline CRM batch and online web events linked by a login event into one profile, found by ECID', async () => {
    const now = Date.now();
    // 1. An anonymous page view: only the browser's ECID is known.
    const view = await collect({
      _id: `view-${run}`,
      timestamp: new Date(now - 60_000).toISOString(),
      identityMap: { ECID: [{ id: adaEcid }] },
      web: { webPageDetails: { name: 'home', pageViews: { value: 1 } } },
    });
    expect(view.status).toBe(200);
    const anonymous = await expectEventually(async () => {
      const res = await lookup('ECID', adaEcid);
      expect(res.status).toBe(200);
      return res.body;
    });
    expect(anonymous).toMatchObject({ attributes: {}, eventCount: 1 });

    // 2. The CRM export as a CSV batch; emails are hashed (lowercased SHA-256) by the batch mapping.
    const batch = await ingestion.api('POST', '/v1/batches', {
      datasetId: crm,
      format: 'csv',
      mapping: {
        fields: [
          { target: '_id', source: 'customer_id' },
          { target: 'identityMap.Email_LC_SHA256[0].id', source: 'email', transforms: [{ fn: 'trim' }, { fn: 'lowercase' }, { fn: 'sha256' }] },
          { target: 'person.name.firstName', source: 'first' },
          { target: 'person.name.lastName', source: 'last' },
          { target: 'loyalty.tier', source: 'tier' },
          { target: 'loyalty.points', source: 'points', transforms: [{ fn: 'number' }] },
        ],
      },
    });
    expect(batch.status).toBe(201);
    const csv = ['customer_id,email,first,last,tier,points', `c1-${run}, ${adaEmail} ,Ada,Lovelace,gold,1200`, `c2-${run},grace-${run}@example.com,Grace,Hopper,silver,300`].join('\n');
    const uploaded = await ingestion.api('PUT', `/v1/batches/${batch.body.id}/files/customers.csv`, `${csv}\n`, { 'content-type': 'text/csv' });
    expect(uploaded.status).toBe(200);
    expect((await ingestion.api('POST', `/v1/batches/${batch.body.id}/complete`)).status).toBe(202);
    await expectEventually(
      async () => expect((await ingestion.api('GET', `/v1/batches/${batch.body.id}`)).body).toMatchObject({ status: 'completed', counts: { read: 2, ingested: 2, failed: 0 } }),
      { timeoutMs: 60_000 },
    );
    const customer = await expectEventually(async () => {
      const res = await lookup('Email_LC_SHA256', adaHash);
      expect(res.status).toBe(200);
      return res.body;
    });
    expect(customer.attributes).toMatchObject({ person: { name: { firstName: 'Ada', lastName: 'Lovelace' } }, loyalty: { tier: 'gold', points: 1200 } });
    expect(customer.profileId).not.toBe(anonymous.profileId);

    // 3. The person logs in on the website: an event carrying both the ECID and the hashed email links them.
    const login = await collect({
      _id: `login-${run}`,
      timestamp: new Date(now - 30_000).toISOString(),
      identityMap: { ECID: [{ id: adaEcid }], Email_LC_SHA256: [{ id: adaHash }] },
      web: { webPageDetails: { name: 'account', pageViews: { value: 1 } } },
    });
    expect(login.status).toBe(200);

    const merged = await expectEventually(
      async () => {
        const res = await lookup('ECID', adaEcid);
        expect(res.status).toBe(200);
        expect(res.body.eventCount).toBe(2);
        expect(res.body.identities.map((i: { namespace: string }) => i.namespace).sort()).toEqual(['ECID', 'Email_LC_SHA256']);
        return res.body;
      },
      { timeoutMs: 60_000 },
    );
    expect(merged.attributes).toEqual({
      person: { name: { firstName: 'Ada', lastName: 'Lovelace' } },
      loyalty: { tier: 'gold', points: 1200 },
    });
    expect(merged.identities).toEqual(
      expect.arrayContaining([expect.objectContaining({ namespace: 'ECID', id: adaEcid }), expect.objectContaining({ namespace: 'Email_LC_SHA256', id: adaHash })]),
    );
    expect((await lookup('Email_LC_SHA256', adaHash)).body.profileId).toBe(merged.profileId);
    const events = await sut.request('GET', `/v1/profiles/${merged.profileId}/events`);
    expect(events.body.items.map((e: { id: string }) => e.id)).toEqual([`view-${run}`, `login-${run}`]);

    // The other customer of the batch stays a profile of their own.
    const grace = await lookup('Email_LC_SHA256', graceHash);
    expect(grace.status).toBe(200);
    expect(grace.body.profileId).not.toBe(merged.profileId);
    expect(grace.body).toMatchObject({ attributes: { person: { name: { firstName: 'Grace' } } }, eventCount: 0 });
  });
});
