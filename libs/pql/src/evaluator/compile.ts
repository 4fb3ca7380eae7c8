import type {
  BinaryNode,
  BindingClause,
  CallNode,
  ChainNode,
  LambdaNode,
  MethodNode,
  PqlNode,
  TimeWindow,
} from '../syntax/ast';
import { parse } from '../syntax/parser';
import { PqlSyntaxError } from '../syntax/pql-syntax-error';
import { javaRegex, likeRegex } from './patterns';
import { shift, startOf, TimeSpan, toEpochMs, utcDay } from './time';
import {
  deepEqual,
  getField,
  includesValue,
  isObject,
  isTruthy,
  keyOf,
  MapEntry,
  newMap,
  type PqlMap,
} from './values';

/** Which audiences the profile belongs to, when the caller knows better than the profile's `segmentMembership`. */
export type SegmentMembership = ReadonlySet<string> | ((segmentId: string) => boolean);

/** Everything one evaluation sees. `now` is the evaluation instant; nothing reads the system clock. */
export interface PqlContext {
  readonly profile: unknown;
  readonly events?: readonly unknown[];
  readonly now: Date | string | number;
  readonly segments?: SegmentMembership;
}

/** A compiled expression: parse and compile once, evaluate for many profiles. */
export interface PqlEvaluator {
  readonly ast: PqlNode;
  /** The raw value of the expression (computed attributes). */
  evaluate(context: PqlContext): unknown;
  /** The value read as segment qualification (README §4). */
  test(context: PqlContext): boolean;
}

/** Per-evaluation state. Item and variable positions are fixed at compile time, so closures index arrays. */
interface Frame {
  readonly profile: unknown;
  readonly events: readonly unknown[];
  readonly now: number;
  readonly segments: SegmentMembership | undefined;
  /** items[0] is the profile; items[d] is the current item of the filter (or per-item argument) at depth d. */
  readonly items: unknown[];
  readonly vars: unknown[];
}

type Fn = (frame: Frame) => unknown;
type WindowTest = (frame: Frame, ms: number) => boolean;
type TermFn = (frame: Frame) => TimeSpan | undefined;

interface Scope {
  readonly depth: number;
  readonly vars: ReadonlyMap<string, number>;
}

const DAY_MS = 86_400_000;
const MEMBER_STATUSES = new Set(['realized', 'existing']);

export function compile(input: string | PqlNode): PqlEvaluator {
  const ast = typeof input === 'string' ? parse(input) : input;
  const compiler = new Compiler();
  const fn = compiler.compileProgram(ast);
  const depth = compiler.maxDepth + 1;
  const slots = compiler.slots;
  const run = (context: PqlContext): unknown => fn(createFrame(context, depth, slots));
  return {
    ast,
    evaluate: (context) => toResult(run(context)),
    test: (context) => isTruthy(run(context)),
  };
}

function createFrame(context: PqlContext, depth: number, slots: number): Frame {
  const now = toEpochMs(context.now);
  if (now === undefined) throw new TypeError(`now must be a Date, an ISO-8601 string or epoch milliseconds`);
  const items = new Array<unknown>(depth);
  items[0] = context.profile;
  return {
    profile: context.profile,
    events: context.events ?? [],
    now,
    segments: context.segments,
    items,
    vars: new Array<unknown>(slots),
  };
}

/** Internal values leave as plain JSON-like data. */
function toResult(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toResult);
  if (value instanceof MapEntry) return { key: toResult(value.key), value: toResult(value.value) };
  if (value instanceof TimeSpan) {
    return value.instant
      ? new Date(value.start).toISOString()
      : { start: new Date(value.start).toISOString(), end: new Date(value.end).toISOString() };
  }
  return value;
}

function toList(value: unknown): readonly unknown[] {
  if (Array.isArray(value)) return value;
  return value === null || value === undefined ? [] : [value];
}

/** Array-valued operands of set functions: null stays null (so the function is false), a scalar is a one-item list. */
function toSet(value: unknown): readonly unknown[] | null {
  if (value === null || value === undefined) return null;
  return Array.isArray(value) ? value : [value];
}

function numbersOf(values: readonly unknown[]): number[] {
  return values.filter((v): v is number => typeof v === 'number' && !Number.isNaN(v));
}

function aggregate(fn: 'sum' | 'average' | 'min' | 'max' | 'count', values: readonly unknown[]): unknown {
  if (fn === 'count') return values.length;
  const numbers = numbersOf(values);
  switch (fn) {
    case 'sum':
      return numbers.reduce((a, b) => a + b, 0);
    case 'average':
      return numbers.length === 0 ? null : numbers.reduce((a, b) => a + b, 0) / numbers.length;
    case 'min':
      return numbers.length === 0 ? null : Math.min(...numbers);
    case 'max':
      return numbers.length === 0 ? null : Math.max(...numbers);
  }
}

function arithmetic(operator: '+' | '-' | '*' | '/' | '%', a: unknown, b: unknown): unknown {
  if (operator === '+' && typeof a === 'string' && typeof b === 'string') return a + b;
  if (typeof a !== 'number' || typeof b !== 'number') return null;
  switch (operator) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return b === 0 ? null : a / b;
    case '%':
      return b === 0 ? null : a % b;
  }
}

function isMember(frame: Frame, segmentId: unknown): boolean {
  if (typeof segmentId !== 'string') return false;
  const { segments } = frame;
  if (typeof segments === 'function') return segments(segmentId);
  if (segments !== undefined) return segments.has(segmentId);
  const entry = getField(getField(getField(frame.profile, 'segmentMembership'), 'ups'), segmentId);
  const status = getField(entry, 'status');
  return typeof status === 'string' && MEMBER_STATUSES.has(status);
}

const STRING_TESTS: Readonly<
  Record<string, { test: (s: string, needle: string) => boolean; negated: boolean }>
> = {
  equals: { test: (s, n) => s === n, negated: false },
  notEqualTo: { test: (s, n) => s === n, negated: true },
  startsWith: { test: (s, n) => s.startsWith(n), negated: false },
  doesNotStartWith: { test: (s, n) => s.startsWith(n), negated: true },
  endsWith: { test: (s, n) => s.endsWith(n), negated: false },
  doesNotEndWith: { test: (s, n) => s.endsWith(n), negated: true },
  contains: { test: (s, n) => s.includes(n), negated: false },
  doesNotContain: { test: (s, n) => s.includes(n), negated: true },
};

class Compiler {
  slots = 0;
  maxDepth = 0;

  compileProgram(ast: PqlNode): Fn {
    const root: Scope = { depth: 0, vars: new Map() };
    if (ast.kind !== 'lambda') return this.compile(ast, root);
    // `(Profile) => body`: the head names the profile.
    const slot = this.slots++;
    const body = this.compile(ast.body, this.bind(root, ast.params[0]!, slot));
    return (f) => {
      f.vars[slot] = f.profile;
      return body(f);
    };
  }

  private bind(scope: Scope, name: string, slot: number): Scope {
    const vars = new Map(scope.vars);
    vars.set(name, slot);
    return { depth: scope.depth, vars };
  }

  private inner(scope: Scope): Scope {
    const depth = scope.depth + 1;
    this.maxDepth = Math.max(this.maxDepth, depth);
    return { depth, vars: scope.vars };
  }

  compile(node: PqlNode, scope: Scope): Fn {
    switch (node.kind) {
      case 'literal': {
        const value = node.value;
        return () => value;
      }
      case 'list': {
        const items = node.items.map((item) => this.compile(item, scope));
        if (node.items.every((item) => item.kind === 'literal')) {
          const constant = Object.freeze(
            node.items.map((item) => (item.kind === 'literal' ? item.value : null)),
          );
          return () => constant;
        }
        return (f) => items.map((item) => item(f));
      }
      case 'name':
      case 'member':
        return this.compilePath(node, scope);
      case 'profile':
        return (f) => f.profile;
      case 'events':
        return (f) => f.events;
      case 'up': {
        const depth = scope.depth - node.levels;
        return depth < 0 ? () => undefined : (f) => f.items[depth];
      }
      case 'index': {
        const object = this.compile(node.object, scope);
        const key = node.key;
        return (f) => {
          const value = object(f);
          if (typeof key === 'number') return Array.isArray(value) ? value[key] : undefined;
          return getField(value, key);
        };
      }
      case 'filter':
        return this.compileFilter(this.compile(node.object, scope), node.predicate, scope);
      case 'method':
        return this.compileMethod(node, scope);
      case 'call':
        return this.compileCall(node, scope);
      case 'unary': {
        const operand = this.compile(node.operand, scope);
        if (node.operator === 'not') return (f) => !isTruthy(operand(f));
        return (f) => {
          const value = operand(f);
          return typeof value === 'number' ? -value : null;
        };
      }
      case 'binary':
        return this.compileBinary(node, scope);
      case 'timeWord':
      case 'period':
        return this.compileTerm(node, scope);
      case 'occurs': {
        const subject = this.compile(node.subject, scope);
        const test = this.compileWindow(node.window, scope);
        return (f) => {
          const ms = toEpochMs(subject(f));
          return ms !== undefined && test(f, ms);
        };
      }
      case 'select':
      case 'exists':
      case 'forall':
        return this.compileQuantifier(node.kind, node.clauses, scope);
      case 'aggregate': {
        const { fn } = node;
        const collect = this.compileTuples(node.clauses, scope, node.value);
        return (f) => aggregate(fn, collect(f));
      }
      case 'let': {
        let bodyScope = scope;
        const bindings = node.bindings.map((binding) => {
          const value = this.compile(binding.value, bodyScope);
          const slot = this.slots++;
          bodyScope = this.bind(bodyScope, binding.name, slot);
          return { slot, value };
        });
        const body = this.compile(node.body, bodyScope);
        return (f) => {
          for (const { slot, value } of bindings) f.vars[slot] = value(f);
          return body(f);
        };
      }
      case 'lambda':
        throw PqlSyntaxError.at(node.loc, 'an expression', 'a lambda outside map() or the expression head');
      case 'chain':
        return this.compileChain(node, scope);
    }
  }

  /** `a.b.c` (and a bare name) as one closure walking a precomputed key list. */
  private compilePath(node: PqlNode, scope: Scope): Fn {
    const keys: string[] = [];
    let base = node;
    while (base.kind === 'member') {
      keys.unshift(base.property);
      base = base.object;
    }
    let start: Fn;
    if (base.kind === 'name') {
      const slot = scope.vars.get(base.name);
      if (slot !== undefined) {
        start = (f) => f.vars[slot];
      } else {
        const depth = scope.depth;
        keys.unshift(base.name);
        start = (f) => f.items[depth];
      }
    } else {
      start = this.compile(base, scope);
    }
    if (keys.length === 0) return start;
    if (keys.length === 1) {
      const [key] = keys as [string];
      return (f) => getField(start(f), key);
    }
    return (f) => {
      let value = start(f);
      for (const key of keys) {
        if (value === null || value === undefined) return undefined;
        value = getField(value, key);
      }
      return value;
    };
  }

  private compileFilter(object: Fn, predicateNode: PqlNode, scope: Scope): Fn {
    const itemScope = this.inner(scope);
    const depth = itemScope.depth;
    const predicate = this.compile(predicateNode, itemScope);
    return (f) => {
      const out: unknown[] = [];
      for (const item of toList(object(f))) {
        f.items[depth] = item;
        if (isTruthy(predicate(f))) out.push(item);
      }
      return out;
    };
  }

  /** An argument evaluated once per item, with that item as the current item. */
  private compilePerItem(node: PqlNode | undefined, scope: Scope): (f: Frame, item: unknown) => unknown {
    if (node === undefined) return (_f, item) => item;
    const itemScope = this.inner(scope);
    const depth = itemScope.depth;
    const fn = this.compile(node, itemScope);
    return (f, item) => {
      f.items[depth] = item;
      return fn(f);
    };
  }

  private compileBinary(node: BinaryNode, scope: Scope): Fn {
    const left = this.compile(node.left, scope);
    const right = this.compile(node.right, scope);
    const constant = node.right.kind === 'literal' ? node.right.value : undefined;
    switch (node.operator) {
      case 'and':
        return (f) => isTruthy(left(f)) && isTruthy(right(f));
      case 'or':
        return (f) => isTruthy(left(f)) || isTruthy(right(f));
      case '+':
      case '-':
      case '*':
      case '/':
      case '%': {
        const operator = node.operator;
        return (f) => arithmetic(operator, left(f), right(f));
      }
      case '=':
        if (constant !== undefined) return (f) => left(f) === constant;
        return (f) => {
          const a = left(f);
          const b = right(f);
          return a !== null && a !== undefined && b !== null && b !== undefined && deepEqual(a, b);
        };
      case '!=':
        if (constant !== undefined) {
          return (f) => {
            const a = left(f);
            return a !== null && a !== undefined && a !== constant;
          };
        }
        return (f) => {
          const a = left(f);
          const b = right(f);
          return a !== null && a !== undefined && b !== null && b !== undefined && !deepEqual(a, b);
        };
      case '<':
        return (f) => {
          const a = left(f);
          const b = right(f);
          return typeof a === 'number' && typeof b === 'number' && a < b;
        };
      case '<=':
        return (f) => {
          const a = left(f);
          const b = right(f);
          return typeof a === 'number' && typeof b === 'number' && a <= b;
        };
      case '>':
        return (f) => {
          const a = left(f);
          const b = right(f);
          return typeof a === 'number' && typeof b === 'number' && a > b;
        };
      case '>=':
        return (f) => {
          const a = left(f);
          const b = right(f);
          return typeof a === 'number' && typeof b === 'number' && a >= b;
        };
      case 'in':
      case 'notIn':
        return this.compileMembership(node, left, right);
      case 'like': {
        const fixed = typeof constant === 'string' ? likeRegex(constant) : undefined;
        return (f) => {
          const value = left(f);
          if (typeof value !== 'string') return false;
          const pattern = fixed ?? right(f);
          if (pattern instanceof RegExp) return pattern.test(value);
          return typeof pattern === 'string' && likeRegex(pattern).test(value);
        };
      }
      case 'matches':
        return this.compileRegexTest(left, right, constant);
    }
  }

  private compileMembership(node: BinaryNode, left: Fn, right: Fn): Fn {
    const negated = node.operator === 'notIn';
    const { right: listNode } = node;
    if (listNode.kind === 'list' && listNode.items.every((item) => item.kind === 'literal')) {
      const members = new Set(listNode.items.map((item) => (item.kind === 'literal' ? item.value : null)));
      return (f) => {
        const value = left(f);
        if (value === null || value === undefined) return false;
        return members.has(value as string) !== negated;
      };
    }
    return (f) => {
      const value = left(f);
      const list = right(f);
      if (value === null || value === undefined || !Array.isArray(list)) return false;
      return includesValue(list, value) !== negated;
    };
  }

  private compileRegexTest(target: Fn, patternFn: Fn, constant: unknown): Fn {
    const fixed = typeof constant === 'string' ? javaRegex(constant) : undefined;
    return (f) => {
      const value = target(f);
      if (typeof value !== 'string') return false;
      if (fixed !== undefined) return fixed !== null && fixed.test(value);
      const pattern = patternFn(f);
      const regex = typeof pattern === 'string' ? javaRegex(pattern) : null;
      return regex !== null && regex.test(value);
    };
  }

  // ---- methods and functions -----------------------------------------------------------------

  private compileMethod(node: MethodNode, scope: Scope): Fn {
    const target = this.compile(node.object, scope);
    const { name, args } = node;
    const arg = (i: number): Fn => this.compile(args[i]!, scope);
    switch (name) {
      case 'filter':
        return this.compileFilter(target, args[0]!, scope);
      case 'count': {
        if (args.length === 0) {
          return (f) => {
            const value = target(f);
            if (Array.isArray(value)) return value.length;
            if (value === null || value === undefined) return 0;
            return isObject(value) ? Object.keys(value).length : 1;
          };
        }
        const test = this.compilePerItem(args[0], scope);
        return (f) => toList(target(f)).filter((item) => isTruthy(test(f, item))).length;
      }
      case 'sum':
      case 'average':
      case 'min':
      case 'max': {
        const value = this.compilePerItem(args[0], scope);
        return (f) =>
          aggregate(
            name,
            toList(target(f)).map((item) => value(f, item)),
          );
      }
      case 'groupBy': {
        const key = this.compilePerItem(args[0], scope);
        return (f) => {
          const groups = newMap();
          for (const item of toList(target(f))) {
            const k = key(f, item);
            if (k === null || k === undefined) continue;
            const group = keyOf(k);
            ((groups[group] ??= []) as unknown[]).push(item);
          }
          return groups;
        };
      }
      case 'topN':
      case 'bottomN': {
        const value = this.compilePerItem(args[0], scope);
        const count = arg(1);
        const direction = name === 'topN' ? -1 : 1;
        return (f) => {
          const n = count(f);
          if (typeof n !== 'number') return null;
          const ranked = toList(target(f))
            .map((item) => ({ item, rank: value(f, item) }))
            .filter((r): r is { item: unknown; rank: number } => typeof r.rank === 'number');
          ranked.sort((a, b) => direction * (a.rank - b.rank));
          return ranked.slice(0, Math.max(0, n)).map((r) => r.item);
        };
      }
      case 'map':
        return this.compileMap(target, args[0]!, scope);
      case 'intersects':
      case 'intersection':
      case 'subsetOf':
      case 'supersetOf': {
        const other = arg(0);
        return (f) => {
          const a = toSet(target(f));
          const b = toSet(other(f));
          if (a === null || b === null) return name === 'intersection' ? null : false;
          switch (name) {
            case 'intersects':
              return a.some((item) => includesValue(b, item));
            case 'intersection':
              return distinct(a.filter((item) => includesValue(b, item)));
            case 'subsetOf':
              return a.every((item) => includesValue(b, item));
            case 'supersetOf':
              return b.every((item) => includesValue(a, item));
          }
        };
      }
      case 'includes': {
        const needle = arg(0);
        return (f) => {
          const list = toSet(target(f));
          const value = needle(f);
          return list !== null && value !== null && value !== undefined && includesValue(list, value);
        };
      }
      case 'distinct':
        return (f) => {
          const value = target(f);
          return Array.isArray(value) ? distinct(value) : value;
        };
      case 'head':
        return (f) => {
          const value = target(f);
          return Array.isArray(value) ? value[0] : value;
        };
      case 'get': {
        const key = arg(0);
        return (f) => {
          const value = target(f);
          const k = key(f);
          if (typeof k === 'number') return Array.isArray(value) ? value[k] : undefined;
          return typeof k === 'string' && isObject(value) ? getField(value, k) : undefined;
        };
      }
      case 'keys':
        return (f) => {
          const value = target(f);
          return isObject(value) ? Object.keys(value) : null;
        };
      case 'values':
        return (f) => {
          const value = target(f);
          return isObject(value) ? Object.values(value) : null;
        };
      case 'isNull':
        return (f) => {
          const value = target(f);
          return value === null || value === undefined;
        };
      case 'isNotNull':
        return (f) => {
          const value = target(f);
          return value !== null && value !== undefined;
        };
      case 'getMonth':
      case 'getYear':
      case 'getDayOfMonth': {
        const part =
          name === 'getMonth'
            ? (d: Date) => d.getUTCMonth() + 1
            : name === 'getYear'
              ? (d: Date) => d.getUTCFullYear()
              : (d: Date) => d.getUTCDate();
        return (f) => {
          const ms = toEpochMs(target(f));
          return ms === undefined ? null : part(new Date(ms));
        };
      }
      case 'matches': {
        const pattern = args[0]!;
        return this.compileRegexTest(target, arg(0), pattern.kind === 'literal' ? pattern.value : undefined);
      }
      case 'regexGroup': {
        const patternNode = args[0]!;
        const fixed =
          patternNode.kind === 'literal' && typeof patternNode.value === 'string'
            ? javaRegex(patternNode.value)
            : undefined;
        const pattern = arg(0);
        const group = arg(1);
        return (f) => {
          const value = target(f);
          if (typeof value !== 'string') return null;
          const p = fixed === undefined ? pattern(f) : undefined;
          const regex = fixed !== undefined ? fixed : typeof p === 'string' ? javaRegex(p) : null;
          const n = group(f);
          if (regex === null || typeof n !== 'number') return null;
          return regex.exec(value)?.[n] ?? null;
        };
      }
      default:
        return this.compileStringMethod(node, target, scope);
    }
  }

  private compileStringMethod(node: MethodNode, target: Fn, scope: Scope): Fn {
    const method = STRING_TESTS[node.name];
    if (method === undefined) throw PqlSyntaxError.at(node.loc, 'a known method', `'${node.name}'`);
    const { test, negated } = method;
    const needle = this.compile(node.args[0]!, scope);
    const caseNode = node.args[1];
    const caseSensitive: Fn = caseNode === undefined ? () => true : this.compile(caseNode, scope);
    return (f) => {
      const value = target(f);
      const n = needle(f);
      if (typeof value !== 'string' || typeof n !== 'string') return false;
      const exact = caseSensitive(f) !== false;
      const found = exact ? test(value, n) : test(value.toLowerCase(), n.toLowerCase());
      return found !== negated;
    };
  }

  private compileMap(target: Fn, lambdaNode: PqlNode, scope: Scope): Fn {
    if (lambdaNode.kind !== 'lambda') {
      throw PqlSyntaxError.at(
        lambdaNode.loc,
        'a lambda such as (K, G) => mapEntry(K, G.count())',
        'an expression',
      );
    }
    const lambda: LambdaNode = lambdaNode;
    const slots = lambda.params.map(() => this.slots++);
    let bodyScope = scope;
    lambda.params.forEach((param, i) => (bodyScope = this.bind(bodyScope, param, slots[i]!)));
    const body = this.compile(lambda.body, bodyScope);
    const [keySlot, valueSlot] = slots as [number, number | undefined];
    return (f) => {
      const value = target(f);
      if (Array.isArray(value)) {
        return value.map((item) => {
          f.vars[keySlot] = item;
          return body(f);
        });
      }
      if (!isObject(value)) return null;
      const out: PqlMap = newMap();
      for (const [key, group] of Object.entries(value)) {
        f.vars[keySlot] = key;
        if (valueSlot !== undefined) f.vars[valueSlot] = group;
        const result = body(f);
        if (result instanceof MapEntry) out[keyOf(result.key)] = result.value;
        else out[key] = result;
      }
      return out;
    };
  }

  private compileCall(node: CallNode, scope: Scope): Fn {
    const args = node.args.map((arg) => this.compile(arg, scope));
    switch (node.name) {
      case 'if': {
        const [test, then, otherwise] = args as [Fn, Fn, Fn];
        return (f) => (isTruthy(test(f)) ? then(f) : otherwise(f));
      }
      case 'inSegment': {
        const [id] = args as [Fn];
        return (f) => isMember(f, id(f));
      }
      case 'date': {
        const [year, month, day] = args as [Fn, Fn, Fn];
        const make = (f: Frame): TimeSpan | undefined => {
          const y = year(f);
          const m = month(f);
          const d = day(f);
          return typeof y === 'number' && typeof m === 'number' && typeof d === 'number'
            ? utcDay(y, m, d)
            : undefined;
        };
        if (node.args.every((arg) => arg.kind === 'literal')) {
          const constant = make(undefined as unknown as Frame);
          return () => constant;
        }
        return make;
      }
      case 'currentMonth':
        return (f) => new Date(f.now).getUTCMonth() + 1;
      case 'currentYear':
        return (f) => new Date(f.now).getUTCFullYear();
      case 'currentDayOfMonth':
        return (f) => new Date(f.now).getUTCDate();
      case 'mapEntry': {
        const [key, value] = args as [Fn, Fn];
        return (f) => new MapEntry(key(f), value(f));
      }
      default:
        throw PqlSyntaxError.at(node.loc, 'a known function', `'${node.name}'`);
    }
  }

  // ---- time ----------------------------------------------------------------------------------

  private compileTerm(node: PqlNode, scope: Scope): TermFn {
    if (node.kind === 'timeWord') {
      switch (node.word) {
        case 'now':
          return (f) => TimeSpan.at(f.now);
        case 'today':
          return (f) => TimeSpan.period(startOf(f.now, 'day'), 'day');
        case 'yesterday':
          return (f) => TimeSpan.period(startOf(f.now, 'day') - DAY_MS, 'day');
        case 'tomorrow':
          return (f) => TimeSpan.period(startOf(f.now, 'day') + DAY_MS, 'day');
      }
    }
    if (node.kind === 'period') {
      const { unit } = node;
      const offset = node.relation === 'last' ? -1 : node.relation === 'next' ? 1 : 0;
      return (f) => TimeSpan.period(shift(startOf(f.now, unit), offset, unit), unit);
    }
    const fn = this.compile(node, scope);
    return (f) => {
      const value = fn(f);
      if (value instanceof TimeSpan) return value;
      const ms = toEpochMs(value);
      return ms === undefined ? undefined : TimeSpan.at(ms);
    };
  }

  private compileWindow(window: TimeWindow, scope: Scope): WindowTest {
    switch (window.type) {
      case 'on': {
        const term = this.compileTerm(window.term, scope);
        return (f, ms) => term(f)?.contains(ms) ?? false;
      }
      case 'before': {
        const term = this.compileTerm(window.term, scope);
        return (f, ms) => {
          const t = term(f);
          return t !== undefined && ms < t.start;
        };
      }
      case 'after': {
        const term = this.compileTerm(window.term, scope);
        return (f, ms) => {
          const t = term(f);
          return t !== undefined && ms > t.last;
        };
      }
      case 'between': {
        const from = this.compileTerm(window.from, scope);
        const to = this.compileTerm(window.to, scope);
        return (f, ms) => {
          const a = from(f);
          const b = to(f);
          return a !== undefined && b !== undefined && ms >= a.start && ms <= b.last;
        };
      }
      case 'relative': {
        const amount = this.compile(window.amount, scope);
        const anchor = this.compileTerm(window.anchor, scope);
        const { unit, comparator } = window;
        if (window.direction === 'before') {
          return (f, ms) => {
            const n = amount(f);
            const t = anchor(f);
            if (typeof n !== 'number' || t === undefined) return false;
            const end = t.start;
            const start = shift(end, -n, unit);
            switch (comparator) {
              case '<=':
                return start <= ms && ms < end;
              case '<':
                return start < ms && ms < end;
              case '>':
                return ms < start;
              case '>=':
                return ms <= start;
              case '=':
                return start <= ms && ms < shift(start, 1, unit);
            }
          };
        }
        return (f, ms) => {
          const n = amount(f);
          const t = anchor(f);
          if (typeof n !== 'number' || t === undefined) return false;
          const start = t.last;
          const end = shift(start, n, unit);
          switch (comparator) {
            case '<=':
              return start < ms && ms <= end;
            case '<':
              return start < ms && ms < end;
            case '>':
              return ms > end;
            case '>=':
              return ms >= end;
            case '=':
              return shift(end, -1, unit) < ms && ms <= end;
          }
        };
      }
    }
  }

  // ---- binding forms -------------------------------------------------------------------------

  /** Compiles clauses left to right: each clause sees the variables declared to its left. */
  private compileClauses(
    clauses: readonly BindingClause[],
    scope: Scope,
  ): { steps: { slot: number; source: Fn; where: Fn | null }[]; scope: Scope } {
    let current = scope;
    const steps = clauses.map((clause) => {
      const source = this.compile(clause.source, current);
      const slot = this.slots++;
      current = this.bind(current, clause.variable, slot);
      const where = clause.where ? this.compile(clause.where, current) : null;
      return { slot, source, where };
    });
    return { steps, scope: current };
  }

  /** All tuples satisfying the clauses; for each one `emit` yields the value collected. */
  private compileTuples(
    clauses: readonly BindingClause[],
    scope: Scope,
    valueNode?: PqlNode,
  ): (f: Frame) => unknown[] {
    const { steps, scope: inner } = this.compileClauses(clauses, scope);
    const value = valueNode ? this.compile(valueNode, inner) : undefined;
    const slots = steps.map((s) => s.slot);
    const emit: Fn =
      value ?? (slots.length === 1 ? (f) => f.vars[slots[0]!] : (f) => slots.map((slot) => f.vars[slot]));
    return (f) => {
      const out: unknown[] = [];
      const visit = (i: number): void => {
        if (i === steps.length) {
          out.push(emit(f));
          return;
        }
        const step = steps[i]!;
        for (const item of toList(step.source(f))) {
          f.vars[step.slot] = item;
          if (step.where === null || isTruthy(step.where(f))) visit(i + 1);
        }
      };
      visit(0);
      return out;
    };
  }

  private compileQuantifier(
    kind: 'select' | 'exists' | 'forall',
    clauses: readonly BindingClause[],
    scope: Scope,
  ): Fn {
    if (kind === 'select') return this.compileTuples(clauses, scope);
    const { steps } = this.compileClauses(clauses, scope);
    if (kind === 'exists') {
      const search = (f: Frame, i: number): boolean => {
        if (i === steps.length) return true;
        const step = steps[i]!;
        for (const item of toList(step.source(f))) {
          f.vars[step.slot] = item;
          if ((step.where === null || isTruthy(step.where(f))) && search(f, i + 1)) return true;
        }
        return false;
      };
      return (f) => search(f, 0);
    }
    const every = (f: Frame, i: number): boolean => {
      if (i === steps.length) return true;
      const step = steps[i]!;
      for (const item of toList(step.source(f))) {
        f.vars[step.slot] = item;
        if (step.where !== null && !isTruthy(step.where(f))) return false;
        if (!every(f, i + 1)) return false;
      }
      return true;
    };
    return (f) => every(f, 0);
  }

  /** Greedy earliest match per step is enough: a later choice can only shrink what remains for the next steps. */
  private compileChain(node: ChainNode, scope: Scope): Fn {
    const source = this.compile(node.source, scope);
    const itemScope = this.inner(scope);
    const depth = itemScope.depth;
    const path = node.timestampPath;
    const steps = node.steps.map((step) => ({
      what: this.compile(step.what, itemScope),
      when: step.when ? this.compileWindow(step.when, itemScope) : null,
    }));
    const timestampOf = (event: unknown): number | undefined => {
      let value = event;
      for (const key of path) value = getField(value, key);
      return toEpochMs(value);
    };
    return (f) => {
      const events = toList(source(f));
      let previous = -Infinity;
      for (const step of steps) {
        let best = Infinity;
        for (const event of events) {
          const ms = timestampOf(event);
          if (ms === undefined || ms <= previous || ms >= best) continue;
          f.items[depth] = event;
          if (!isTruthy(step.what(f))) continue;
          if (step.when !== null && !step.when(f, ms)) continue;
          best = ms;
        }
        if (best === Infinity) return false;
        previous = best;
      }
      return true;
    };
  }
}

function distinct(values: readonly unknown[]): unknown[] {
  const seen = new Set<string>();
  const out: unknown[] = [];
  for (const value of values) {
    const key =
      typeof value === 'object' && value !== null
        ? `o:${JSON.stringify(value)}`
        : `${typeof value}:${String(value)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(value);
  }
  return out;
}
