import { analyze, classify, parse, type EvaluationMethod } from '@weft/pql';
import { orderSegments } from './segment-order';
import { SegmentPlan, type PlannedSegment } from './segment-plan';

/** A saved segment definition, as the catalog reads it. */
export interface SegmentDefinition extends PlannedSegment {
  readonly name: string;
}

/** What the catalog derives for each segment. */
export interface SegmentTraits {
  readonly method: EvaluationMethod;
  /** The value depends on `now`, directly or through a referenced segment: the sweep must re-evaluate it. */
  readonly timeBound: boolean;
  /** Profile attributes only, directly and through every referenced segment. */
  readonly profileOnly: boolean;
  readonly references: readonly string[];
}

/**
 * Every segment in dependency order with its evaluation method, and the plans the evaluators use: `all` for batch
 * jobs, `streaming` (streaming and edge segments) for the change feed and the sweep.
 */
export class SegmentCatalog {
  readonly ordered: readonly SegmentDefinition[];
  readonly traits: ReadonlyMap<string, SegmentTraits>;
  readonly all: SegmentPlan;
  readonly streaming: SegmentPlan;
  /** Streaming segments whose value changes as time passes. */
  readonly timeBoundStreamingIds: readonly string[];

  /** Throws SegmentCycleError for a cycle and PqlSyntaxError for an unreadable expression. */
  constructor(definitions: readonly SegmentDefinition[]) {
    const parsed = new Map(definitions.map((d) => [d.id, parse(d.expression)]));
    const analyses = new Map(definitions.map((d) => [d.id, analyze(parsed.get(d.id)!)]));
    const byId = new Map(definitions.map((d) => [d.id, d]));
    const order = orderSegments(definitions.map((d) => ({ id: d.id, references: analyses.get(d.id)!.segments })));
    this.ordered = order.map((id) => byId.get(id)!);

    const traits = new Map<string, SegmentTraits>();
    for (const id of order) {
      const analysis = analyses.get(id)!;
      const refs = analysis.segments.map((ref) => traits.get(ref));
      const method = classify(parsed.get(id)!, { isProfileOnlySegment: (ref) => traits.get(ref)?.profileOnly ?? false });
      traits.set(id, {
        method,
        timeBound: analysis.timeBound || refs.some((t) => t?.timeBound === true),
        profileOnly: !analysis.usesEvents && refs.every((t) => t?.profileOnly === true),
        references: analysis.segments,
      });
    }
    this.traits = traits;
    this.all = new SegmentPlan(this.ordered);
    const streaming = this.ordered.filter((d) => traits.get(d.id)!.method !== 'batch');
    this.streaming = new SegmentPlan(streaming);
    this.timeBoundStreamingIds = streaming.filter((d) => traits.get(d.id)!.timeBound).map((d) => d.id);
  }

  /** The segment and everything it references, in dependency order. */
  planFor(segmentId: string): SegmentPlan {
    const needed = new Set<string>();
    const add = (id: string): void => {
      if (needed.has(id)) return;
      needed.add(id);
      for (const ref of this.traits.get(id)?.references ?? []) add(ref);
    };
    add(segmentId);
    return new SegmentPlan(this.ordered.filter((d) => needed.has(d.id)));
  }
}
