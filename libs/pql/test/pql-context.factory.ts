import type { PqlContext, SegmentMembership } from '../src/index';

/** Fluent builder for evaluation contexts: `aContext().at('2024-05-15T10:00:00Z').withProfile({...}).build()`. */
export class PqlContextBuilder {
  private profile: Record<string, unknown> = {};
  private readonly events: Record<string, unknown>[] = [];
  private now: string = '2024-05-15T10:00:00Z';
  private segments: SegmentMembership | undefined;

  at(now: string): this {
    this.now = now;
    return this;
  }

  withProfile(profile: Record<string, unknown>): this {
    this.profile = profile;
    return this;
  }

  /** Adds an event; `_id` is generated and `timestamp` defaults to `now`. */
  withEvent(event: Record<string, unknown>): this {
    this.events.push({ _id: `ev-${this.events.length + 1}`, timestamp: this.now, ...event });
    return this;
  }

  /** Adds an event `hoursAgo` hours before `now`. */
  withEventHoursAgo(hoursAgo: number, event: Record<string, unknown>): this {
    const timestamp = new Date(Date.parse(this.now) - hoursAgo * 3_600_000).toISOString();
    return this.withEvent({ ...event, timestamp });
  }

  inSegments(segments: SegmentMembership): this {
    this.segments = segments;
    return this;
  }

  build(): PqlContext {
    return {
      profile: this.profile,
      events: [...this.events],
      now: this.now,
      ...(this.segments === undefined ? {} : { segments: this.segments }),
    };
  }
}

export function aContext(): PqlContextBuilder {
  return new PqlContextBuilder();
}
