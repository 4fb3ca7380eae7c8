import { PermanentMessageError } from '@weft/messaging';
import { event, record } from '../../test/envelopes';
import { foldResolvedBatch, splitByProfile } from './resolved-batch';

describe(foldResolvedBatch.name, () => {
  const same = (id: string) => id;

  it('folds records of one dataset and primary identity into one fragment, newest values winning', () => {
    const sut = foldResolvedBatch(
      [
        record('p1').identity('Email', 'a@x.com').document({ tier: 'gold', city: 'Lyon' }).at(2_000).build(),
        record('p1').identity('Email', 'a@x.com').document({ tier: 'silver' }).at(1_000).build(),
      ],
      same,
    );
    expect([...sut.fragments.values()]).toEqual([
      { profileId: 'p1', fragment: expect.objectContaining({ datasetId: 'crm-profiles', primaryIdentity: 'Email:a@x.com', attributes: { tier: 'gold', city: 'Lyon' } }) },
    ]);
  });

  it('keeps one copy of a repeated event, sends redirected profiles to the survivor and marks primary identities', () => {
    const click = event('absorbed').id('e1').identity('ECID', '1').identity('Email', 'a@x.com', false).document({ eventType: 'click' }).build();
    const sut = foldResolvedBatch([click, click], (id) => (id === 'absorbed' ? 'survivor' : id));
    expect(sut.events).toEqual([expect.objectContaining({ id: 'e1', profileId: 'survivor', eventType: 'click', primaryIdentity: 'ECID:1' })]);
    expect(sut.identities).toEqual([
      { namespace: 'ECID', id: '1', profileId: 'survivor', isPrimary: true },
      { namespace: 'Email', id: 'a@x.com', profileId: 'survivor', isPrimary: false },
    ]);
  });

  it('refuses a payload that is not a JSON object, for the dead-letter topic', () => {
    const bad = { ...record('p1').identity('Email', 'a@x.com').build(), payload: '[1]' };
    expect(() => foldResolvedBatch([bad], same)).toThrow(PermanentMessageError);
  });
});

describe(splitByProfile.name, () => {
  it('puts all rows of a profile in the same part and leaves no part empty', () => {
    const envelopes = Array.from({ length: 40 }, (_, i) => [
      record(`p${i}`).identity('Email', `${i}@x.com`).document({ n: i }).build(),
      event(`p${i}`).id(`e${i}`).identity('Email', `${i}@x.com`).document({}).build(),
    ]).flat();
    const sut = splitByProfile(foldResolvedBatch(envelopes, (id) => id), 4);
    expect(sut.length).toBeGreaterThan(1);
    const partOf = new Map<string, number>();
    sut.forEach((part, i) => {
      expect(part.fragments.size + part.events.length + part.identities.length).toBeGreaterThan(0);
      const ids = [...[...part.fragments.values()].map((f) => f.profileId), ...part.events.map((e) => e.profileId), ...part.identities.map((x) => x.profileId)];
      for (const id of ids) {
        expect(partOf.get(id) ?? i).toBe(i);
        partOf.set(id, i);
      }
    });
    expect(partOf.size).toBe(40);
  });
});
