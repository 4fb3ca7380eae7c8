import { expectEventually } from '@weft/testing';
import { RunningDestinationHttp } from '../test/destination-http-app';
import { attributesOf, membership, newProfileId, newSegmentId, profileChanged } from '../test/envelopes';
import { HttpSink } from '../test/http-sink';


jest.setTimeout(30_000);

describe('HTTP destination activation', () => {
  let sut: RunningDestinationHttp;
  let sink: HttpSink;
  let connectionId: string;

  beforeAll(async () => {
    sut = await RunningDestinationHttp.start();
    sink = await HttpSink.start();
    connectionId = await sut.connection({ endpoint: sink.url, delivery: { maxBatchWaitMs: 20 } });
    // Warm-up: the consumer group has joined and a first delivery went through.
    const segmentId = newSegmentId();
    await sut.dataflow({ connectionId, segmentIds: [segmentId] });
    await sut.publishMemberships([membership(newProfileId(), segmentId, 'realized')]);
    await expectEventually(() => expect(sink.forSegment(segmentId)).toHaveLength(1), { timeoutMs: 60_000 });
  }, 120_000);

  afterAll(async () => {
    await sut?.stop();
    await sink?.close();
  });

  it('delivers a realized membership with the mapped attributes in under 2 s, then its exit', async () => {
    const segmentId = newSegmentId();
    const profileId = newProfileId();
    await sut.dataflow({ connectionId, segmentIds: [segmentId] });
    await sut.publishProfiles([profileChanged(profileId, attributesOf('ada'))]);
    await expectEventually(async () => {
      const projected = await sut.app.get('WEFT_DATA_SOURCE').query(
        `SELECT 1 FROM "${sut.schema.name}"."profile_projection" WHERE profile_id = $1`,
        [profileId],
      );
      expect(projected).toHaveLength(1);
    });

    const published = Date.now();
    await sut.publishMemberships([membership(profileId, segmentId, 'realized', { lastQualificationTime: Date.parse('2024-05-15T09:58:12Z') })]);
    const [realized] = await expectEventually(() => {
      const docs = sink.forSegment(segmentId);
      expect(docs).toHaveLength(1);
      return docs;
    });
    const latencyMs = realized.at - published;
    console.log(`membership publish -> HTTP delivery: ${latencyMs} ms`);
    expect(latencyMs).toBeLessThan(2_000);
    expect(realized.document).toEqual({
      person: { name: { firstName: 'Ada' } },
      personalEmail: { address: 'ada.lee@example.com' },
      identityMap: { ecid: [{ id: `ecid-${profileId}`, primary: true }], email: [{ id: `${profileId}@example.com` }] },
      segmentMembership: { ups: { [segmentId]: { status: 'realized', lastQualificationTime: '2024-05-15T09:58:12Z' } } },
    });

    await sut.publishMemberships([membership(profileId, segmentId, 'exited')]);
    await expectEventually(() => {
      const statuses = sink.forSegment(segmentId).map((d) => d.document.segmentMembership.ups[segmentId].status);
      expect(statuses).toEqual(['realized', 'exited']);
    });
  });

  it('sends a redelivered or older membership event only once', async () => {
    const segmentId = newSegmentId();
    const profileId = newProfileId();
    await sut.dataflow({ connectionId, segmentIds: [segmentId] });
    const event = membership(profileId, segmentId, 'realized');
    const older = { ...event, status: 'exited' as const, version: event.version - 1 };
    await sut.publishMemberships([event, event, older]);
    const marker = newSegmentId();
    await sut.dataflow({ connectionId, segmentIds: [marker] });
    await sut.publishMemberships([membership(profileId, marker, 'realized')]);
    await expectEventually(() => expect(sink.forSegment(marker)).toHaveLength(1));
    expect(sink.forSegment(segmentId).map((d) => d.document.segmentMembership.ups[segmentId].status)).toEqual(['realized']);
  });

  it('uses the envelope identities and attributes when the profile is not projected (or was deleted)', async () => {
    const segmentId = newSegmentId();
    const profileId = newProfileId();
    await sut.dataflow({ connectionId, segmentIds: [segmentId] });
    await sut.publishProfiles([profileChanged(profileId, attributesOf('ada'))]);
    await expectEventually(async () => {
      const rows = await sut.app.get('WEFT_DATA_SOURCE').query(
        `SELECT 1 FROM "${sut.schema.name}"."profile_projection" WHERE profile_id = $1`,
        [profileId],
      );
      expect(rows).toHaveLength(1);
    });
    await sut.publishProfiles([profileChanged(profileId, {}, { deleted: true })]);
    await expectEventually(async () => {
      const rows = await sut.app.get('WEFT_DATA_SOURCE').query(
        `SELECT 1 FROM "${sut.schema.name}"."profile_projection" WHERE profile_id = $1`,
        [profileId],
      );
      expect(rows).toHaveLength(0);
    });
    await sut.publishMemberships([
      membership(profileId, segmentId, 'realized', { attributes: JSON.stringify({ person: { name: { firstName: 'Envelope' } } }) }),
    ]);
    const [doc] = await expectEventually(() => {
      const docs = sink.forSegment(segmentId);
      expect(docs).toHaveLength(1);
      return docs;
    });
    expect(doc.document.person).toEqual({ name: { firstName: 'Envelope' } });
    expect(doc.document.identityMap).toEqual({ ecid: [{ id: `ecid-${profileId}` }], email: [{ id: `${profileId}@example.com` }] });
  });

  it('excludes a profile that opted out of email from an email dataflow and counts it in the run', async () => {
    const segmentId = newSegmentId();
    const [optedOut, everythingOff, consenting] = [newProfileId(), newProfileId(), newProfileId()];
    const dataflowId = await sut.dataflow({ connectionId, segmentIds: [segmentId] });
    await sut.publishProfiles([
      profileChanged(optedOut, attributesOf('optedOutOfEmail')),
      profileChanged(everythingOff, attributesOf('optedOutOfEverything')),
      profileChanged(consenting, attributesOf('ada')),
    ]);
    await expectEventually(async () => {
      const rows = await sut.app.get('WEFT_DATA_SOURCE').query(
        `SELECT 1 FROM "${sut.schema.name}"."profile_projection" WHERE profile_id = ANY($1)`,
        [[optedOut, everythingOff, consenting]],
      );
      expect(rows).toHaveLength(3);
    });
    await sut.publishMemberships([optedOut, everythingOff, consenting].map((p) => membership(p, segmentId, 'realized')));

    const run = await expectEventually(async () => {
      const { body } = await sut.api('GET', `/v1/dataflows/${dataflowId}/runs`);
      expect(body.items).toHaveLength(1);
      expect(body.items[0]).toMatchObject({ profilesReceived: 3, profilesSent: 1, profilesExcluded: 2, profilesFailed: 0 });
      return body.items[0];
    });
    expect(run.excludedReasons).toEqual({ 'consent.marketing.email': 1, 'consent.marketing.any': 1 });
    expect(sink.forSegment(segmentId).map((d) => d.document.identityMap.ecid[0].id)).toEqual([`ecid-${consenting}`]);

    const detail = await sut.api('GET', `/v1/dataflows/${dataflowId}/runs/${encodeURIComponent(run.id)}`);
    expect(detail.status).toBe(200);
    expect(detail.body.deliveries).toEqual([
      expect.objectContaining({ outcome: 'delivered', profiles: 1, status: 200, attempts: 1 }),
    ]);
  });

  it('sends mapped-attribute changes of current members when the dataflow asks for them', async () => {
    const segmentId = newSegmentId();
    const profileId = newProfileId();
    await sut.dataflow({ connectionId, segmentIds: [segmentId], sendAttributeChanges: true });
    await sut.publishProfiles([profileChanged(profileId, attributesOf('ada'))]);
    await expectEventually(async () => {
      const rows = await sut.app.get('WEFT_DATA_SOURCE').query(
        `SELECT 1 FROM "${sut.schema.name}"."profile_projection" WHERE profile_id = $1`,
        [profileId],
      );
      expect(rows).toHaveLength(1);
    });
    await sut.publishMemberships([membership(profileId, segmentId, 'realized')]);
    await expectEventually(() => expect(sink.forSegment(segmentId)).toHaveLength(1));

    // An unmapped attribute changes: nothing is sent. Then a mapped one changes: the profile goes out as `existing`.
    await sut.publishProfiles([
      profileChanged(profileId, attributesOf('ada', (a) => (a.loyalty.points = 5)), { changedPaths: ['loyalty.points'] }),
    ]);
    await sut.publishProfiles([
      profileChanged(profileId, attributesOf('ada', (a) => (a.person.name.firstName = 'Adaline')), { changedPaths: ['person.name.firstName'] }),
    ]);
    const docs = await expectEventually(() => {
      const found = sink.forSegment(segmentId);
      expect(found).toHaveLength(2);
      return found;
    });
    expect(docs[1].document.person.name.firstName).toBe('Adaline');
    expect(docs[1].document.segmentMembership.ups[segmentId].status).toBe('existing');
  });

  it('ignores audiences no dataflow activates', async () => {
    const stray = newSegmentId();
    const before = sink.requests.length;
    await sut.publishMemberships([membership(newProfileId(), stray, 'realized')]);
    const marker = newSegmentId();
    await sut.dataflow({ connectionId, segmentIds: [marker] });
    await sut.publishMemberships([membership(newProfileId(), marker, 'realized')]);
    await expectEventually(() => expect(sink.forSegment(marker)).toHaveLength(1));
    expect(sink.forSegment(stray)).toHaveLength(0);
    expect(sink.requests.length).toBe(before + 1);
  });
});
