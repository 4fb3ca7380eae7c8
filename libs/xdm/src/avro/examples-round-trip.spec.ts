import { xdmContracts } from './contracts';
import { fromAvro, toAvro } from './convert';
import { normalizeXdm } from '../json/normalize';
import { exampleNames, loadExample } from '../../test/examples';
import { asInstants, withoutPaths } from '../../test/xdm-matchers';

interface RoundTripCase {
  readonly file: string;
  readonly contract: keyof typeof xdmContracts;
  /** Fields of the example the core Avro shape does not model (legacy names, extensions, typos in the source). */
  readonly dropped: readonly string[];
  /** For a bare identityMap value, which normalizeXdm only recognises under its field name. */
  readonly identityMapValue?: true;
}

const cases: readonly RoundTripCase[] = [
  {
    file: 'experienceevent.example.1.json',
    contract: 'experienceEvent',
    dropped: [
      'profileStitch',
      'segmentMemberships',
      'web.webPageDetails.errorPage',
      'web.webPageDetails.homePage',
      'commerce.order.payments[1].transactionId',
      'productListItems[0].lineItemId',
    ],
  },
  {
    file: 'experienceevent.example.2.json',
    contract: 'experienceEvent',
    dropped: ['locationContext', 'advertising', 'web.webPageView', 'web.webReferrer.domain'],
  },
  {
    file: 'experienceevent.example.3.json',
    contract: 'experienceEvent',
    dropped: [
      'locationContext',
      'advertising',
      'web.webPageView',
      'web.webReferrer.domain',
      'placeContext.POIinteraction',
      'placeContext.activePOIs',
      // environment fields the source example nests under placeContext
      'placeContext.type',
      'placeContext.browserDetails',
      'placeContext.operatingSystem',
      'placeContext.operatingSystemVersion',
      'placeContext.connectionType',
    ],
  },
  {
    file: 'profile.example.1.json',
    contract: 'individualProfile',
    dropped: ['optInOut', 'orgUnit', 'geoUnit', 'segments'],
  },
  { file: 'profile-consents.example.1.json', contract: 'individualProfile', dropped: [] },
  { file: 'consent-preferences.example.1.json', contract: 'individualProfile', dropped: [] },
  { file: 'profile-personal-details.example.2.json', contract: 'individualProfile', dropped: [] },
  { file: 'profile-work-details.example.1.json', contract: 'individualProfile', dropped: [] },
  { file: 'segmentation.example.1.json', contract: 'individualProfile', dropped: [] },
  { file: 'segmentmembership.example.1.json', contract: 'segmentMembershipItem', dropped: ['timerSpec'] },
  {
    file: 'external-source-system-audit-details.example.1.json',
    contract: 'externalSourceSystemAudit',
    dropped: [],
  },
  { file: 'commerce.example.1.json', contract: 'commerce', dropped: [] },
  {
    file: 'productlistitem.example.1.json',
    contract: 'productListItem',
    dropped: ['productCategories[0].categoryPathath'],
  },
  { file: 'webinfo.example.1.json', contract: 'webInfo', dropped: [] },
  { file: 'identitymap.example.2.json', contract: 'identityMap', dropped: [], identityMapValue: true },
];

/** Instance examples with no core Avro shape: checked by the normalizeXdm tests instead. */
const withoutAvroShape = ['experienceevent-campaign-delivery-log.example.1.json'];

function normalizedExample(c: RoundTripCase): unknown {
  const example = loadExample(c.file);
  return c.identityMapValue ? normalizeXdm({ identityMap: example }).identityMap : normalizeXdm(example);
}

describe('XDM examples round-trip through their Avro shapes', () => {
  it('covers every example instance', () => {
    expect([...cases.map((c) => c.file), ...withoutAvroShape].sort()).toEqual(exampleNames().sort());
  });

  it.each(cases)('$file through $contract', (c) => {
    const sut = xdmContracts[c.contract];
    const json = normalizedExample(c);

    const { value, dropped } = toAvro(sut.type, json, { unknownFields: 'drop' });
    const decoded = sut.decode(sut.encode(value as never));

    expect(dropped).toEqual(c.dropped);
    expect(decoded).toEqual(value);
    expect(asInstants(fromAvro(sut.type, decoded))).toMatchObject(
      asInstants(withoutPaths(json, c.dropped)) as Record<string, unknown>,
    );
  });

  it('keeps the UTC offset of placeContext.localTime, which is the point of that field', () => {
    const sut = xdmContracts.experienceEvent;
    const { value } = toAvro(sut.type, normalizedExample(cases[0]), { unknownFields: 'drop' });

    const back = fromAvro(sut.type, sut.decode(sut.encode(value as never))) as {
      placeContext: { localTime: string };
    };

    expect(back.placeContext.localTime).toBe('2017-09-26T15:52:25+13:00');
  });

  it('rejects the fields it does not model unless asked to drop them', () => {
    const sut = xdmContracts.experienceEvent;

    expect(() => toAvro(sut.type, normalizedExample(cases[1]))).toThrow(
      'locationContext: io.weft.xdm.ExperienceEvent has no field locationContext',
    );
  });
});
