import type { ProfileChanged } from '@weft/xdm';

let sequence = 0;

/** Fluent builder of ProfileChanged envelopes: `aProfileChange('p1').withAttributes({...}).withEvent({...}).build()`. */
export class ProfileChangeBuilder {
  private version = 1;
  private deleted = false;
  private flags: string[] = [];
  private attributes: Record<string, unknown> = {};
  private readonly events: NonNullable<ProfileChanged['events']> = [];
  private identities: ProfileChanged['identities'];
  private mergePolicyId = 'default';
  private updatedAt = Date.parse('2025-01-01T00:00:00Z');

  constructor(private readonly profileId: string) {
    this.identities = [{ namespace: 'Email', id: `${profileId}@example.com`, primary: true }];
  }

  atVersion(version: number): this {
    this.version = version;
    return this;
  }

  withAttributes(attributes: Record<string, unknown>): this {
    this.attributes = attributes;
    return this;
  }

  /** Adds an event; `payload` holds the event's XDM fields. */
  withEvent(eventType: string, timestamp: number, payload: Record<string, unknown> = {}): this {
    sequence++;
    this.events.push({
      id: `ev-${this.profileId}-${sequence}`,
      timestamp,
      eventType,
      datasetId: 'ds-web',
      payload: JSON.stringify({ eventType, ...payload }),
    });
    return this;
  }

  withMergePolicy(mergePolicyId: string): this {
    this.mergePolicyId = mergePolicyId;
    return this;
  }

  flagged(...flags: string[]): this {
    this.flags = flags;
    return this;
  }

  asDeleted(): this {
    this.deleted = true;
    return this;
  }

  updatedAtMs(ms: number): this {
    this.updatedAt = ms;
    return this;
  }

  build(): ProfileChanged {
    return {
      profileId: this.profileId,
      version: this.version,
      deleted: this.deleted,
      changedPaths: Object.keys(this.attributes),
      attributes: JSON.stringify(this.attributes),
      identities: this.identities,
      events: [...this.events],
      flags: this.flags,
      mergePolicyId: this.mergePolicyId,
      updatedAt: this.updatedAt,
    };
  }
}

export function aProfileChange(profileId: string): ProfileChangeBuilder {
  return new ProfileChangeBuilder(profileId);
}
