import { diffMemberships, indexMemberships, type ProfileOutcome, type StoredMembership } from './membership-diff';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const outcome = (profileId: string, qualified: string[], profileVersion: number | null = 5): ProfileOutcome => ({
  profileId,
  profileVersion,
  qualified: new Set(qualified),
  identities: () => [{ namespace: 'Email', id: `${profileId}@example.com` }],
});
const row = (profileId: string, segmentId: string, status: 'realized' | 'exited', version = 1, profileVersion = 1): StoredMembership => ({
  profileId,
  segmentId,
  status,
  version,
  profileVersion,
});

describe(diffMemberships.name, () => {
  it('realizes new qualifications with version 1 and exits lost ones with the next version', () => {
    const existing = indexMemberships([row('p1', 'b', 'realized', 3)]);

    const sut = diffMemberships(existing, [outcome('p1', ['a'])], { scope: ['a', 'b'], now: NOW });

    expect(sut.map(({ segmentId, status, version }) => ({ segmentId, status, version }))).toEqual([
      { segmentId: 'a', status: 'realized', version: 1 },
      { segmentId: 'b', status: 'exited', version: 4 },
    ]);
    expect(sut[0]).toMatchObject({ lastQualificationTime: NOW, profileVersion: 5, identities: [{ namespace: 'Email', id: 'p1@example.com' }] });
  });

  it('changes nothing when the status is unchanged, so replays are no-ops', () => {
    const existing = indexMemberships([row('p1', 'a', 'realized'), row('p1', 'b', 'exited')]);

    expect(diffMemberships(existing, [outcome('p1', ['a'])], { scope: ['a', 'b'], now: NOW })).toEqual([]);
  });

  it('re-enters an exited membership with a higher version', () => {
    const existing = indexMemberships([row('p1', 'a', 'exited', 2)]);

    expect(diffMemberships(existing, [outcome('p1', ['a'])], { scope: ['a'], now: NOW })).toMatchObject([{ status: 'realized', version: 3 }]);
  });

  it('skips outcomes computed from an older profile version than the stored row', () => {
    const existing = indexMemberships([row('p1', 'a', 'realized', 1, 9)]);

    expect(diffMemberships(existing, [outcome('p1', [], 5)], { scope: ['a'], now: NOW })).toEqual([]);
  });

  it('leaves segments outside the scope alone unless asked to exit them', () => {
    const existing = indexMemberships([row('p1', 'deleted-segment', 'realized')]);

    expect(diffMemberships(existing, [outcome('p1', [])], { scope: ['a'], now: NOW })).toEqual([]);
    expect(diffMemberships(existing, [outcome('p1', [], null)], { scope: ['a'], now: NOW, exitOutsideScope: true })).toMatchObject([
      { segmentId: 'deleted-segment', status: 'exited', version: 2, profileVersion: 1 },
    ]);
  });
});
