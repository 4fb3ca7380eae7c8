import { profileChanges, type MergedProfile } from './profile-change';

describe(profileChanges.name, () => {
  const before: MergedProfile = {
    attributes: { person: { name: { firstName: 'Ada' } } },
    identities: [{ namespace: 'Email', id: 'ada@example.com', primary: true }],
    flags: [],
    eventCount: 2,
  };

  it('is empty when nothing changed', () => {
    expect(profileChanges(before, structuredClone(before), 0)).toEqual([]);
  });

  it('names changed attributes, identities, events and flags', () => {
    const after: MergedProfile = {
      attributes: { person: { name: { firstName: 'Augusta' } } },
      identities: [...before.identities, { namespace: 'ECID', id: '1', primary: false }],
      flags: ['tooManyEvents'],
      eventCount: 3,
    };
    expect(profileChanges(before, after, 1)).toEqual(['person.name.firstName', 'identityMap', 'events', 'flags']);
  });

  it('reports every attribute of a new profile', () => {
    expect(profileChanges(undefined, { ...before, eventCount: 0 }, 0)).toEqual(['person.name.firstName', 'identityMap']);
  });
});
