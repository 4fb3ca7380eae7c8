import { fragment } from '../../test/factories';
import { applyChange, recordAttributes } from './fragment';

describe(applyChange.name, () => {
  const first = fragment().with({ person: { name: { firstName: 'Ada' } }, phone: '1' }).receivedAfter(1).build();
  const second = fragment().with({ person: { name: { lastName: 'Lovelace' } }, phone: '2' }).receivedAfter(2).build();

  it('patches the fragment with a newer change', () => {
    const sut = applyChange(applyChange(undefined, first), second);
    expect(sut.attributes).toEqual({ person: { name: { firstName: 'Ada', lastName: 'Lovelace' } }, phone: '2' });
    expect(sut.receivedAt).toBe(second.receivedAt);
  });

  it('lets an older change that arrives late only fill gaps', () => {
    const sut = applyChange(applyChange(undefined, second), first);
    expect(sut.attributes).toEqual({ person: { name: { firstName: 'Ada', lastName: 'Lovelace' } }, phone: '2' });
    expect(sut.receivedAt).toBe(second.receivedAt);
  });

  it('is unchanged by replaying changes it already holds', () => {
    const sut = applyChange(applyChange(undefined, first), second);
    expect(applyChange(applyChange(sut, first), second)).toEqual(sut);
  });
});

describe(recordAttributes.name, () => {
  it('leaves out the identity map and the record id', () => {
    expect(recordAttributes({ _id: 'r1', identityMap: { Email: [] }, person: { gender: 'female' } })).toEqual({ person: { gender: 'female' } });
  });
});
