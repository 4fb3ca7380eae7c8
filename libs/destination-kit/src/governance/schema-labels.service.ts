import { Inject, Injectable, Logger } from '@nestjs/common';
import { CONFIG } from '@weft/platform';
import type { DestinationKitConfig } from '../config';
import { fieldLabelsFromSchemas } from './schema-labels';

export interface SchemaLabels {
  labels: Map<string, Set<string>>;
  /** Why the ingestion API's labels are missing, when they are. */
  unavailable?: string;
}

/**
 * Field labels of the XDM schemas owned by ingestion (GET {INGESTION_URL}/v1/schemas), cached for
 * INGESTION_LABELS_TTL_MS. When ingestion cannot be reached the result is empty and says why; callers then rely on
 * labels given on mapping entries.
 */
@Injectable()
export class SchemaLabelsService {
  private readonly logger = new Logger(SchemaLabelsService.name);
  private cached: { at: number; value: SchemaLabels } | null = null;

  constructor(@Inject(CONFIG) private readonly config: DestinationKitConfig) {}

  async current(): Promise<SchemaLabels> {
    if (this.cached && Date.now() - this.cached.at < this.config.INGESTION_LABELS_TTL_MS) return this.cached.value;
    const value = await this.fetch();
    if (!value.unavailable) this.cached = { at: Date.now(), value };
    return value;
  }

  private async fetch(): Promise<SchemaLabels> {
    const url = new URL('/v1/schemas', this.config.INGESTION_URL);
    const apiKey = this.config.INGESTION_API_KEY ?? this.config.WEFT_API_KEYS[0];
    try {
      const response = await fetch(url, { headers: { 'x-api-key': apiKey, accept: 'application/json' }, signal: AbortSignal.timeout(2_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      return { labels: fieldLabelsFromSchemas(await response.json()) };
    } catch (err) {
      const reason = `schema labels from ${url.toString()} unavailable: ${err instanceof Error ? err.message : String(err)}`;
      this.logger.warn(`${reason}; only labels on mapping entries are checked`);
      return { labels: new Map(), unavailable: reason };
    }
  }
}
