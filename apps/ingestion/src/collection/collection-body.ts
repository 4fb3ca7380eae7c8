import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** The body of a collection request that is not valid JSON: kept so the message is recorded, not lost. */
export class UnreadableBody {
  constructor(
    readonly raw: string,
    readonly reason: string,
  ) {}
}

const COLLECTION_PREFIX = '/v1/collection/';
const COLLECTION_JSON = 'application/vnd.weft.collection+json';

/**
 * Collection requests get their own JSON parser: invalid JSON there is a rejected message (recorded with code
 * INVALID_JSON and visible in the errors API), not just a 400. Fastify picks the parser by content type, so JSON
 * requests to the collection routes are re-labelled before parsing.
 */
export function registerCollectionBodyParser(app: NestFastifyApplication, bodyLimit: number): void {
  const fastify = app.getHttpAdapter().getInstance();
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.addHook('onRequest', (request, _reply, done) => {
    const type = request.headers['content-type'];
    if (request.url.startsWith(COLLECTION_PREFIX) && (type === undefined || type.startsWith('application/json'))) {
      request.headers['content-type'] = COLLECTION_JSON;
    }
    done();
  });
  fastify.addContentTypeParser(COLLECTION_JSON, { parseAs: 'string', bodyLimit }, (request, body, done) => {
    void parseJson(request, body as string, (err, value) => {
      if (err) done(null, new UnreadableBody(body as string, err.message));
      else done(null, value);
    });
  });
}
