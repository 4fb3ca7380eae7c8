import { compile, type PqlEvaluator } from '@weft/pql';

const NONE: ReadonlySet<string> = new Set();

/** What the evaluation of one segment needs. */
export interface PlannedSegment {
  readonly id: string;
  readonly expression: string;
  /** Only profiles merged with this policy can qualify; null accepts the profile feed's policy, whatever it is. */
  readonly mergePolicyId: string | null;
}

/** One profile as evaluation sees it. */
export interface EvaluationSubject {
  readonly attributes: unknown;
  readonly events: readonly unknown[];
  readonly mergePolicyId: string;
}

/**
 * Compiled segments in dependency order, evaluated together for one profile at a time: `inSegment` of a segment in
 * the plan reads the result just computed for this profile; any other audience is answered by `outside`.
 */
export class SegmentPlan {
  private readonly evaluators: PqlEvaluator[];
  private readonly indexById: Map<string, number>;

  /** `segments` must already be in dependency order (see orderSegments). */
  constructor(readonly segments: readonly PlannedSegment[]) {
    this.evaluators = segments.map((s) => compile(s.expression));
    this.indexById = new Map(segments.map((s, i) => [s.id, i]));
  }

  get size(): number {
    return this.segments.length;
  }

  /**
   * Writes 1 into `into[offset + i]` when the profile qualifies for `segments[i]`, else 0.
   * `outside` answers `inSegment` for audiences not in the plan (e.g. stored batch memberships).
   */
  evaluateInto(
    subject: EvaluationSubject,
    now: number,
    into: Uint8Array,
    offset = 0,
    outside?: (segmentId: string) => boolean,
  ): void {
    const { segments, evaluators, indexById } = this;
    const membership = (segmentId: string): boolean => {
      const index = indexById.get(segmentId);
      if (index === undefined) return outside?.(segmentId) ?? false;
      return into[offset + index] === 1;
    };
    const context = { profile: subject.attributes, events: subject.events, now, segments: membership };
    for (let i = 0; i < segments.length; i++) {
      const policy = segments[i]!.mergePolicyId;
      into[offset + i] = (policy === null || policy === subject.mergePolicyId) && evaluators[i]!.test(context) ? 1 : 0;
    }
  }

  /** The ids of the segments the profile qualifies for. */
  qualifying(subject: EvaluationSubject, now: number, outside?: (segmentId: string) => boolean): ReadonlySet<string> {
    const flags = new Uint8Array(this.segments.length);
    this.evaluateInto(subject, now, flags, 0, outside);
    return this.idsOf(flags, 0);
  }

  /** The ids flagged in `flags[offset .. offset + size)`; profiles in no segment share one empty set. */
  idsOf(flags: Uint8Array, offset: number): ReadonlySet<string> {
    let ids: Set<string> | undefined;
    for (let i = 0; i < this.segments.length; i++) if (flags[offset + i] === 1) (ids ??= new Set()).add(this.segments[i]!.id);
    return ids ?? NONE;
  }
}
