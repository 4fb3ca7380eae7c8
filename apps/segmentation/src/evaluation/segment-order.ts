/** A segment and the audiences its expression references through `inSegment(...)`. */
export interface SegmentDependencies {
  readonly id: string;
  readonly references: readonly string[];
}

/** Segments that reference each other in a loop cannot be evaluated in any order. */
export class SegmentCycleError extends Error {
  constructor(readonly cycle: readonly string[]) {
    super(`segments reference each other in a cycle: ${cycle.join(' -> ')}`);
    this.name = 'SegmentCycleError';
  }
}

/**
 * Segment ids in evaluation order: every segment after the segments it references (depth-first topological order,
 * stable in input order). References to ids outside `segments` are ignored here. Throws {@link SegmentCycleError}
 * naming the loop when there is one.
 */
export function orderSegments(segments: readonly SegmentDependencies[]): string[] {
  const byId = new Map(segments.map((s) => [s.id, s]));
  const state = new Map<string, 'visiting' | 'done'>();
  const order: string[] = [];
  const path: string[] = [];

  const visit = (id: string): void => {
    const seen = state.get(id);
    if (seen === 'done') return;
    if (seen === 'visiting') throw new SegmentCycleError([...path.slice(path.indexOf(id)), id]);
    state.set(id, 'visiting');
    path.push(id);
    for (const ref of byId.get(id)?.references ?? []) if (byId.has(ref)) visit(ref);
    path.pop();
    state.set(id, 'done');
    order.push(id);
  };
  for (const segment of segments) visit(segment.id);
  return order;
}
