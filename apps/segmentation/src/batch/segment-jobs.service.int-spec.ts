import { compile } from '@weft/pql';
import { expectEventually } from '@weft/testing';
import { ManualClock } from '../../test/manual-clock';
import { RunningSegmentation } from '../../test/segmentation-app';
import { SegmentJobsService } from './segment-jobs.service';

jest.setTimeout(180_000);

const PROFILES = 100_000;
const HOUR = 3_600_000;
const T0 = Date.parse('2025-06-10T09:00:00Z');

/** Bulk-loads generated snapshots straight into the store: varied attributes, events, policies, deletes and flags. */
const GENERATE = `
  INSERT INTO profile_snapshots (profile_id, version, deleted, flags, attributes, identities, events, merge_policy_id, updated_at)
  SELECT 'p' || lpad(i::text, 7, '0'), 1 + i % 5, i % 97 = 0,
    CASE WHEN i % 89 = 0 THEN ARRAY['tooManyEvents'] ELSE ARRAY[]::text[] END,
    json_build_object(
      'person', json_build_object('age', i % 80, 'name', json_build_object('firstName', 'Name' || (i % 1000))),
      'homeAddress', json_build_object('countryISO', (ARRAY['US', 'CA', 'FR', 'DE'])[i % 4 + 1]),
      'loyalty', json_build_object('points', (i * 7919) % 10000, 'tier', (ARRAY['gold', 'silver', 'bronze'])[i % 3 + 1])
    )::text,
    json_build_array(json_build_object('namespace', 'Email', 'id', 'p' || i || '@example.com', 'primary', true))::text,
    CASE WHEN i % 3 = 0 THEN json_build_array(
      json_build_object('_id', 'e1-' || i, 'timestamp', $1::bigint - (i % 48) * ${HOUR}::bigint,
        'eventType', CASE WHEN i % 2 = 0 THEN 'commerce.checkouts' ELSE 'web.pageViews' END),
      json_build_object('_id', 'e2-' || i, 'timestamp', $1::bigint - (i % 7) * 86400000::bigint, 'eventType', 'commerce.purchases',
        'commerce', json_build_object('order', json_build_object('priceTotal', i % 500))))::text
    ELSE '[]' END,
    CASE WHEN i % 10 = 0 THEN 'other' ELSE 'default' END, now()
  FROM generate_series(1, ${PROFILES}) AS i`;

describe(SegmentJobsService.name, () => {
  const clock = new ManualClock(T0);
  let sut: RunningSegmentation;

  beforeAll(async () => {
    sut = await RunningSegmentation.start({ clock, env: { BATCH_PAGE_SIZE: '7000' } });
  }, 60_000);
  afterAll(() => sut?.stop());

  it('gives the same memberships over 100,000 profiles as evaluating each profile one by one', async () => {
    const definitions: [string, string][] = [
      ['US adults', 'homeAddress.countryISO = "US" and person.age >= 18'],
      ['Checked out in the last 24 hours', 'select X from xEvent where X.eventType = "commerce.checkouts" and X.timestamp occurs <= 24 hours before now'],
      ['Big spenders this week', 'xEvent[eventType = "commerce.purchases" and timestamp occurs < 7 days before now].sum(commerce.order.priceTotal) > 250'],
      ['Gold names starting with Name1', 'loyalty.tier = "gold" and person.name.firstName.startsWith("Name1")'],
    ];
    const ids: string[] = [];
    for (const [name, expression] of definitions) ids.push(await sut.defineSegment(name, expression));
    ids.push(await sut.defineSegment('US adult recent buyers', `inSegment("${ids[0]}") and inSegment("${ids[1]}")`));
    const other = await sut.post('/v1/segments', { name: 'Points on the other policy', expression: 'loyalty.points > 5000', mergePolicyId: 'other' });
    ids.push(other.body.id);
    await sut.sql(GENERATE, [T0]);
    // Stale rows the job must exit: a deleted profile, a flagged one, and a segment that no longer exists.
    await sut.sql(
      `INSERT INTO memberships (profile_id, segment_id, status, version, last_qualification_time, profile_version) VALUES
        ('p0000097', $1, 'realized', 1, now(), 1), ('p0000089', $1, 'realized', 1, now(), 1),
        ('p0000001', 'removed-segment', 'realized', 4, now(), 1), ('p9999999', $1, 'realized', 1, now(), 1)`,
      [ids[0]],
    );

    const started = await sut.post('/v1/segment-jobs');
    expect(started).toMatchObject({ status: 202, body: { status: 'queued', trigger: 'manual' } });
    const job = await expectEventually(
      async () => {
        const res = await sut.get(`/v1/segment-jobs/${started.body.id}`);
        expect(res.body.status).toBe('succeeded');
        return res.body;
      },
      { timeoutMs: 150_000, intervalMs: 250 },
    );

    // One by one, with the PQL library directly.
    const snapshots = await sut.sql<{ profile_id: string; attributes: string; events: string; merge_policy_id: string }>(
      `SELECT profile_id, attributes, events, merge_policy_id FROM profile_snapshots WHERE NOT deleted AND cardinality(flags) = 0`,
    );
    const segments = (await sut.get('/v1/segments')).body as { id: string; expression: string; mergePolicyId: string | null }[];
    const evaluators = segments.map((s) => ({ ...s, evaluator: compile(s.expression) }));
    const expected = new Set<string>();
    for (const row of snapshots) {
      const qualified = new Set<string>();
      const context = { profile: JSON.parse(row.attributes), events: JSON.parse(row.events), now: T0, segments: qualified };
      for (const s of evaluators) {
        if ((s.mergePolicyId === null || s.mergePolicyId === row.merge_policy_id) && s.evaluator.test(context)) {
          qualified.add(s.id);
          expected.add(`${row.profile_id}/${s.id}`);
        }
      }
    }
    const stored = await sut.sql<{ key: string }>(`SELECT profile_id || '/' || segment_id AS key FROM memberships WHERE status = 'realized'`);
    const actual = new Set(stored.map((r) => r.key));

    expect(snapshots.length).toBe(PROFILES - Math.floor(PROFILES / 97) - Math.floor(PROFILES / 89) + Math.floor(PROFILES / (97 * 89)));
    for (const id of ids) expect([...expected].some((k) => k.endsWith(`/${id}`))).toBe(true);
    expect(actual.size).toBe(expected.size);
    expect([...expected].filter((k) => !actual.has(k))).toEqual([]);
    expect(job).toMatchObject({
      segmentCount: 6,
      totalProfiles: snapshots.length,
      processedProfiles: snapshots.length,
      progress: 1,
      realized: expected.size,
      exited: 4,
    });

    // Every change was published, keyed by profile, with identities.
    await expectEventually(() => expect(sut.memberships.length).toBe(expected.size + 4), { timeoutMs: 60_000 });
    const exits = sut.memberships.filter((m) => m.status === 'exited').map((m) => `${m.profileId}/${m.segmentId}:v${m.version}`);
    expect(exits.sort()).toEqual([`p0000001/removed-segment:v5`, `p0000089/${ids[0]}:v2`, `p0000097/${ids[0]}:v2`, `p9999999/${ids[0]}:v2`].sort());
    expect(sut.memberships.find((m) => m.profileId === 'p0000020')).toMatchObject({ status: 'realized', identities: [{ namespace: 'Email', id: 'p20@example.com' }] });

    // A second run over unchanged data changes nothing.
    const { done } = await sut.app.get(SegmentJobsService).start('manual');
    expect(await done).toMatchObject({ status: 'succeeded', realized: 0, exited: 0 });
  });
});
