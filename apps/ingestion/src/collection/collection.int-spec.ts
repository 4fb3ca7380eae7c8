import { expectEventually, uniqueIdentifier } from '@weft/testing';
import { topics, type IngestEnvelope } from '@weft/xdm';
import { ECID, EVENT_GROUPS, PROFILE_GROUPS, anEvent, aProfile, loadExample } from '../../test/factories';
import { startIngestion, TopicTail, type Harness } from '../../test/harness';
import { CollectionController } from './collection.controller';

describe(CollectionController.name, () => {
  let h: Harness;
  let accepted: TopicTail<IngestEnvelope>;
  let rejected: TopicTail;
  const run = uniqueIdentifier('run');
  const ids = { events: `events-${run}`, strict: `strict-${run}`, profiles: `profiles-${run}`, legacyEvents: `legacy-ev-${run}`, legacyProfiles: `legacy-pr-${run}` };
  const mine = (e: IngestEnvelope) => Object.values(ids).includes(e.datasetId);

  beforeAll(async () => {
    h = await startIngestion({ INGEST_MAX_MESSAGES: '50' });
    accepted = await new TopicTail<IngestEnvelope>(topics.ingestAccepted.name).start();
    rejected = await new TopicTail(topics.ingestRejected.name).start();
    const schemas = [
      { id: `web-${run}`, title: 'Web events', class: 'experienceevent', fieldGroups: EVENT_GROUPS },
      { id: `web-strict-${run}`, title: 'Strict web events', class: 'experienceevent', fieldGroups: EVENT_GROUPS, strict: true },
      { id: `crm-${run}`, title: 'CRM profiles', class: 'profile', fieldGroups: PROFILE_GROUPS },
    ];
    for (const schema of schemas) expect((await h.api('POST', '/v1/schemas', schema)).status).toBe(201);
    const datasets = [
      { id: ids.events, name: 'web', schemaId: `web-${run}` },
      { id: ids.strict, name: 'strict', schemaId: `web-strict-${run}` },
      { id: ids.profiles, name: 'crm', schemaId: `crm-${run}`, profileEnabled: true, labels: ['C2'] },
      { id: ids.legacyEvents, name: 'legacy web', schemaId: `web-${run}`, validateEcid: false },
      { id: ids.legacyProfiles, name: 'legacy crm', schemaId: `crm-${run}`, validateEcid: false },
    ];
    for (const dataset of datasets) expect((await h.api('POST', '/v1/datasets', dataset)).status).toBe(201);
  }, 60_000);

  afterAll(async () => {
    await accepted?.stop();
    await rejected?.stop();
    await h?.close();
  });

  it('refuses requests without a valid API key', async () => {
    const res = await h.api('POST', `/v1/collection/${ids.events}`, anEvent(), { 'x-api-key': 'wrong' });
    expect(res.status).toBe(401);
  });

  it('answers after Kafka acknowledged the message, keyed by primary identity', async () => {
    const res = await h.api('POST', `/v1/collection/${ids.events}`, anEvent({ _id: `one-${run}` }));
    expect(res).toMatchObject({ status: 200, body: { accepted: 1, rejected: 0, results: [{ index: 0, id: `one-${run}`, status: 'accepted' }] } });
    const message = await expectEventually(() => {
      const found = accepted.messages.find((m) => m.value.id === `one-${run}`);
      expect(found).toBeDefined();
      return found!;
    });
    expect(message.key).toBe(`ECID:${ECID}`);
    expect(message.value).toMatchObject({ datasetId: ids.events, schemaId: `web-${run}`, kind: 'event', source: 'http', primaryIdentity: { namespace: 'ECID', id: ECID } });
    expect(message.value.payloadSchemaId).toEqual(expect.any(Number));
  });

  it('takes {"messages": [...]} and reports each message', async () => {
    const res = await h.api('POST', `/v1/collection/${ids.events}`, {
      messages: [anEvent({ _id: `m0-${run}` }), anEvent({ _id: `m1-${run}`, timestamp: 'yesterday' }), anEvent({ _id: `m2-${run}` })],
    });
    expect(res.status).toBe(207);
    expect(res.body.results).toEqual([
      { index: 0, id: `m0-${run}`, status: 'accepted' },
      { index: 1, id: `m1-${run}`, status: 'rejected', errors: [{ path: 'timestamp', code: 'INVALID_FORMAT', message: 'timestamp must be a valid date-time' }] },
      { index: 2, id: `m2-${run}`, status: 'accepted' },
    ]);
  });

  it('refuses more messages than configured with 413', async () => {
    const res = await h.api('POST', `/v1/collection/${ids.events}`, { messages: Array.from({ length: 51 }, (_, i) => anEvent({ _id: `x${i}` })) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('too_many_messages');
  });

  it('harmlessly accepts the same _id twice (downstream de-duplicates by id)', async () => {
    for (let i = 0; i < 2; i++) expect((await h.api('POST', `/v1/collection/${ids.events}`, anEvent({ _id: `dup-${run}` }))).status).toBe(200);
    await expectEventually(() => expect(accepted.values((e) => e.id === `dup-${run}`)).toHaveLength(2));
    const [a, b] = accepted.values((e) => e.id === `dup-${run}`);
    expect(a.payload).toBe(b.payload);
  });

  describe('XDM class examples in JSON-LD form', () => {
    it.each([
      ['profile.example.1.json', 'legacyProfiles', ['ECID:92312748749128', 'EMAIL:jane@doe.com']],
      ['experienceevent.example.1.json', 'legacyEvents', ['ECID:92312748749128', 'AAID:2394509340-30453470347', 'TNTID:1233ce17-20e0-4a2c-8198-2a77fd60cf4d']],
      ['experienceevent.example.2.json', 'legacyEvents', ['ECID:92312748749128', 'AVID:2394509340-30453470347']],
      ['experienceevent.example.3.json', 'legacyEvents', ['ECID:92312748749128']],
    ] as const)('accepts %s and publishes it with its identities', async (file, dataset, identities) => {
      const example = loadExample(file);
      const res = await h.api('POST', `/v1/collection/${ids[dataset]}`, example);
      expect(res.status).toBe(200);
      const id = res.body.results[0].id as string;
      const message = await expectEventually(() => {
        const found = accepted.messages.find((m) => m.value.id === id && m.value.datasetId === ids[dataset]);
        expect(found).toBeDefined();
        return found!;
      });
      expect(message.value.identities.map((i) => `${i.namespace}:${i.id}`)).toEqual(identities);
      expect(message.key).toBe('ECID:92312748749128');
      expect(message.value.primaryIdentity).toEqual({ namespace: 'ECID', id: '92312748749128' });
      expect(JSON.parse(message.value.payload)).not.toHaveProperty('xdm:identityMap');
    });
  });

  describe('malformed corpus', () => {
    const cases: [string, string, unknown, string][] = [
      ['wrong type', 'events', anEvent({ _id: `bad-type-${run}`, web: { webPageDetails: { name: 42 } } }), 'TYPE_MISMATCH'],
      ['oversize event', 'events', anEvent({ _id: `big-${run}`, eventType: 'x'.repeat(12_000) }), 'EVENT_TOO_LARGE'],
      ['bad ECID', 'events', anEvent({ _id: `ecid-${run}`, identityMap: { ECID: [{ id: '123' }] } }), 'IDENTITY_INVALID_ECID'],
      ['placeholder identity', 'profiles', aProfile({ _id: `ph-${run}`, identityMap: { Email: [{ id: 'anonymous' }] } }), 'IDENTITY_BLOCKED_VALUE'],
      ['missing timestamp', 'events', { _id: `nots-${run}`, identityMap: { ECID: [{ id: ECID }] } }, 'MISSING_TIMESTAMP'],
      ['unknown field in a strict schema', 'strict', anEvent({ _id: `unk-${run}`, surprise: true }), 'UNKNOWN_FIELD'],
      ['too many identities', 'profiles', aProfile({ _id: `many-${run}`, identityMap: { CRMID: Array.from({ length: 21 }, (_, i) => ({ id: `c${i}` })) } }), 'RECORD_TOO_MANY_IDENTITIES'],
    ];

    it.each(cases)('rejects a message with %s, records it and publishes it to the rejected topic', async (_name, dataset, message, code) => {
      const datasetId = ids[dataset as keyof typeof ids];
      const res = await h.api('POST', `/v1/collection/${datasetId}`, message);
      expect(res.status).toBe(400);
      expect(res.body.results[0].errors.map((e: { code: string }) => e.code)).toContain(code);
      const page = await h.api('GET', `/v1/datasets/${datasetId}/errors?code=${code}`);
      expect(page.body.errors.some((e: { messageId: string }) => e.messageId === (message as { _id: string })._id)).toBe(true);
      await expectEventually(() => expect(rejected.values((r) => r.id === (message as { _id: string })._id)).toHaveLength(1));
    });

    it('records a body that is not JSON as INVALID_JSON', async () => {
      const res = await h.api('POST', `/v1/collection/${ids.events}`, '{"_id": "broken",', { 'content-type': 'application/json' });
      expect(res.status).toBe(400);
      expect(res.body.results[0].errors[0].code).toBe('INVALID_JSON');
      const page = await h.api('GET', `/v1/datasets/${ids.events}/errors?code=INVALID_JSON`);
      expect(page.body.errors.map((e: { original: string }) => e.original)).toContain('{"_id": "broken",');
    });

    it('answers 413 to a body over the limit', async () => {
      const res = await h.api('POST', `/v1/collection/${ids.events}`, { messages: [anEvent({ eventType: 'x'.repeat(17 * 1024 * 1024) })] });
      expect(res.status).toBe(413);
    });

    it('records messages for an unknown dataset and answers 404', async () => {
      const res = await h.api('POST', `/v1/collection/nope-${run}`, anEvent({ _id: `lost-${run}` }));
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('UNKNOWN_DATASET');
      const page = await h.api('GET', `/v1/datasets/nope-${run}/errors`);
      expect(page.body.errors).toMatchObject([{ messageId: `lost-${run}`, errors: [{ code: 'UNKNOWN_DATASET' }] }]);
    });
  });

  it('pages through errors and replays a corrected message', async () => {
    for (let i = 0; i < 3; i++) {
      await h.api('POST', `/v1/collection/${ids.profiles}`, aProfile({ _id: `page-${i}-${run}`, personalEmail: { address: 7 } }));
    }
    const first = await h.api('GET', `/v1/datasets/${ids.profiles}/errors?limit=2&code=TYPE_MISMATCH`);
    const second = await h.api('GET', `/v1/datasets/${ids.profiles}/errors?limit=2&code=TYPE_MISMATCH&after=${first.body.next}`);
    expect(first.body.errors).toHaveLength(2);
    const all = [...first.body.errors, ...second.body.errors].map((e: { messageId: string }) => e.messageId);
    expect(all).toEqual(expect.arrayContaining([`page-0-${run}`, `page-1-${run}`, `page-2-${run}`]));

    const target = first.body.errors[0];
    const unchanged = await h.api('POST', `/v1/datasets/${ids.profiles}/errors/${target.id}/replay`, {});
    expect(unchanged.body.status).toBe('rejected');
    const corrected = { ...JSON.parse(target.original), personalEmail: { address: 'fixed@example.com' } };
    const replay = await h.api('POST', `/v1/datasets/${ids.profiles}/errors/${target.id}/replay`, { message: corrected });
    expect(replay.body).toMatchObject({ status: 'accepted', id: target.messageId });
    expect((await h.api('GET', `/v1/datasets/${ids.profiles}/errors/${target.id}`)).body.status).toBe('replayed');
    await expectEventually(() => expect(accepted.values((e) => e.id === target.messageId && mine(e))).toHaveLength(1));
  });
});
