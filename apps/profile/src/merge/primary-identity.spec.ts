import type { Fragment } from './fragment';
import { DEFAULT_NAMESPACE_PRIORITY, markPrimary } from './primary-identity';

function fragment(primaryIdentity: string, receivedAt: number): Fragment {
  return { datasetId: 'crm', primaryIdentity, attributes: {}, timestamp: receivedAt, receivedAt };
}

describe(markPrimary.name, () => {
  it('keeps one primary: the flagged identity of the highest-priority namespace', () => {
    const sut = markPrimary(
      [
        { namespace: 'ECID', id: '123', primary: true },
        { namespace: 'Email', id: 'ada@example.com', primary: true },
        { namespace: 'CRMID', id: 'c-1', primary: false },
      ],
      [],
      DEFAULT_NAMESPACE_PRIORITY,
    );
    expect(sut).toEqual([
      { namespace: 'Email', id: 'ada@example.com', primary: true },
      { namespace: 'CRMID', id: 'c-1', primary: false },
      { namespace: 'ECID', id: '123', primary: false },
    ]);
  });

  it('breaks a tie in one namespace by the most recent fragment keyed by the identity', () => {
    const identities = [
      { namespace: 'Email', id: 'a@example.com', primary: true },
      { namespace: 'Email', id: 'b@example.com', primary: true },
    ];
    const older = markPrimary(identities, [fragment('Email:a@example.com', 2), fragment('Email:b@example.com', 1)], DEFAULT_NAMESPACE_PRIORITY);
    expect(older.filter((i) => i.primary)).toEqual([{ namespace: 'Email', id: 'a@example.com', primary: true }]);
    const newer = markPrimary(identities, [fragment('Email:a@example.com', 1), fragment('Email:b@example.com', 2)], DEFAULT_NAMESPACE_PRIORITY);
    expect(newer.filter((i) => i.primary)).toEqual([{ namespace: 'Email', id: 'b@example.com', primary: true }]);
  });

  it('ranks unlisted namespaces last and picks among all identities when none is flagged', () => {
    const sut = markPrimary(
      [
        { namespace: 'loyaltyId', id: 'L1', primary: false },
        { namespace: 'ECID', id: '123', primary: false },
      ],
      [],
      DEFAULT_NAMESPACE_PRIORITY,
    );
    expect(sut).toEqual([
      { namespace: 'ECID', id: '123', primary: true },
      { namespace: 'loyaltyId', id: 'L1', primary: false },
    ]);
    expect(markPrimary([], [], DEFAULT_NAMESPACE_PRIORITY)).toEqual([]);
  });
});
