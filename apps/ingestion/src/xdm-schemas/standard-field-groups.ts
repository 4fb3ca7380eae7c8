import { arr, bool, date, dateTime, int, map, num, obj, str, type FieldSpec, type XdmClass } from './field-spec';

export interface FieldGroup {
  id: string;
  title: string;
  description: string;
  /** Classes the group can be added to. */
  classes: XdmClass[];
  /** Root fields the group contributes (merged into the schema's root object). */
  properties: Record<string, FieldSpec>;
  /** Standard groups ship with Weft; custom ones belong to the tenant and live under its `_<tenant>` field. */
  custom: boolean;
}

/** Fields every schema of the class has. */
export const CLASS_FIELDS: Readonly<Record<XdmClass, { title: string; properties: Record<string, FieldSpec>; required: string[] }>> = {
  profile: {
    title: 'XDM Individual Profile',
    properties: {
      _id: str({ description: 'Unique id of the record; re-sending the same id is harmless.' }),
      personID: str(),
      timestamp: dateTime({ description: 'Time of the change; ingestion time when absent.' }),
      _repo: obj({ createDate: dateTime(), modifyDate: dateTime() }),
    },
    required: [],
  },
  experienceevent: {
    title: 'XDM ExperienceEvent',
    properties: {
      _id: str({ minLength: 1, description: 'Unique id of the event; re-sending the same id is harmless.' }),
      timestamp: dateTime({ description: 'When the event happened.' }),
      eventType: str(),
      eventMergeId: str(),
      producedBy: str(),
      dataSource: obj({ _id: str(), code: str() }),
    },
    required: ['_id', 'timestamp'],
  },
};

const identityItem = obj({
  id: str({ labels: ['I1'] }),
  authenticatedState: str({ enum: ['ambiguous', 'authenticated', 'loggedOut'] }),
  primary: bool(),
});

const personName = obj({
  firstName: str({ labels: ['I1'] }),
  middleName: str({ labels: ['I1'] }),
  lastName: str({ labels: ['I1'] }),
  fullName: str({ labels: ['I1'] }),
  courtesyTitle: str(),
  suffix: str(),
});

const emailAddress = (labels: string[]) =>
  obj({ address: str({ labels }), primary: bool(), label: str(), type: str(), status: str(), statusReason: str() });

const phoneNumber = obj({
  number: str({ labels: ['I1'] }),
  primary: bool(),
  extension: str(),
  countryCode: str(),
  status: str(),
  statusReason: str(),
  validity: str(),
});

const postalAddress = obj({
  _id: str(),
  primary: bool(),
  street1: str({ labels: ['I2'] }),
  street2: str({ labels: ['I2'] }),
  street3: str(),
  street4: str(),
  city: str(),
  state: str(),
  stateProvince: str(),
  postalCode: str({ labels: ['I2'] }),
  country: str(),
  countryCode: str({ pattern: '^[A-Za-z]{2}$' }),
  region: str(),
  label: str(),
  status: str(),
  statusReason: str(),
  lastVerifiedDate: date(),
  _schema: obj({ latitude: num({ minimum: -90, maximum: 90 }), longitude: num({ minimum: -180, maximum: 180 }), elevation: num() }),
});

const consentField = obj({ val: str(), time: dateTime(), reason: str() });
const consents = obj({
  collect: consentField,
  share: consentField,
  adID: obj({ val: str(), idType: str() }),
  personalize: obj({ content: consentField }),
  marketing: obj({
    preferred: str(),
    any: consentField,
    email: consentField,
    push: consentField,
    sms: consentField,
    call: consentField,
    postalMail: consentField,
    whatsApp: consentField,
    commercialEmail: consentField,
  }),
  idSpecific: map(map(obj({}))),
  metadata: obj({ time: dateTime() }),
});

const measure = obj({ id: str(), value: num() });

const campaignFields = {
  campaignID: str(),
  campaignName: str(),
  deliveryID: str(),
  deliveryName: str(),
  broadlogID: str(),
  recipientID: str(),
  channel: str(),
};

function group(id: string, title: string, description: string, classes: XdmClass[], properties: Record<string, FieldSpec>): FieldGroup {
  return { id, title, description, classes, properties, custom: false };
}

const both: XdmClass[] = ['profile', 'experienceevent'];

/** The standard field groups a CDP user expects, in XDM's field names. */
export const STANDARD_FIELD_GROUPS: readonly FieldGroup[] = [
  group('identitymap', 'Identity map', 'Identities of the record or event by namespace code.', both, {
    identityMap: map(arr(identityItem)),
  }),
  group('demographic-details', 'Demographic details', 'Name, birth date and gender of the person.', ['profile'], {
    person: obj({
      name: personName,
      birthDate: date({ labels: ['I2'] }),
      birthDayAndMonth: str({ pattern: '^[0-9]{2}-[0-9]{2}$' }),
      birthYear: int({ minimum: 1, maximum: 32767 }),
      gender: str({ enum: ['female', 'male', 'not_specified', 'non_specific'] }),
      nationality: str(),
      language: str(),
    }),
  }),
  group('personal-contact-details', 'Personal contact details', 'Email, phones and home/shipping addresses.', ['profile'], {
    personalEmail: emailAddress(['I1']),
    mobilePhone: phoneNumber,
    homePhone: phoneNumber,
    faxPhone: phoneNumber,
    homeAddress: postalAddress,
    shippingAddress: postalAddress,
    shippingAddressPhone: phoneNumber,
  }),
  group('work-contact-details', 'Work contact details', 'Work email, phone and address.', ['profile'], {
    workEmail: emailAddress(['I1']),
    workPhone: phoneNumber,
    workAddress: postalAddress,
    assistantDetails: obj({ name: personName, phone: phoneNumber, email: emailAddress(['I1']) }),
    reportsToID: str(),
    departments: arr(str()),
    jobTitle: str(),
  }),
  group('consents', 'Consents and preferences', 'Collect, share, personalize and marketing consents.', ['profile'], {
    consents,
  }),
  group('loyalty', 'Loyalty details', 'Loyalty program membership, tier and points.', ['profile'], {
    loyalty: obj({
      loyaltyID: arr(str()),
      program: str(),
      tier: str(),
      status: str(),
      points: num(),
      pointsRedeemed: num(),
      pointsExpired: num(),
      joinDate: dateTime(),
      lapsedDate: dateTime(),
      expectedUpgradeDate: dateTime(),
    }),
  }),
  group('segmentation', 'Segment membership', 'Audience memberships by namespace and audience id.', ['profile'], {
    segmentMembership: map(
      map(
        obj({
          version: str(),
          timestamp: dateTime(),
          lastQualificationTime: dateTime(),
          validUntil: dateTime(),
          status: str({ enum: ['realized', 'existing', 'exited'] }),
          payload: obj({}),
        }),
      ),
    ),
  }),
  group('external-source-system-audit', 'External source system audit', 'Audit dates of the source system.', both, {
    extSourceSystemAudit: obj({
      createdBy: str(),
      createdDate: dateTime(),
      lastUpdatedBy: str(),
      lastUpdatedDate: dateTime(),
      lastActivityDate: dateTime(),
      lastReferencedDate: dateTime(),
      lastViewedDate: dateTime(),
    }),
  }),
  group('commerce', 'Commerce details', 'Orders, payments and commerce measures.', ['experienceevent'], {
    commerce: obj({
      order: obj({
        purchaseID: str(),
        purchaseOrderNumber: str(),
        orderType: str(),
        currencyCode: str({ pattern: '^[A-Z]{3}$' }),
        priceTotal: num(),
        taxAmount: num(),
        discountAmount: num(),
        payments: arr(obj({ transactionID: str(), paymentAmount: num(), paymentType: str(), currencyCode: str() })),
      }),
      purchases: measure,
      productViews: measure,
      productListAdds: measure,
      productListRemovals: measure,
      productListOpens: measure,
      productListViews: measure,
      productListReopens: measure,
      checkouts: measure,
      cartAbandons: measure,
      shipping: obj({ shippingAmount: num(), shippingMethod: str() }),
      commerceScope: obj({ environment: str(), website: str(), store: str(), storeView: str() }),
    }),
  }),
  group('product-list-items', 'Product list items', 'Products of a cart, order or view.', ['experienceevent'], {
    productListItems: arr(
      obj({
        _id: str(),
        SKU: str(),
        product: str(),
        name: str(),
        lineItemId: str(),
        quantity: int({ minimum: 0 }),
        priceTotal: num(),
        currencyCode: str(),
        productAddMethod: str(),
        selectedOptions: arr(obj({ attribute: str(), value: str() })),
        productCategories: arr(obj({ categoryID: str(), categoryName: str(), categoryPath: str() })),
      }),
    ),
  }),
  group('web-details', 'Web details', 'Page views, referrers and link clicks.', ['experienceevent'], {
    web: obj({
      webPageDetails: obj({
        name: str(),
        URL: str(),
        siteSection: str(),
        server: str(),
        errorPage: bool(),
        homePage: bool(),
        isErrorPage: bool(),
        isHomePage: bool(),
        isPreRendered: bool(),
        pageViews: measure,
      }),
      webPageView: obj({ URL: str() }),
      webReferrer: obj({ URL: str(), referrerType: str(), domain: str() }),
      webInteraction: obj({ name: str(), URL: str(), type: str(), linkClicks: measure }),
    }),
    marketing: obj({ trackingCode: str(), campaignName: str(), campaignGroup: str() }),
    channel: obj({ _id: str(), _type: str(), mediaType: str(), mediaAction: str() }),
  }),
  group('environment-details', 'Device and environment', 'Browser, operating system, device and place.', ['experienceevent'], {
    environment: obj({
      type: str(),
      browserDetails: obj({
        name: str(),
        version: str(),
        vendor: str(),
        userAgent: str(),
        acceptLanguage: str(),
        cookiesEnabled: bool(),
        javaScriptEnabled: bool(),
        javaScriptVersion: str(),
        javaEnabled: bool(),
        javaVersion: str(),
        viewportHeight: int(),
        viewportWidth: int(),
      }),
      operatingSystem: str(),
      operatingSystemVersion: str(),
      operatingSystemVendor: str(),
      connectionType: str(),
      carrier: str(),
      ipV4: str(),
      ipV6: str(),
    }),
    device: obj({
      type: str(),
      manufacturer: str(),
      model: str(),
      modelNumber: str(),
      screenHeight: int(),
      screenWidth: int(),
      screenOrientation: str(),
      colorDepth: int(),
    }),
    placeContext: obj({
      localTime: dateTime(),
      localTimezoneOffset: int(),
      geo: obj({
        _id: str(),
        countryCode: str(),
        stateProvince: str(),
        city: str(),
        postalCode: str(),
        dmaID: int(),
        _schema: obj({ latitude: num(), longitude: num(), elevation: num() }),
      }),
    }),
  }),
  group('campaign-delivery-log', 'Campaign delivery log', 'One message sent by a campaign (broadlog).', ['experienceevent'], {
    _experience: obj({
      campaign: obj({
        ...campaignFields,
        quarantine: bool(),
        controlGroupMember: bool(),
        messageStatus: str({ enum: ['sent', 'failed', 'pending', 'ignored'] }),
        failureType: str(),
        failureReason: str(),
      }),
    }),
  }),
  group('campaign-tracking-log', 'Campaign tracking log', 'Opens and clicks of campaign messages.', ['experienceevent'], {
    _experience: obj({
      campaign: obj({
        ...campaignFields,
        trackingType: str({ enum: ['open', 'click', 'unsubscribe', 'mirrorPage'] }),
        trackedURL: str(),
        urlID: str(),
      }),
    }),
  }),
  group('campaign-non-deliverable-address', 'Campaign non-deliverable address', 'Quarantined or denylisted addresses.', ['profile'], {
    _experience: obj({
      campaign: obj({
        nonDeliverableAddresses: arr(
          obj({
            address: str({ labels: ['I1'] }),
            channel: str({ enum: ['email', 'sms', 'push', 'phone', 'direct-mail'] }),
            status: str({ enum: ['quarantine', 'denylist', 'allowlist'] }),
            reason: str(),
            errorCount: int({ minimum: 0 }),
            lastErrorDate: dateTime(),
          }),
        ),
      }),
    }),
  }),
];

export function standardFieldGroup(id: string): FieldGroup | undefined {
  return STANDARD_FIELD_GROUPS.find((g) => g.id === id);
}
