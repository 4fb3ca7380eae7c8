import { randomUUID } from 'node:crypto';
import type { GraphChange, Identity, IdentityKey, ResolvedEnvelope, SegmentMembership } from '@weft/xdm';

/** Fluent builder of identity's resolved envelopes (what weft.identity.resolved.v1 carries). */
export class ResolvedBuilder {
  private value: ResolvedEnvelope;

  constructor(kind: ResolvedEnvelope['kind'], profileId: string) {
    const now = Date.now();
    this.value = {
      profileId,
      graphVersion: 1,
      id: randomUUID(),
      datasetId: kind === 'record' ? 'crm-profiles' : 'web-events',
      schemaId: kind === 'record' ? 'profile-schema' : 'event-schema',
      kind,
      timestamp: now,
      receivedAt: now,
      identities: [],
      primaryIdentity: null,
      source: kind === 'record' ? 'batch' : 'http',
      batchId: null,
      payloadSchemaId: null,
      payload: '{}',
    };
  }

  id(id: string): this {
    this.value = { ...this.value, id };
    return this;
  }

  dataset(datasetId: string): this {
    this.value = { ...this.value, datasetId };
    return this;
  }

  /** Adds an identity; the first one given is the primary identity unless another is marked. */
  identity(namespace: string, id: string, primary = this.value.identities.length === 0): this {
    const identity: Identity = { namespace, id, authenticatedState: 'ambiguous', primary };
    const primaryIdentity: IdentityKey | null | undefined = primary ? { namespace, id } : this.value.primaryIdentity;
    this.value = { ...this.value, identities: [...this.value.identities.map((i) => (primary ? { ...i, primary: false } : i)), identity], primaryIdentity };
    return this;
  }

  /** The XDM document; identityMap is filled from the identities given. */
  document(doc: Record<string, unknown>): this {
    const identityMap: Record<string, { id: string; primary: boolean }[]> = {};
    for (const i of this.value.identities) (identityMap[i.namespace] ??= []).push({ id: i.id, primary: i.primary ?? false });
    this.value = { ...this.value, payload: JSON.stringify({ _id: this.value.id, identityMap, ...doc }) };
    return this;
  }

  /** Event time (events) or change time (records), and ingestion time, in ms. */
  at(timestamp: number, receivedAt = timestamp): this {
    this.value = { ...this.value, timestamp, receivedAt };
    return this;
  }

  build(): ResolvedEnvelope {
    if (this.value.payload === '{}') this.document({});
    return this.value;
  }
}

export const record = (profileId: string) => new ResolvedBuilder('record', profileId);
export const event = (profileId: string) => new ResolvedBuilder('event', profileId);

export function mergeChange(survivor: string, absorbed: string[]): GraphChange {
  return { changeId: randomUUID(), type: 'merge', at: Date.now(), survivor, absorbed, old: null, parts: [], removedIdentities: [] };
}

export function splitChange(old: string, parts: { profileId: string; identities: IdentityKey[] }[]): GraphChange {
  return { changeId: randomUUID(), type: 'split', at: Date.now(), survivor: null, absorbed: [], old, parts, removedIdentities: [] };
}

export function membership(profileId: string, segmentId: string, status: SegmentMembership['status'], version: number): SegmentMembership {
  return { profileId, segmentId, status, version, lastQualificationTime: Date.now(), identities: [], attributes: null };
}
