import type { BindingClause, ChainNode, FilterNode, PqlNode, TimeWindow } from '../syntax/ast';
import { walk } from '../syntax/ast';
import { fixedUnitMs } from '../evaluator/time';
import { parse } from '../syntax/parser';

/** How a segment definition can be evaluated; every definition can be evaluated in batch. */
export type EvaluationMethod = 'edge' | 'streaming' | 'batch';

export interface ClassifyOptions {
  /**
   * Whether a referenced audience uses profile attributes only. An event condition combined with `inSegment`
   * is edge-eligible only when every referenced audience is (README §9, decision 2); unknown means no.
   */
  readonly isProfileOnlySegment?: (segmentId: string) => boolean;
}

/** The longest look-back from `now` that streaming and edge evaluation keep. */
const LOOK_BACK_MS = 86_400_000;

/** A leaf of the Boolean structure (and/or/not) of an expression, as the eligibility rules see it. */
type Term =
  | { readonly type: 'profile' }
  | { readonly type: 'segment' }
  /** One event within the last 24 hours. */
  | { readonly type: 'event' }
  /** A strictly ordered sequence of events, all within the last 24 hours. */
  | { readonly type: 'sequence' }
  | { readonly type: 'batch' };

/**
 * The fastest evaluation method the rules of README §9 allow for the expression alone
 * (edge > streaming > batch).
 */
export function classify(input: string | PqlNode, options: ClassifyOptions = {}): EvaluationMethod {
  const ast = typeof input === 'string' ? parse(input) : input;
  const body = ast.kind === 'lambda' ? ast.body : ast;
  if (someNode(body, (n) => n.kind === 'let' || n.kind === 'forall')) return 'batch';
  // A negated event is allowed only inside a larger expression.
  if (body.kind === 'unary' && body.operator === 'not' && usesEvents(body)) return 'batch';

  const terms = booleanLeaves(body).map(classifyTerm);
  if (terms.some((t) => t.type === 'batch')) return 'batch';
  const eventTerms = terms.filter((t) => t.type === 'event' || t.type === 'sequence');
  if (eventTerms.length === 0) return 'edge';
  // Several separate event conditions are not strictly ordered: only a CHAIN orders events.
  if (eventTerms.length > 1) return 'batch';
  if (eventTerms[0]!.type === 'sequence') return 'streaming';
  return segmentsAreProfileOnly(body, options) ? 'edge' : 'streaming';
}

function segmentsAreProfileOnly(node: PqlNode, options: ClassifyOptions): boolean {
  let profileOnly = true;
  walk(node, (n) => {
    if (n.kind !== 'call' || n.name !== 'inSegment') return;
    const [id] = n.args;
    const known =
      id?.kind === 'literal' && typeof id.value === 'string' && options.isProfileOnlySegment?.(id.value);
    if (!known) profileOnly = false;
  });
  return profileOnly;
}

function someNode(node: PqlNode, test: (node: PqlNode) => boolean): boolean {
  let found = false;
  walk(node, (n) => {
    if (!found && test(n)) found = true;
  });
  return found;
}

function usesEvents(node: PqlNode): boolean {
  return someNode(node, (n) => n.kind === 'events');
}

function booleanLeaves(node: PqlNode): PqlNode[] {
  if (node.kind === 'binary' && (node.operator === 'and' || node.operator === 'or')) {
    return [...booleanLeaves(node.left), ...booleanLeaves(node.right)];
  }
  if (node.kind === 'unary' && node.operator === 'not') return booleanLeaves(node.operand);
  return [node];
}

function conjuncts(node: PqlNode): PqlNode[] {
  if (node.kind === 'binary' && node.operator === 'and')
    return [...conjuncts(node.left), ...conjuncts(node.right)];
  return [node];
}

function classifyTerm(node: PqlNode): Term {
  if (!usesEvents(node)) {
    if (node.kind === 'call' && node.name === 'inSegment') return { type: 'segment' };
    return { type: 'profile' };
  }
  switch (node.kind) {
    case 'chain':
      return classifyChain(node);
    case 'select':
    case 'exists':
      return classifySingleEvent(node.clauses);
    case 'filter':
      return classifyFilter(node);
    default:
      // Counts, sums and other aggregates over events, event data compared with values ...
      return { type: 'batch' };
  }
}

function classifyChain(node: ChainNode): Term {
  if (node.source.kind !== 'events') return { type: 'batch' };
  const timestampField = node.timestampPath.join('.');
  const bounded = node.steps.every(
    (step) =>
      !usesEvents(step.what) &&
      step.when !== null &&
      isRecentWindow(step.when) &&
      timestampField === 'timestamp',
  );
  if (!bounded) return { type: 'batch' };
  return node.steps.length === 1 ? { type: 'event' } : { type: 'sequence' };
}

/** `select|exists X from xEvent where ... X.timestamp occurs <recent window> ...`. */
function classifySingleEvent(clauses: readonly BindingClause[]): Term {
  if (clauses.length !== 1) return { type: 'batch' };
  const [clause] = clauses as [BindingClause];
  if (clause.source.kind !== 'events' || clause.where === null) return { type: 'batch' };
  const parts = conjuncts(clause.where);
  if (parts.some(usesEvents)) return { type: 'batch' };
  const windowed = parts.some(
    (part) =>
      part.kind === 'occurs' &&
      part.subject.kind === 'member' &&
      part.subject.property === 'timestamp' &&
      part.subject.object.kind === 'name' &&
      part.subject.object.name === clause.variable &&
      isRecentWindow(part.window),
  );
  return windowed ? { type: 'event' } : { type: 'batch' };
}

/** `xEvent[... timestamp occurs <recent window> ...]` read as "such an event exists". */
function classifyFilter(node: FilterNode): Term {
  if (node.object.kind !== 'events') return { type: 'batch' };
  const parts = conjuncts(node.predicate);
  if (parts.some(usesEvents)) return { type: 'batch' };
  const windowed = parts.some(
    (part) =>
      part.kind === 'occurs' &&
      part.subject.kind === 'name' &&
      part.subject.name === 'timestamp' &&
      isRecentWindow(part.window),
  );
  return windowed ? { type: 'event' } : { type: 'batch' };
}

/**
 * A window that never reaches back more than 24 hours from now: `today`, `this hour`, `now`,
 * or `<=`/`<`/`=` N units (N units at most 24 h) before now. Calendar windows such as `yesterday` reach further.
 */
function isRecentWindow(window: TimeWindow): boolean {
  switch (window.type) {
    case 'on': {
      const { term } = window;
      if (term.kind === 'timeWord') return term.word === 'today' || term.word === 'now';
      if (term.kind === 'period') {
        const unitMs = fixedUnitMs(term.unit);
        return term.relation === 'this' && unitMs !== undefined && unitMs <= LOOK_BACK_MS;
      }
      return false;
    }
    case 'relative': {
      const { amount, anchor, unit, comparator, direction } = window;
      if (direction !== 'before' || anchor.kind !== 'timeWord' || anchor.word !== 'now') return false;
      if (comparator !== '<=' && comparator !== '<' && comparator !== '=') return false;
      const unitMs = fixedUnitMs(unit);
      return (
        amount.kind === 'literal' &&
        typeof amount.value === 'number' &&
        amount.value >= 0 &&
        unitMs !== undefined &&
        amount.value * unitMs <= LOOK_BACK_MS
      );
    }
    case 'before':
    case 'after':
    case 'between':
      return false;
  }
}
