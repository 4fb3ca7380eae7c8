import { expectEventually } from '@weft/testing';
import { ManualClock } from '../../test/manual-clock';
import { aProfileChange } from '../../test/profile-change.factory';
import { RunningSegmentation, type ReceivedMembership } from '../../test/segmentation-app';
import { SweepService } from './sweep.service';
import { StreamingService } from './streaming.service';

const HOUR = 3_600_000;
const T0 = Date.parse('2025-06-10T09:00:00Z');
const RECENT_CHECKOUT = 'select X from xEvent where X.eventType = "commerce.checkouts" and X.timestamp occurs <= 24 hours before now';

const statuses = (events: ReceivedMembership[]) => events.map((e) => `${e.segmentId}:${e.status}:v${e.version}`);

jest.setTimeout(30_000);

describe(StreamingService.name, () => {
  const clock = new ManualClock(T0);
  let sut: RunningSegmentation;
  let gold: string;
  let checkout: string;
  let marker: string;
  let run: string;

  beforeAll(async () => {
    sut = await RunningSegmentation.start({ clock });
    gold = await sut.defineSegment('Gold tier', 'loyalty.tier = "gold"');
    checkout = await sut.defineSegment('Checked out in the last 24 hours', RECENT_CHECKOUT);
    marker = await sut.defineSegment('Marked', 'marker = true');
    run = Date.now().toString(36);
    // Warm the path (producer, schema registry, codecs) so the timing below measures evaluation, not start-up.
    await sut.publish(aProfileChange(`warmup-${run}`).withAttributes({ marker: true }).build());
    await expectEventually(() => expect(sut.membershipsOf(`warmup-${run}`)).toHaveLength(1), { timeoutMs: 30_000 });
  }, 90_000);
  afterAll(() => sut?.stop());

  beforeEach(() => clock.set(T0));

  it('realizes an attribute segment and a 24-hour checkout segment within a second of the change, and exits the latter when the window passes', async () => {
    const profileId = `buyer-${run}`;
    const change = aProfileChange(profileId).withAttributes({ loyalty: { tier: 'gold' } }).withEvent('commerce.checkouts', T0 - HOUR).build();

    const publishedAt = Date.now();
    await sut.publish(change);

    const realized = await expectEventually(() => {
      const events = sut.membershipsOf(profileId);
      expect(events.map((e) => e.segmentId).sort()).toEqual([gold, checkout].sort());
      return events;
    });
    for (const event of realized) {
      expect(event).toMatchObject({ status: 'realized', version: 1, lastQualificationTime: T0, identities: [{ namespace: 'Email', id: `${profileId}@example.com` }] });
      expect(event.receivedAt - publishedAt).toBeLessThan(1_000);
    }
    const stored = await sut.get(`/v1/memberships?profileId=${profileId}`);
    expect(stored.body.items.map((m: { segmentId: string; status: string }) => `${m.segmentId}:${m.status}`).sort()).toEqual(
      [`${gold}:realized`, `${checkout}:realized`].sort(),
    );

    // 23 hours after the checkout the window still holds it.
    clock.set(T0 + 22 * HOUR);
    await sut.app.get(SweepService).sweep();
    expect(sut.membershipsOf(profileId)).toHaveLength(2);

    // 25 hours after: no new data arrived, the sweep exits the profile.
    clock.set(T0 + 24 * HOUR);
    expect(await sut.app.get(SweepService).sweep()).toEqual({ realized: 0, exited: 1 });
    await expectEventually(() =>
      expect(statuses(sut.membershipsOf(profileId))).toEqual(expect.arrayContaining([`${checkout}:exited:v2`])),
    );
    expect(statuses(sut.membershipsOf(profileId))).toHaveLength(3);
    const after = await sut.get(`/v1/memberships?profileId=${profileId}`);
    expect(after.body.items.find((m: { segmentId: string }) => m.segmentId === gold)).toMatchObject({ status: 'realized', version: 1 });
    expect(after.body.items.find((m: { segmentId: string }) => m.segmentId === checkout)).toMatchObject({ status: 'exited', version: 2 });
  });

  it('publishes only status changes: redeliveries and stale versions change nothing', async () => {
    const profileId = `steady-${run}`;
    const v1 = aProfileChange(profileId).atVersion(1).withAttributes({ loyalty: { tier: 'gold' } }).build();
    await sut.publish(v1, v1, aProfileChange(profileId).atVersion(2).withAttributes({ loyalty: { tier: 'gold' }, other: 1 }).build());
    // v3 leaves gold; then a stale v1 (gold again) must be ignored; v4 sets the marker so we know everything before it was applied.
    await sut.publish(aProfileChange(profileId).atVersion(3).withAttributes({ loyalty: { tier: 'silver' } }).build());
    await sut.publish(v1);
    await sut.publish(aProfileChange(profileId).atVersion(4).withAttributes({ loyalty: { tier: 'silver' }, marker: true }).build());

    await expectEventually(() => expect(statuses(sut.membershipsOf(profileId))).toContain(`${marker}:realized:v1`));
    expect(statuses(sut.membershipsOf(profileId))).toEqual([`${gold}:realized:v1`, `${gold}:exited:v2`, `${marker}:realized:v1`]);
    const [snapshot] = await sut.sql<{ version: string }>('SELECT version FROM profile_snapshots WHERE profile_id = $1', [profileId]);
    expect(Number(snapshot!.version)).toBe(4);
  });

  it('exits every segment when the profile is deleted, and when a guardrail flags it', async () => {
    const deleted = `deleted-${run}`;
    const flagged = `flagged-${run}`;
    const qualifying = { loyalty: { tier: 'gold' }, marker: true };
    await sut.publish(
      aProfileChange(deleted).atVersion(1).withAttributes(qualifying).withEvent('commerce.checkouts', T0 - 60_000).build(),
      aProfileChange(flagged).atVersion(1).withAttributes(qualifying).build(),
    );
    await expectEventually(() => {
      expect(sut.membershipsOf(deleted)).toHaveLength(3);
      expect(sut.membershipsOf(flagged)).toHaveLength(2);
    });

    await sut.publish(
      aProfileChange(deleted).atVersion(2).asDeleted().build(),
      aProfileChange(flagged).atVersion(2).withAttributes(qualifying).flagged('tooManyIdentities').build(),
    );

    await expectEventually(() => {
      expect(statuses(sut.membershipsOf(deleted)).filter((s) => s.includes(':exited:')).sort()).toEqual(
        [`${gold}:exited:v2`, `${checkout}:exited:v2`, `${marker}:exited:v2`].sort(),
      );
      expect(statuses(sut.membershipsOf(flagged)).filter((s) => s.includes(':exited:')).sort()).toEqual(
        [`${gold}:exited:v2`, `${marker}:exited:v2`].sort(),
      );
    });
    const stored = await sut.get(`/v1/memberships?profileId=${deleted}`);
    expect(stored.body.items.map((m: { status: string }) => m.status)).toEqual(['exited', 'exited', 'exited']);
  });

  it('evaluates a streaming segment of segments from the memberships of the same change', async () => {
    const goldBuyer = await sut.defineSegment('Gold buyers today', `inSegment("${gold}") and inSegment("${checkout}")`);
    const profileId = `gold-buyer-${run}`;

    await sut.publish(aProfileChange(profileId).withAttributes({ loyalty: { tier: 'gold' } }).withEvent('commerce.checkouts', T0 - HOUR).build());

    await expectEventually(() => expect(statuses(sut.membershipsOf(profileId))).toContain(`${goldBuyer}:realized:v1`));
    await sut.delete(`/v1/segments/${goldBuyer}`);
  });
});
