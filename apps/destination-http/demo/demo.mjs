// Demo data for the HTTP destination: a local HTTP sink that prints what arrives, and a connection + dataflow to it
// for a segment read from the segmentation service. Called with the admin API key once the platform is running:
//   const { runDemo } = await import('./apps/destination-http/demo/demo.mjs'); await runDemo({ apiKey });
import { createServer } from 'node:http';

const DESTINATION_URL = process.env.DESTINATION_HTTP_URL ?? 'http://127.0.0.1:3010';
const SEGMENTATION_URL = process.env.SEGMENTATION_URL ?? 'http://127.0.0.1:3004';
const SINK_PORT = Number(process.env.DEMO_SINK_PORT ?? 3019);

async function call(url, apiKey, method = 'GET', body) {
  const res = await fetch(url, {
    method,
    headers: { 'x-api-key': apiKey, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(5_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

function startSink() {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      let profiles = [];
      try {
        profiles = JSON.parse(body);
      } catch {
        // not JSON: printed as is below
      }
      for (const p of Array.isArray(profiles) ? profiles : []) {
        const memberships = Object.entries(p.segmentMembership?.ups ?? {}).map(([id, m]) => `${id}=${m.status}`).join(', ');
        console.log(`demo-sink | ${req.headers['idempotency-key']} ${JSON.stringify(p.identityMap)} ${memberships} ${JSON.stringify(p.person ?? {})}`);
      }
      if (!Array.isArray(profiles)) console.log(`demo-sink | ${body}`);
      res.writeHead(200).end();
    });
  });
  server.unref();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(SINK_PORT, '127.0.0.1', () => resolve(`http://127.0.0.1:${SINK_PORT}/demo-hook`));
  });
}

export async function runDemo({ apiKey, segmentId }) {
  let segments;
  try {
    segments = await call(`${SEGMENTATION_URL}/v1/segments`, apiKey);
  } catch (err) {
    console.log(`destination-http demo: skipped, segmentation is not reachable at ${SEGMENTATION_URL} (${err.message})`);
    return;
  }
  const list = Array.isArray(segments) ? segments : (segments?.items ?? []);
  const segment = list.find((s) => s?.id && (!segmentId || s.id === segmentId));
  if (!segment) {
    console.log('destination-http demo: skipped, segmentation has no segment yet');
    return;
  }
  const sinkUrl = await startSink();
  const name = `Demo: ${segment.name ?? segment.id}`;
  const items = (body) => (Array.isArray(body) ? body : (body?.items ?? []));
  // Exactly one demo dataflow per audience: every dataflow to the sink delivers each membership once more, and
  // earlier versions of this demo created a connection and a dataflow on every start.
  const sinkConnections = new Set(items(await call(`${DESTINATION_URL}/v1/connections`, apiKey)).filter((c) => c?.endpoint === sinkUrl).map((c) => c.id));
  const demoFlows = items(await call(`${DESTINATION_URL}/v1/dataflows`, apiKey)).filter(
    (d) => d?.name === name || (sinkConnections.has(d?.connectionId) && d?.segmentIds?.includes(segment.id)),
  );
  const [reused, ...extra] = demoFlows;
  for (const d of extra) await call(`${DESTINATION_URL}/v1/dataflows/${d.id}`, apiKey, 'DELETE');
  for (const id of sinkConnections) {
    if (id === reused?.connectionId) continue;
    await call(`${DESTINATION_URL}/v1/connections/${id}`, apiKey, 'DELETE').catch(() => undefined); // still used by another dataflow
  }
  if (extra.length) console.log(`destination-http demo: removed ${extra.length} duplicate demo dataflow(s) that sent every membership again`);
  if (reused) {
    console.log(`destination-http demo: segment ${segment.id} is activated to ${sinkUrl} (dataflow ${reused.id}, created earlier)`);
    return;
  }
  const connection = await call(`${DESTINATION_URL}/v1/connections`, apiKey, 'POST', {
    name: 'Demo HTTP sink',
    endpoint: sinkUrl,
    settings: { auth: { type: 'bearer' }, headers: { 'x-demo': 'weft' } },
    credentials: { token: 'demo-token' },
    delivery: { maxBatchProfiles: 10, maxBatchWaitMs: 200 },
  });
  const dataflow = await call(`${DESTINATION_URL}/v1/dataflows`, apiKey, 'POST', {
    name,
    connectionId: connection.id,
    segmentIds: [segment.id],
    marketingActions: ['emailTargeting'],
    consentChannel: 'email',
    mapping: [
      { source: 'person.name.firstName', target: 'person.name.firstName' },
      { source: 'person.name.lastName', target: 'person.name.lastName' },
      { source: 'personalEmail.address', target: 'personalEmail.address' },
    ],
  });
  console.log(
    `destination-http demo: segment ${segment.id} is activated to ${sinkUrl} (connection ${connection.id}, dataflow ${dataflow.id}); ` +
      `deliveries are printed as "demo-sink | ...", runs at ${DESTINATION_URL}/v1/dataflows/${dataflow.id}/runs`,
  );
}
