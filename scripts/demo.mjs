// Demo data for `npm start`: a small story through every running service.
//  1. ingestion: a CRM profile schema + dataset and a web event schema + dataset;
//  2. segmentation: "Gold loyalty members" (profile attribute) and "Checked out in the last 24 hours" (events);
//  3. destination-http: a local HTTP sink and a dataflow activating the gold audience to it;
//  4. data: CRM records (CRMID + email) and web events that link a browser's ECID to the same email;
//  5. the merged profile, looked up by the browser's ECID, and the audiences it joined.
// Every step is idempotent, so starting the platform again reuses what exists.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const urls = {
  ingestion: process.env.INGESTION_URL ?? 'http://127.0.0.1:3001',
  profile: process.env.PROFILE_URL ?? 'http://127.0.0.1:3003',
  segmentation: process.env.SEGMENTATION_URL ?? 'http://127.0.0.1:3004',
};

const say = (text) => console.log(`\x1b[1mdemo\x1b[0m | ${text}`);

async function call(apiKey, method, url, body, okStatuses = []) {
  const res = await fetch(url, {
    method,
    headers: { 'x-api-key': apiKey, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!res.ok && !okStatuses.includes(res.status)) throw new Error(`${method} ${url} answered ${res.status}: ${text}`);
  return { status: res.status, json };
}

const running = (name) => existsSync(path.join(root, 'apps', name, 'src/main.ts'));

async function setUpIngestion(apiKey) {
  const schemas = [
    {
      id: 'demo-crm-profiles',
      title: 'Demo CRM profiles',
      class: 'profile',
      fieldGroups: ['identitymap', 'demographic-details', 'personal-contact-details', 'consents', 'loyalty'],
    },
    {
      id: 'demo-web-events',
      title: 'Demo web events',
      class: 'experienceevent',
      fieldGroups: ['identitymap', 'web-details', 'commerce', 'product-list-items'],
    },
  ];
  for (const schema of schemas) await call(apiKey, 'POST', `${urls.ingestion}/v1/schemas`, schema, [409]);
  const datasets = [
    { id: 'demo-crm', name: 'Demo CRM', schemaId: 'demo-crm-profiles', profileEnabled: true },
    { id: 'demo-web', name: 'Demo web', schemaId: 'demo-web-events', profileEnabled: true, retentionDays: 30 },
  ];
  for (const dataset of datasets) await call(apiKey, 'POST', `${urls.ingestion}/v1/datasets`, dataset, [409]);
  say('ingestion: schemas demo-crm-profiles, demo-web-events and datasets demo-crm, demo-web are ready');
}

async function ensureSegment(apiKey, name, expression) {
  const { json } = await call(apiKey, 'GET', `${urls.segmentation}/v1/segments`);
  const list = Array.isArray(json) ? json : (json?.items ?? []);
  const existing = list.find((s) => s.name === name);
  if (existing) return existing;
  return (await call(apiKey, 'POST', `${urls.segmentation}/v1/segments`, { name, expression })).json;
}

function demoData(now) {
  const people = [
    { crm: 'CRM-1001', email: 'ada@example.com', first: 'Ada', last: 'Lovelace', tier: 'gold', ecid: '10000000000000000000000000000000000001' },
    { crm: 'CRM-1002', email: 'alan@example.com', first: 'Alan', last: 'Turing', tier: 'silver', ecid: '10000000000000000000000000000000000002' },
    { crm: 'CRM-1003', email: 'grace@example.com', first: 'Grace', last: 'Hopper', tier: 'gold', ecid: '10000000000000000000000000000000000003' },
  ];
  const records = people.map((p) => ({
    _id: `demo-crm-${p.crm}`,
    identityMap: {
      CRMID: [{ id: p.crm, primary: true, authenticatedState: 'authenticated' }],
      Email: [{ id: p.email }],
    },
    person: { name: { firstName: p.first, lastName: p.last } },
    personalEmail: { address: p.email },
    loyalty: { program: 'Weft Rewards', tier: p.tier, points: p.tier === 'gold' ? 12_000 : 3_000 },
    consents: { marketing: { email: { val: 'y' } } },
  }));
  const events = people.flatMap((p, i) => [
    {
      _id: `demo-web-${p.ecid}-home`,
      timestamp: new Date(now - 5 * 60_000).toISOString(),
      eventType: 'web.webpagedetails.pageViews',
      identityMap: { ECID: [{ id: p.ecid, primary: true }], Email: [{ id: p.email, authenticatedState: 'authenticated' }] },
      web: { webPageDetails: { name: 'home', URL: 'https://shop.example.com/', pageViews: { value: 1 } } },
    },
    ...(i !== 1
      ? [
          {
            _id: `demo-web-${p.ecid}-checkout`,
            timestamp: new Date(now - 60_000).toISOString(),
            eventType: 'commerce.checkouts',
            identityMap: { ECID: [{ id: p.ecid, primary: true }] },
            commerce: { checkouts: { value: 1 }, order: { priceTotal: 129.9, currencyCode: 'EUR' } },
          },
        ]
      : []),
  ]);
  return { people, records, events };
}

async function waitFor(check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value) return value;
    if (Date.now() > deadline) return undefined;
    await new Promise((r) => setTimeout(r, 500));
  }
}

export async function runDemo({ apiKey }) {
  if (!running('ingestion')) return;
  try {
    await setUpIngestion(apiKey);

    let gold;
    if (running('segmentation')) {
      gold = await ensureSegment(apiKey, 'Gold loyalty members', 'loyalty.tier = "gold"');
      const checkout = await ensureSegment(
        apiKey,
        'Checked out in the last 24 hours',
        'select X from xEvent where X.eventType = "commerce.checkouts" and X.timestamp occurs <= 24 hours before now',
      );
      say(`segmentation: "${gold.name}" (${gold.evaluationMethod}) and "${checkout.name}" (${checkout.evaluationMethod})`);
    }
    if (gold && running('destination-http')) {
      const { runDemo: runDestinationDemo } = await import(path.join(root, 'apps/destination-http/demo/demo.mjs'));
      await runDestinationDemo({ apiKey, segmentId: gold.id });
    }

    const { people, records, events } = demoData(Date.now());
    const crm = await call(apiKey, 'POST', `${urls.ingestion}/v1/collection/demo-crm`, { messages: records });
    const web = await call(apiKey, 'POST', `${urls.ingestion}/v1/collection/demo-web`, { messages: events });
    say(`ingestion: accepted ${crm.json.accepted} CRM records and ${web.json.accepted} web events`);

    if (running('profile')) {
      const ada = people[0];
      const profile = await waitFor(async () => {
        const { status, json } = await call(apiKey, 'GET', `${urls.profile}/v1/profiles?namespace=ECID&id=${ada.ecid}`, undefined, [404]);
        return status === 200 && json?.attributes?.loyalty ? json : undefined;
      }, 20_000);
      if (profile) {
        say(`profile: ECID ${ada.ecid} is ${profile.attributes.person?.name?.firstName} ${profile.attributes.person?.name?.lastName}, ` +
          `loyalty ${profile.attributes.loyalty?.tier}, identities ${profile.identities.map((i) => `${i.namespace}:${i.id}`).join(', ')}`);
        say(`try: curl -s "${urls.profile}/v1/profiles?namespace=ECID&id=${ada.ecid}" -H "x-api-key: ${apiKey}"`);
      } else {
        say(`profile: the merged profile of ECID ${ada.ecid} is not there yet; look it up in a moment at ${urls.profile}/v1/profiles?namespace=ECID&id=${ada.ecid}`);
      }
    }
  } catch (err) {
    say(`demo data could not be loaded: ${err.message}`);
  }
}
