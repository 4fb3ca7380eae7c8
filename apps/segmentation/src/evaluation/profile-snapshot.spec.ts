import { PermanentMessageError } from '@weft/messaging';
import { aProfileChange } from '../../test/profile-change.factory';
import { isEligible, snapshotFromChange } from './profile-snapshot';

describe(snapshotFromChange.name, () => {
  it('keeps attributes and turns envelope events into PQL events with the envelope id, time and type', () => {
    const change = aProfileChange('p1').atVersion(7).withAttributes({ person: { age: 3 } }).withEvent('web.pageViews', 1_000, { web: { url: 'u' } }).build();

    const sut = snapshotFromChange(change);

    expect(sut).toMatchObject({ profileId: 'p1', version: 7, deleted: false, attributes: '{"person":{"age":3}}', mergePolicyId: 'default' });
    expect(JSON.parse(sut.events)).toEqual([{ _id: change.events![0]!.id, timestamp: 1_000, eventType: 'web.pageViews', web: { url: 'u' } }]);
    expect(JSON.parse(sut.identities)).toEqual([{ namespace: 'Email', id: 'p1@example.com', primary: true }]);
    expect(isEligible(sut)).toBe(true);
  });

  it('drops the data of deleted profiles and leaves deleted and flagged profiles out of segmentation', () => {
    const deleted = snapshotFromChange(aProfileChange('p1').withAttributes({ a: 1 }).withEvent('x', 1).asDeleted().build());
    const flagged = snapshotFromChange(aProfileChange('p2').flagged('tooManyEvents').build());

    expect(deleted).toMatchObject({ attributes: '{}', events: '[]', deleted: true });
    expect(isEligible(deleted)).toBe(false);
    expect(isEligible(flagged)).toBe(false);
  });

  it('refuses attributes that are not JSON for good', () => {
    const change = { ...aProfileChange('p1').build(), attributes: '{nope' };

    expect(() => snapshotFromChange(change)).toThrow(PermanentMessageError);
  });
});
