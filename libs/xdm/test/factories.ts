import type { IngestEnvelope, ResolvedEnvelope } from '../src';

const BASE_TIME = Date.UTC(2024, 4, 15, 9, 58, 12);

/** A fluent builder over a realistic accepted web event; override only what a test is about. */
export class IngestEnvelopeBuilder {
  private envelope: IngestEnvelope = {
    id: 'ev-0001',
    datasetId: 'ds-web-events',
    schemaId: 'https://ns.weft.io/schemas/web-events',
    kind: 'event',
    timestamp: BASE_TIME,
    receivedAt: BASE_TIME + 250,
    identities: [
      {
        namespace: 'ECID',
        id: '14575006536349286404619648085736425115',
        authenticatedState: 'ambiguous',
        primary: true,
      },
      { namespace: 'Email', id: 'ada.lee@example.com', authenticatedState: 'authenticated', primary: false },
    ],
    primaryIdentity: { namespace: 'ECID', id: '14575006536349286404619648085736425115' },
    source: 'http',
    batchId: null,
    payloadSchemaId: 7,
    payload: JSON.stringify({
      _id: 'ev-0001',
      timestamp: '2024-05-15T09:58:12Z',
      eventType: 'web.webpagedetails.pageViews',
    }),
  };

  with<K extends keyof IngestEnvelope>(field: K, value: IngestEnvelope[K]): this {
    this.envelope = { ...this.envelope, [field]: value };
    return this;
  }

  build(): IngestEnvelope {
    return structuredClone(this.envelope);
  }

  resolvedTo(profileId: string, graphVersion: number | null = 1): ResolvedEnvelope {
    return { ...this.build(), profileId, graphVersion };
  }
}

export const anIngestEnvelope = () => new IngestEnvelopeBuilder();
