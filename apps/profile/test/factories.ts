import type { Fragment, JsonObject } from '../src/merge';

const T0 = Date.parse('2024-05-01T00:00:00Z');

/** Fluent builder of record fragments for merge tests. */
export class FragmentBuilder {
  private value: Fragment = { datasetId: 'crm', primaryIdentity: 'Email:ada@example.com', attributes: {}, timestamp: T0, receivedAt: T0 };

  dataset(datasetId: string): this {
    this.value = { ...this.value, datasetId };
    return this;
  }

  identity(primaryIdentity: string): this {
    this.value = { ...this.value, primaryIdentity };
    return this;
  }

  with(attributes: JsonObject): this {
    this.value = { ...this.value, attributes };
    return this;
  }

  /** Received by ingestion `minutes` after the reference time (timestamp too). */
  receivedAfter(minutes: number): this {
    const at = T0 + minutes * 60_000;
    this.value = { ...this.value, receivedAt: at, timestamp: at };
    return this;
  }

  /** The source system says it last changed the record at `iso`. */
  lastUpdated(iso: string): this {
    const audit = (this.value.attributes['extSourceSystemAudit'] as JsonObject | undefined) ?? {};
    this.value = { ...this.value, attributes: { ...this.value.attributes, extSourceSystemAudit: { ...audit, lastUpdatedDate: iso } } };
    return this;
  }

  build(): Fragment {
    return this.value;
  }
}

export const fragment = () => new FragmentBuilder();
