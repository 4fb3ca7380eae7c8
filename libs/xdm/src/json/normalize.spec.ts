import { normalizeXdm } from './normalize';
import { extractIdentities } from './identities';
import { XdmValidationError } from '../errors';
import { exampleNames, loadExample } from '../../test/examples';

describe(normalizeXdm.name, () => {
  const sut = normalizeXdm;

  describe('on the JSON-LD examples', () => {
    it('resolves identityMap namespace URIs to codes and picks ECID as primary (experienceevent.example.1)', () => {
      const doc = sut(loadExample('experienceevent.example.1.json'));

      expect(doc.identityMap).toEqual({
        ECID: [{ id: '92312748749128' }],
        AAID: [{ id: '2394509340-30453470347' }],
        TNTID: [{ id: '1233ce17-20e0-4a2c-8198-2a77fd60cf4d' }],
      });
      expect(extractIdentities(doc).primary).toEqual({ namespace: 'ECID', id: '92312748749128' });
    });

    it('keeps identityMap keys that already are codes (experienceevent.example.2, profile.example.1)', () => {
      const event = sut(loadExample('experienceevent.example.2.json'));
      const profile = sut(loadExample('profile.example.1.json'));

      expect(event.identityMap).toEqual({
        ECID: [{ id: '92312748749128' }],
        AVID: [{ id: '2394509340-30453470347' }],
      });
      expect(extractIdentities(event).primary).toEqual({ namespace: 'ECID', id: '92312748749128' });
      expect(profile.identityMap).toEqual({
        ECID: [{ id: '92312748749128' }],
        EMAIL: [{ id: 'jane@doe.com' }],
      });
      expect(extractIdentities(profile).primary).toEqual({ namespace: 'ECID', id: '92312748749128' });
    });

    it('strips prefixes inside identity items (identitymap.example.2)', () => {
      const doc = sut({ 'xdm:identityMap': loadExample('identitymap.example.2.json') });

      expect(doc.identityMap).toEqual({
        EMAIL: [{ id: '92312748749128' }, { id: '92312748749239' }],
        CRM: [{ id: '2394509340-30453470347', authenticatedState: 'authenticated' }],
      });
      expect(extractIdentities(doc).primary).toEqual({ namespace: 'EMAIL', id: '92312748749128' });
    });

    it('turns @id into _id and nests other vocabularies under _<prefix>', () => {
      const doc = sut(loadExample('experienceevent.example.1.json')) as any;

      expect(doc._id).toBe('https://data.adobe.io/experienceid-123456');
      expect(doc.channel).toEqual({
        _id: 'https://ns.adobe.com/xdm/channels/apns',
        _type: 'https://ns.adobe.com/xdm/channel-types/mobile',
      });
      expect(doc.placeContext.geo).toEqual({
        _id: 'https://data.adobe.io/entities/geo/tokyo',
        countryCode: 'JP',
        stateProvince: 'JP-13',
        city: 'Tōkyō',
        postalCode: '141-0032',
        _schema: { latitude: 35.6185, longitude: 139.73237 },
      });
      expect(doc.profileStitch[0].profileStitchID.namespace).toEqual({ code: 'AAM' });
    });

    it('nests extension fields named by URI by their path (campaign delivery log)', () => {
      const doc = sut(loadExample('experienceevent-campaign-delivery-log.example.1.json'));

      expect(doc).toEqual({
        _experience: {
          campaign: {
            campaignID: '100',
            campaignName: 'JS - Offer Management',
            broadlogID: '102',
            deliveryID: '103',
            recipientID: '3',
            channel: 'Email',
            deliveryName: 'JS - Offer Management Delivery',
            quarantine: false,
            controlGroupMember: true,
          },
        },
      });
    });

    it('keeps data keys of idSpecific, segmentMembership and channel maps', () => {
      const consents = sut(loadExample('profile-consents.example.1.json')) as any;
      const segments = sut(loadExample('segmentation.example.1.json')) as any;
      const profile = sut(loadExample('profile.example.1.json')) as any;

      expect(Object.keys(consents.consents.idSpecific.email)).toEqual(['john@xyz.com', 'johnny@company.com']);
      expect(consents.consents.idSpecific.ECID['12345678-abcdef09-87654321-fedcba90'].marketing.push).toEqual(
        {
          val: 'n',
          time: '2020-09-30T01:02:33+00:00',
          reason: 'not relevant',
        },
      );
      expect(segments.segmentMembership.Email['abcd@adobe.com'].status).toBe('exited');
      expect(profile.optInOut['https://ns.adobe.com/xdm/channels/email']).toBe('pending');
      expect(profile.optInOut.globalOptout).toBe(false);
    });

    it.each(exampleNames())('leaves no xdm: or @ keys and is idempotent: %s', (name) => {
      const once = sut(loadExample(name));

      expect(JSON.stringify(once)).not.toMatch(/"(xdm:|@)[^"]*":/);
      expect(sut(once)).toEqual(once);
    });
  });

  it('rejects an identityMap namespace URI it cannot resolve, naming the key', () => {
    const doc = { identityMap: { 'https://data.adobe.io/entities/namespace/999999': [{ id: 'x' }] } };

    expect(() => sut(doc)).toThrow(XdmValidationError);
    expect(() => sut(doc)).toThrow(
      'identityMap["https://data.adobe.io/entities/namespace/999999"]: no identity namespace',
    );
  });

  it('asks the given resolver before the standard namespaces', () => {
    const doc = {
      'xdm:identityMap': { 'https://data.adobe.io/entities/namespace/999999': [{ 'xdm:id': 'L-1' }] },
    };

    const result = sut(doc, { resolveNamespace: (key) => (key.endsWith('/999999') ? 'LOYALTY' : undefined) });

    expect(result.identityMap).toEqual({ LOYALTY: [{ id: 'L-1' }] });
  });

  it('joins entries whose keys resolve to the same code', () => {
    const doc = {
      identityMap: { ECID: [{ id: 'a' }], 'https://data.adobe.io/entities/namespace/4': [{ id: 'b' }] },
    };

    expect(sut(doc).identityMap).toEqual({ ECID: [{ id: 'a' }, { id: 'b' }] });
  });

  it('folds a legacy identities array of {id, namespace: {code}} into identityMap', () => {
    const doc = {
      'xdm:identities': [
        { 'xdm:id': 'jane@doe.com', 'xdm:namespace': { 'xdm:code': 'Email' }, 'xdm:primary': true },
        { 'xdm:id': '92312748749128', 'xdm:namespace': { 'xdm:code': 'ECID' } },
      ],
    };

    const result = sut(doc);

    expect(result).toEqual({
      identityMap: { Email: [{ id: 'jane@doe.com', primary: true }], ECID: [{ id: '92312748749128' }] },
    });
    expect(extractIdentities(result).primary).toEqual({ namespace: 'Email', id: 'jane@doe.com' });
  });

  it('refuses a document that is not an object', () => {
    expect(() => sut([])).toThrow('an XDM document must be a JSON object');
  });
});
