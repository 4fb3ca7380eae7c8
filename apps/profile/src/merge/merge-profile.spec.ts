import { fragment } from '../../test/factories';
import { effectiveTime, mergeFragments, mergeOrder } from './merge-profile';

describe(mergeFragments.name, () => {
  const crm = fragment()
    .dataset('crm')
    .with({ person: { name: { firstName: 'Ada', lastName: 'Lovelace' } }, homeAddress: { city: 'London' }, loyalty: { tier: 'gold' } })
    .receivedAfter(0)
    .build();
  const web = fragment()
    .dataset('web-signups')
    .identity('ECID:111')
    .with({ person: { name: { firstName: 'Augusta' } }, homeAddress: { city: 'Paris' }, preferredLanguage: 'fr' })
    .receivedAfter(10)
    .build();
  const loyalty = fragment().dataset('loyalty').with({ loyalty: { tier: 'platinum', points: 1200 } }).receivedAfter(5).build();

  describe('timestamp ordered', () => {
    const policy = { type: 'timestampOrdered' } as const;

    it('takes each attribute from the most recent fragment that has it', () => {
      const sut = mergeFragments([web, crm, loyalty], policy);
      expect(sut).toEqual({
        person: { name: { firstName: 'Augusta', lastName: 'Lovelace' } },
        homeAddress: { city: 'Paris' },
        loyalty: { tier: 'platinum', points: 1200 },
        preferredLanguage: 'fr',
      });
    });

    it('does not depend on the order fragments are given in', () => {
      expect(mergeFragments([crm, loyalty, web], policy)).toEqual(mergeFragments([web, loyalty, crm], policy));
    });

    it('lets the source system lastUpdatedDate beat ingestion order', () => {
      // The CRM export was ingested last, but the CRM says the record was last changed before the web signup.
      const lateCrm = fragment()
        .dataset('crm')
        .with({ homeAddress: { city: 'London' } })
        .receivedAfter(60)
        .lastUpdated('2024-04-01T00:00:00Z')
        .build();
      const sut = mergeFragments([lateCrm, web], policy);
      expect(sut['homeAddress']).toEqual({ city: 'Paris' });
      expect(mergeFragments([{ ...lateCrm, attributes: { homeAddress: { city: 'London' } } }, web], policy)['homeAddress']).toEqual({ city: 'London' });
    });

    it('treats a custom lastUpdatedDate newer than ingestion as newer', () => {
      const crmSaysNewer = fragment().dataset('crm').with({ homeAddress: { city: 'Berlin' } }).receivedAfter(0).lastUpdated('2030-01-01T00:00:00Z').build();
      expect(mergeFragments([web, crmSaysNewer], policy)['homeAddress']).toEqual({ city: 'Berlin' });
    });

    it('never lets a null erase a value', () => {
      const blank = fragment().dataset('web').with({ homeAddress: { city: null } }).receivedAfter(99).build();
      expect(mergeFragments([crm, blank], policy)['homeAddress']).toEqual({ city: 'London' });
    });
  });

  describe('dataset precedence', () => {
    it('takes each attribute from the highest listed dataset that has it, however old', () => {
      const sut = mergeFragments([web, crm, loyalty], { type: 'datasetPrecedence', datasets: ['crm', 'web-signups', 'loyalty'] });
      expect(sut).toEqual({
        person: { name: { firstName: 'Ada', lastName: 'Lovelace' } },
        homeAddress: { city: 'London' },
        loyalty: { tier: 'gold', points: 1200 },
        preferredLanguage: 'fr',
      });
    });

    it('ignores datasets that are not listed', () => {
      const sut = mergeFragments([web, crm, loyalty], { type: 'datasetPrecedence', datasets: ['web-signups'] });
      expect(sut).toEqual({ person: { name: { firstName: 'Augusta' } }, homeAddress: { city: 'Paris' }, preferredLanguage: 'fr' });
    });

    it('orders fragments of one dataset by time', () => {
      const older = fragment().dataset('crm').identity('Email:a@x.com').with({ tier: 'old' }).receivedAfter(1).build();
      const newer = fragment().dataset('crm').identity('Email:b@x.com').with({ tier: 'new' }).receivedAfter(2).build();
      expect(mergeFragments([newer, older], { type: 'datasetPrecedence', datasets: ['crm'] })).toEqual({ tier: 'new' });
    });

    it('merges nothing when no dataset is listed', () => {
      expect(mergeFragments([web, crm], { type: 'datasetPrecedence', datasets: [] })).toEqual({});
    });
  });
});

describe(mergeOrder.name, () => {
  it('breaks ties by dataset and identity so the result is deterministic', () => {
    const a = fragment().dataset('b').build();
    const b = fragment().dataset('a').build();
    expect(mergeOrder([a, b], { type: 'timestampOrdered' }).map((f) => f.datasetId)).toEqual(['a', 'b']);
  });
});

describe(effectiveTime.name, () => {
  it('reads epoch milliseconds and ISO strings, and falls back to ingestion time on garbage', () => {
    const base = fragment().receivedAfter(3).build();
    expect(effectiveTime({ ...base, attributes: { extSourceSystemAudit: { lastUpdatedDate: 42 } } })).toBe(42);
    expect(effectiveTime({ ...base, attributes: { extSourceSystemAudit: { lastUpdatedDate: '1970-01-01T00:00:01Z' } } })).toBe(1000);
    expect(effectiveTime({ ...base, attributes: { extSourceSystemAudit: { lastUpdatedDate: 'yesterday-ish' } } })).toBe(base.receivedAt);
  });
});
