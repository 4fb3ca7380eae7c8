import { MessagingClient, type TopicContract } from '@weft/messaging';
import { createTestSchema, expectEventually, integrationEnv, requireSchemaRegistry, uniqueName, type TestSchema } from '@weft/testing';
import { topics, type SegmentMembership } from '@weft/xdm';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { API_KEY, SECRETS_KEY } from '../../test/destination-http-app';
import { makeCertificates } from '../../test/certificates';
import { membership, newProfileId, newSegmentId } from '../../test/envelopes';
import { HttpSink } from '../../test/http-sink';

jest.setTimeout(60_000);

const root = path.resolve(__dirname, '../../../..');
const secret = (name: string) => `${name}-${randomBytes(12).toString('hex')}`;

const freePort = () =>
  new Promise<number>((resolve) => {
    const srv = createNetServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });

describe('HTTP destination credentials', () => {
  const TOKEN = secret('bearer');
  const USERNAME = secret('user');
  const PASSWORD = secret('password');
  const CLIENT_SECRET = secret('client-secret');
  const HEADER_SECRET = secret('api-key');
  const certs = makeCertificates();
  const CLIENT_KEY_LINE = certs.clientKey.split('\n')[1];
  const secrets = [TOKEN, USERNAME, PASSWORD, CLIENT_SECRET, HEADER_SECRET, CLIENT_KEY_LINE];

  let child: ChildProcess;
  let logs = '';
  let baseUrl: string;
  let schema: TestSchema;
  let client: MessagingClient;
  let membershipTopic: TopicContract<SegmentMembership>;
  const responses: string[] = [];
  const sinks: HttpSink[] = [];
  let tokenServer: Server;
  const issuedTokens: string[] = [];

  async function api(method: string, route: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${baseUrl}${route}`, {
      method,
      headers: { 'x-api-key': API_KEY, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    responses.push(text);
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async function sink(check: (headers: Record<string, string | string[] | undefined>) => boolean, tls?: Parameters<typeof HttpSink.start>[0]) {
    const s = await HttpSink.start(tls);
    s.behaviour = (r) => (check(r.headers) ? { status: 200 } : { status: 401 });
    sinks.push(s);
    return s;
  }

  async function activate(connection: Record<string, unknown>): Promise<{ connectionId: string; segmentId: string }> {
    const created = await api('POST', '/v1/connections', { name: 'secured', ...connection, delivery: { maxBatchWaitMs: 20, timeoutMs: 2_000 } });
    expect(created.status).toBe(201);
    expect(created.body.credentialsSet).toBe(!!connection['credentials']);
    const segmentId = newSegmentId();
    const flow = await api('POST', '/v1/dataflows', {
      name: 'secured flow',
      connectionId: created.body.id,
      segmentIds: [segmentId],
      marketingActions: ['emailTargeting'],
      consentChannel: 'email',
    });
    expect(flow.status).toBe(201);
    return { connectionId: created.body.id, segmentId };
  }

  beforeAll(async () => {
    schema = await createTestSchema('destination_http_secrets');
    membershipTopic = { ...(topics.segmentMembership as TopicContract<SegmentMembership>), name: uniqueName('test.segment.membership') };
    tokenServer = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const form = new URLSearchParams(body);
        if (form.get('grant_type') !== 'client_credentials' || form.get('client_id') !== 'weft' || form.get('client_secret') !== CLIENT_SECRET) {
          res.writeHead(401).end('{"error":"invalid_client"}');
          return;
        }
        const token = secret('access-token');
        issuedTokens.push(token);
        secrets.push(token);
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 3600 }));
      });
    });
    await new Promise<void>((resolve) => tokenServer.listen(0, '127.0.0.1', resolve));

    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, ['-r', '@swc-node/register', path.join(root, 'apps/destination-http/test/main-for-test.ts')], {
      cwd: root,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'trace',
        DATABASE_SCHEMA: schema.name,
        WEFT_API_KEYS: API_KEY,
        WEFT_SECRETS_KEY: SECRETS_KEY,
        INGESTION_URL: 'http://127.0.0.1:9',
        TEST_SERVICE_NAME: uniqueName('destination-http'),
        TEST_MEMBERSHIP_TOPIC: membershipTopic.name,
        TEST_PROFILE_TOPIC: uniqueName('test.profile.changed'),
        SWC_NODE_PROJECT: path.join(root, 'tsconfig.base.json'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (c: Buffer) => (logs += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (logs += c.toString()));
    await expectEventually(async () => expect((await fetch(`${baseUrl}/health/ready`)).status).toBe(200), { timeoutMs: 60_000, intervalMs: 250 });
    client = new MessagingClient({ clientId: uniqueName('secrets-test'), brokers: integrationEnv().kafkaBrokers, schemaRegistryUrl: requireSchemaRegistry() });
    await client.connect();
  }, 120_000);

  afterAll(async () => {
    await client?.close();
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    await Promise.all(sinks.map((s) => s.close()));
    if (tokenServer) {
      tokenServer.closeAllConnections();
      await new Promise((resolve) => tokenServer.close(resolve));
    }
    await schema?.drop();
  });

  it('authenticates with bearer, basic, OAuth 2 client credentials (cached, refreshed on 401) and mutual TLS', async () => {
    const bearer = await sink((h) => h['authorization'] === `Bearer ${TOKEN}` && h['x-api-key'] === HEADER_SECRET);
    const basic = await sink((h) => h['authorization'] === `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}`);
    let rejectNext = false;
    const oauth = await sink((h) => {
      if (rejectNext) {
        rejectNext = false;
        return false;
      }
      return h['authorization'] === `Bearer ${issuedTokens[issuedTokens.length - 1]}`;
    });
    const mtls = await sink(() => true, { key: certs.serverKey, cert: certs.serverCert, ca: certs.ca });

    const flows = [
      { sink: bearer, ...(await activate({ endpoint: bearer.url, settings: { auth: { type: 'bearer' } }, credentials: { token: TOKEN, headers: { 'x-api-key': HEADER_SECRET } } })) },
      { sink: basic, ...(await activate({ endpoint: basic.url, settings: { auth: { type: 'basic' } }, credentials: { username: USERNAME, password: PASSWORD } })) },
      {
        sink: oauth,
        ...(await activate({
          endpoint: oauth.url,
          settings: { auth: { type: 'oauth2-client-credentials', tokenUrl: `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`, clientId: 'weft' } },
          credentials: { clientSecret: CLIENT_SECRET },
        })),
      },
      {
        sink: mtls,
        ...(await activate({
          endpoint: mtls.url,
          settings: { auth: { type: 'mtls' }, tls: { ca: certs.ca } },
          credentials: { clientCert: certs.clientCert, clientKey: certs.clientKey },
        })),
      },
    ];
    const publish = (segmentId: string) => client.publish(membershipTopic, [{ key: null, value: membership(newProfileId(), segmentId, 'realized') }]);
    for (const f of flows) await publish(f.segmentId);
    for (const f of flows) await expectEventually(() => expect(f.sink.forSegment(f.segmentId)).toHaveLength(1), { timeoutMs: 20_000 });

    // The OAuth token is reused, and fetched again when the endpoint refuses it.
    const oauthFlow = flows[2];
    await publish(oauthFlow.segmentId);
    await expectEventually(() => expect(oauth.forSegment(oauthFlow.segmentId)).toHaveLength(2));
    expect(issuedTokens).toHaveLength(1);
    rejectNext = true;
    await publish(oauthFlow.segmentId);
    await expectEventually(() => expect(oauth.forSegment(oauthFlow.segmentId)).toHaveLength(3), { timeoutMs: 20_000 });
    expect(issuedTokens).toHaveLength(2);

    // Without the client certificate the mutual-TLS endpoint cannot be reached.
    const noCert = await activate({ endpoint: mtls.url, settings: { tls: { ca: certs.ca } } });
    await publish(noCert.segmentId);
    await expectEventually(() => expect(logs).toContain(`to connection ${noCert.connectionId}, attempt 1: retry`), { timeoutMs: 20_000 });
    expect(mtls.forSegment(noCert.segmentId)).toHaveLength(0);
  });

  it('never returns or logs credentials, even when an endpoint echoes them back', async () => {
    const echo = await HttpSink.start();
    sinks.push(echo);
    echo.behaviour = (r) => ({ status: 400, body: JSON.stringify({ youSent: r.headers['authorization'], key: r.headers['x-api-key'] }) });
    const { connectionId, segmentId } = await activate({
      endpoint: echo.url,
      settings: { auth: { type: 'basic' } },
      credentials: { username: USERNAME, password: PASSWORD, headers: { 'x-api-key': HEADER_SECRET } },
    });
    await client.publish(membershipTopic, [{ key: null, value: membership(newProfileId(), segmentId, 'realized') }]);
    const dead = await expectEventually(async () => {
      const { body } = await api('GET', `/v1/connections/${connectionId}/dead-letters`);
      expect(body.items).toHaveLength(1);
      return body.items[0];
    });
    expect(dead.lastError).toContain('[redacted]');
    expect(echo.requests[0].body).not.toContain(PASSWORD);

    const { body: list } = await api('GET', '/v1/connections');
    for (const c of list.items) {
      await api('GET', `/v1/connections/${c.id}`);
      await api('PATCH', `/v1/connections/${c.id}`, { name: `${c.name} (renamed)` });
    }
    const { body: flows } = await api('GET', '/v1/dataflows');
    for (const f of flows.items) {
      await api('GET', `/v1/dataflows/${f.id}/runs`);
      await api('GET', `/v1/dataflows/${f.id}/deliveries`);
    }
    await api('GET', `/v1/connections/${connectionId}/dead-letters/${dead.id}`);
    await api('GET', '/docs-json').catch(() => undefined);

    const everything = responses.join('\n');
    expect(everything).toContain(connectionId);
    expect(logs).toContain(connectionId);
    for (const value of secrets) {
      expect(everything).not.toContain(value);
      expect(logs).not.toContain(value);
    }
    expect(everything).not.toContain(Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64'));
    expect(logs).not.toContain(Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64'));
  });
});
