import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export type SinkAction = { status: number; headers?: Record<string, string>; body?: string } | 'hang' | 'reset';

export interface SinkRequest {
  key: string;
  /** 1-based count of requests seen with this idempotency key. */
  attempt: number;
  headers: IncomingMessage['headers'];
  url: string;
  body: string;
  at: number;
}

export interface AcceptedDocument {
  key: string;
  document: any;
  at: number;
}

/**
 * A local HTTP(S) endpoint for tests: records every request, answers as `behaviour` says (status, Retry-After,
 * hang past the client's timeout, or reset the connection), and de-duplicates accepted requests by Idempotency-Key
 * the way a well-behaved receiver does, counting how often each key was accepted.
 */
export class HttpSink {
  readonly requests: SinkRequest[] = [];
  /** Accepted requests per idempotency key, and how many times each key was accepted. */
  readonly accepted = new Map<string, { documents: any[]; at: number; times: number }>();
  behaviour: (request: SinkRequest) => SinkAction = () => ({ status: 200 });
  private readonly hanging = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(tls?: { key: string; cert: string; ca: string }): Promise<HttpSink> {
    const holder: { sink?: HttpSink } = {};
    const handler = (req: IncomingMessage, res: ServerResponse) => holder.sink?.handle(req, res);
    const server = tls
      ? createHttpsServer({ key: tls.key, cert: tls.cert, ca: tls.ca, requestCert: true, rejectUnauthorized: true }, handler)
      : createHttpServer(handler);
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    holder.sink = new HttpSink(server, `${tls ? 'https' : 'http'}://127.0.0.1:${port}/hook`);
    return holder.sink;
  }

  /** Documents of accepted requests, first acceptance per key, in arrival order. */
  documents(): AcceptedDocument[] {
    return [...this.accepted].flatMap(([key, a]) => a.documents.map((document) => ({ key, document, at: a.at })));
  }

  /** Accepted documents carrying a membership of `segmentId`. */
  forSegment(segmentId: string): AcceptedDocument[] {
    return this.documents().filter((d) => d.document?.segmentMembership?.ups?.[segmentId]);
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const key = String(req.headers['idempotency-key'] ?? '');
      const request: SinkRequest = {
        key,
        attempt: this.requests.filter((r) => r.key === key).length + 1,
        headers: req.headers,
        url: req.url ?? '',
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      this.requests.push(request);
      const action = this.behaviour(request);
      if (action === 'reset') {
        req.socket.destroy();
        return;
      }
      if (action === 'hang') {
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
        return;
      }
      if (action.status >= 200 && action.status < 300) {
        const seen = this.accepted.get(key);
        if (seen) seen.times++;
        else this.accepted.set(key, { documents: JSON.parse(request.body) as any[], at: request.at, times: 1 });
      }
      res.writeHead(action.status, { 'content-type': 'application/json', ...action.headers });
      res.end(action.body ?? '{}');
    });
  }
}
