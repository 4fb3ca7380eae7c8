/**
 * The JSON AST form of a PQL expression. Every node is plain data (no classes, no functions),
 * so an AST can be stored next to a segment definition and compiled later.
 */

/** 1-based position of the first character of a node in the expression text. */
export interface PqlLocation {
  readonly line: number;
  readonly column: number;
}

interface NodeBase<K extends string> {
  readonly kind: K;
  readonly loc: PqlLocation;
}

export type TimeUnit =
  | 'millisecond'
  | 'second'
  | 'minute'
  | 'hour'
  | 'day'
  | 'week'
  | 'month'
  | 'year'
  | 'decade'
  | 'century'
  | 'millennium';

export type ArithmeticOperator = '+' | '-' | '*' | '/' | '%';
export type ComparisonOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';
export type MatchOperator = 'in' | 'notIn' | 'like' | 'matches';
export type LogicalOperator = 'and' | 'or';
export type BinaryOperator = ArithmeticOperator | ComparisonOperator | MatchOperator | LogicalOperator;

/** `"text"`, `42`, `true`. */
export interface LiteralNode extends NodeBase<'literal'> {
  readonly value: string | number | boolean;
}

/** `[3, 6, 9]`. */
export interface ListNode extends NodeBase<'list'> {
  readonly items: readonly PqlNode[];
}

/** A bare name: a bound variable if one is in scope, otherwise a field of the current item (the profile at top level). */
export interface NameNode extends NodeBase<'name'> {
  readonly name: string;
}

/** `$1`: the profile. */
export type ProfileNode = NodeBase<'profile'>;

/** `xEvent`: the profile's experience events. */
export type EventsNode = NodeBase<'events'>;

/** `^` (levels 1) or `^^` (levels 2): the item of an enclosing filter. */
export interface UpNode extends NodeBase<'up'> {
  readonly levels: number;
}

/** `a.b`. */
export interface MemberNode extends NodeBase<'member'> {
  readonly object: PqlNode;
  readonly property: string;
}

/** `m["key"]` or `a[0]`: key or position access (a bracket holding a single string or integer literal). */
export interface IndexNode extends NodeBase<'index'> {
  readonly object: PqlNode;
  readonly key: string | number;
}

/** `a[cond]`: the items of `a` for which `cond` holds, `cond` evaluated with the item as current item. */
export interface FilterNode extends NodeBase<'filter'> {
  readonly object: PqlNode;
  readonly predicate: PqlNode;
}

/** `a.f(x, y)`. */
export interface MethodNode extends NodeBase<'method'> {
  readonly object: PqlNode;
  readonly name: string;
  readonly args: readonly PqlNode[];
}

/** `f(x, y)`: `if`, `inSegment`, `date`, `currentMonth` ... */
export interface CallNode extends NodeBase<'call'> {
  readonly name: string;
  readonly args: readonly PqlNode[];
}

export interface UnaryNode extends NodeBase<'unary'> {
  readonly operator: 'not' | '-';
  readonly operand: PqlNode;
}

export interface BinaryNode extends NodeBase<'binary'> {
  readonly operator: BinaryOperator;
  readonly left: PqlNode;
  readonly right: PqlNode;
}

/** `now`, `today`, `yesterday`, `tomorrow`. */
export interface TimeWordNode extends NodeBase<'timeWord'> {
  readonly word: 'now' | 'today' | 'yesterday' | 'tomorrow';
}

/** `this month`, `last week`, `next year`: a calendar period relative to now. */
export interface PeriodNode extends NodeBase<'period'> {
  readonly relation: 'this' | 'last' | 'next';
  readonly unit: TimeUnit;
}

/** The right-hand side of `occurs` (and the content of a chain step's `WHEN`). */
export type TimeWindow =
  | { readonly type: 'on'; readonly term: PqlNode }
  | { readonly type: 'before'; readonly term: PqlNode }
  | { readonly type: 'after'; readonly term: PqlNode }
  | { readonly type: 'between'; readonly from: PqlNode; readonly to: PqlNode }
  | {
      readonly type: 'relative';
      readonly comparator: '<' | '<=' | '=' | '>=' | '>';
      readonly amount: PqlNode;
      readonly unit: TimeUnit;
      readonly direction: 'before' | 'after';
      readonly anchor: PqlNode;
    };

/** `X occurs <window>`. */
export interface OccursNode extends NodeBase<'occurs'> {
  readonly subject: PqlNode;
  readonly window: TimeWindow;
}

/** `V from A where C` inside `select`, `exists`, `forall` and `... over`. */
export interface BindingClause {
  readonly variable: string;
  readonly source: PqlNode;
  readonly where: PqlNode | null;
  readonly loc: PqlLocation;
}

/** `select V1 from A1 where C1, V2 from A2 where C2`: every tuple satisfying the conditions. */
export interface SelectNode extends NodeBase<'select'> {
  readonly clauses: readonly BindingClause[];
}

/** `exists V from A where C`. */
export interface ExistsNode extends NodeBase<'exists'> {
  readonly clauses: readonly BindingClause[];
}

/** `forall V from A where C`. */
export interface ForallNode extends NodeBase<'forall'> {
  readonly clauses: readonly BindingClause[];
}

export type AggregateFunction = 'sum' | 'average' | 'min' | 'max' | 'count';

/** `sum <value> over V from A where C`. */
export interface AggregateNode extends NodeBase<'aggregate'> {
  readonly fn: AggregateFunction;
  readonly value: PqlNode;
  readonly clauses: readonly BindingClause[];
}

export interface LetBinding {
  readonly name: string;
  readonly value: PqlNode;
  readonly loc: PqlLocation;
}

/** `let V = expr in body`. */
export interface LetNode extends NodeBase<'let'> {
  readonly bindings: readonly LetBinding[];
  readonly body: PqlNode;
}

/** `(P1, P2) => body`: the whole expression's profile head, or the argument of `map`. */
export interface LambdaNode extends NodeBase<'lambda'> {
  readonly params: readonly string[];
  readonly body: PqlNode;
}

export interface ChainStep {
  readonly label: string;
  readonly what: PqlNode;
  readonly when: TimeWindow | null;
  readonly loc: PqlLocation;
}

/** `CHAIN(xEvent, timestamp, [C0: WHAT(...) WHEN(...), ...])`: a strictly time-ordered sequence of events. */
export interface ChainNode extends NodeBase<'chain'> {
  readonly source: PqlNode;
  readonly timestampPath: readonly string[];
  readonly steps: readonly ChainStep[];
}

export type PqlNode =
  | LiteralNode
  | ListNode
  | NameNode
  | ProfileNode
  | EventsNode
  | UpNode
  | MemberNode
  | IndexNode
  | FilterNode
  | MethodNode
  | CallNode
  | UnaryNode
  | BinaryNode
  | TimeWordNode
  | PeriodNode
  | OccursNode
  | SelectNode
  | ExistsNode
  | ForallNode
  | AggregateNode
  | LetNode
  | LambdaNode
  | ChainNode;

export type PqlNodeKind = PqlNode['kind'];

export function windowTerms(window: TimeWindow): PqlNode[] {
  switch (window.type) {
    case 'on':
    case 'before':
    case 'after':
      return [window.term];
    case 'between':
      return [window.from, window.to];
    case 'relative':
      return [window.amount, window.anchor];
  }
}

/** The direct sub-expressions of a node, in source order. */
export function childrenOf(node: PqlNode): PqlNode[] {
  switch (node.kind) {
    case 'literal':
    case 'name':
    case 'profile':
    case 'events':
    case 'up':
    case 'timeWord':
    case 'period':
      return [];
    case 'list':
      return [...node.items];
    case 'member':
    case 'index':
      return [node.object];
    case 'filter':
      return [node.object, node.predicate];
    case 'method':
      return [node.object, ...node.args];
    case 'call':
      return [...node.args];
    case 'unary':
      return [node.operand];
    case 'binary':
      return [node.left, node.right];
    case 'occurs':
      return [node.subject, ...windowTerms(node.window)];
    case 'select':
    case 'exists':
    case 'forall':
      return clauseChildren(node.clauses);
    case 'aggregate':
      return [node.value, ...clauseChildren(node.clauses)];
    case 'let':
      return [...node.bindings.map((b) => b.value), node.body];
    case 'lambda':
      return [node.body];
    case 'chain':
      return [node.source, ...node.steps.flatMap((s) => [s.what, ...(s.when ? windowTerms(s.when) : [])])];
  }
}

function clauseChildren(clauses: readonly BindingClause[]): PqlNode[] {
  return clauses.flatMap((c) => (c.where ? [c.source, c.where] : [c.source]));
}

/** Depth-first walk over a node and all its descendants. */
export function walk(node: PqlNode, visit: (node: PqlNode) => void): void {
  visit(node);
  for (const child of childrenOf(node)) walk(child, visit);
}
