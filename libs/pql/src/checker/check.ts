import type { BindingClause, MethodNode, PqlLocation, PqlNode, TimeWindow } from '../syntax/ast';
import { windowTerms } from '../syntax/ast';
import { parse } from '../syntax/parser';
import { javaRegex } from '../evaluator/patterns';

/** Type of a field in a {@link PqlSchema}. `object[]` items have their fields listed under the array's path. */
export type PqlFieldType =
  | 'string'
  | 'number'
  | 'integer'
  | 'boolean'
  | 'timestamp'
  | 'date'
  | 'object'
  | 'map'
  | 'string[]'
  | 'number[]'
  | 'integer[]'
  | 'boolean[]'
  | 'timestamp[]'
  | 'object[]';

/**
 * The fields an expression may read, as dotted XDM paths. Parent objects need not be listed:
 * `person.name.firstName` makes `person` and `person.name` known objects. Fields of `object[]` items are
 * listed under the array's path (`productListItems.SKU`). A `map` (such as `identityMap`) accepts any key.
 */
export interface PqlSchema {
  readonly profile: Readonly<Record<string, PqlFieldType>>;
  /** Fields of one experience event (`eventType`, `timestamp`, `commerce.order.priceTotal` ...). */
  readonly event?: Readonly<Record<string, PqlFieldType>>;
}

export type PqlCheckIssueCode = 'unknown-path' | 'type-mismatch' | 'invalid-pattern';

export interface PqlCheckIssue {
  readonly code: PqlCheckIssueCode;
  /** Readable, positioned: `line 1, column 1: unknown profile path 'person.nmae'`. */
  readonly message: string;
  /** The dotted path involved, when there is one. */
  readonly path?: string;
  readonly line: number;
  readonly column: number;
}

type Primitive = 'string' | 'number' | 'boolean' | 'timestamp' | 'time' | 'unknown';

type Type =
  | { readonly k: Primitive }
  | { readonly k: 'record'; readonly table: Table; readonly prefix: string }
  | { readonly k: 'map' }
  | { readonly k: 'array'; readonly of: Type };

const UNKNOWN: Type = { k: 'unknown' };
const STRING: Type = { k: 'string' };
const NUMBER: Type = { k: 'number' };
const BOOLEAN: Type = { k: 'boolean' };
const TIME: Type = { k: 'time' };

class Table {
  private readonly prefixes = new Set<string>();

  constructor(
    readonly root: 'profile' | 'event',
    private readonly types: Readonly<Record<string, PqlFieldType>>,
  ) {
    for (const path of Object.keys(types)) {
      const parts = path.split('.');
      for (let i = 1; i < parts.length; i++) this.prefixes.add(parts.slice(0, i).join('.'));
    }
  }

  field(path: string): PqlFieldType | 'object' | undefined {
    return this.types[path] ?? (this.prefixes.has(path) ? 'object' : undefined);
  }
}

interface Env {
  readonly items: readonly Type[];
  readonly vars: ReadonlyMap<string, Type>;
}

const STRING_METHODS = new Set([
  'equals',
  'notEqualTo',
  'startsWith',
  'doesNotStartWith',
  'endsWith',
  'doesNotEndWith',
  'contains',
  'doesNotContain',
]);

/**
 * Checks an expression against the schema of the data it will read: unknown paths and operands of the wrong type.
 * Returns every issue found (none when the expression is sound). Throws {@link PqlSyntaxError} for unreadable text.
 */
export function check(input: string | PqlNode, schema: PqlSchema): PqlCheckIssue[] {
  const ast = typeof input === 'string' ? parse(input) : input;
  return new Checker(schema).run(ast);
}

function describe(type: Type): string {
  switch (type.k) {
    case 'record':
      return 'an object';
    case 'map':
      return 'a map';
    case 'array':
      return 'an array';
    case 'time':
      return 'a time period';
    case 'unknown':
      return 'unknown';
    default:
      return `a ${type.k}`;
  }
}

/** The source-like text of a path expression (`person.name`), for messages. */
function pathText(node: PqlNode): string | undefined {
  switch (node.kind) {
    case 'name':
      return node.name;
    case 'profile':
      return '$1';
    case 'events':
      return 'xEvent';
    case 'member': {
      const base = pathText(node.object);
      return base === undefined ? undefined : `${base}.${node.property}`;
    }
    default:
      return undefined;
  }
}

function isNumeric(type: Type): boolean {
  return type.k === 'number' || type.k === 'unknown';
}

function compatible(a: Type, b: Type): boolean {
  if (a.k === 'unknown' || b.k === 'unknown') return true;
  const timeLike = (t: Type) => t.k === 'timestamp' || t.k === 'time' || t.k === 'string' || t.k === 'number';
  if ((a.k === 'timestamp' || a.k === 'time') && timeLike(b)) return true;
  if ((b.k === 'timestamp' || b.k === 'time') && timeLike(a)) return true;
  if (a.k === 'record' || a.k === 'map') return b.k === 'record' || b.k === 'map';
  if (a.k === 'array' && b.k === 'array') return compatible(a.of, b.of);
  return a.k === b.k;
}

function elementOf(type: Type): Type {
  return type.k === 'array' ? type.of : type;
}

class Checker {
  private readonly issues: PqlCheckIssue[] = [];
  private readonly profile: Table;
  private readonly event: Table | undefined;

  constructor(schema: PqlSchema) {
    this.profile = new Table('profile', schema.profile);
    this.event = schema.event ? new Table('event', schema.event) : undefined;
  }

  run(ast: PqlNode): PqlCheckIssue[] {
    const profile: Type = { k: 'record', table: this.profile, prefix: '' };
    const vars = new Map<string, Type>();
    if (ast.kind === 'lambda') {
      vars.set(ast.params[0]!, profile);
      this.infer(ast.body, { items: [profile], vars });
    } else {
      this.infer(ast, { items: [profile], vars });
    }
    return this.issues;
  }

  private report(code: PqlCheckIssueCode, loc: PqlLocation, text: string, path?: string): void {
    this.issues.push({
      code,
      message: `line ${loc.line}, column ${loc.column}: ${text}`,
      ...(path === undefined ? {} : { path }),
      line: loc.line,
      column: loc.column,
    });
  }

  /** Reports a type mismatch unless `ok`; names the operand by its path when it has one. */
  private expect(ok: boolean, operand: PqlNode, type: Type, wanted: string, context: string): void {
    if (ok) return;
    const path = pathText(operand);
    const subject = path === undefined ? 'the operand' : `'${path}'`;
    this.report(
      'type-mismatch',
      operand.loc,
      `${context} expects ${wanted} but ${subject} is ${describe(type)}`,
      path,
    );
  }

  private fromField(table: Table, path: string, type: PqlFieldType): Type {
    switch (type) {
      case 'string':
        return STRING;
      case 'number':
      case 'integer':
        return NUMBER;
      case 'boolean':
        return BOOLEAN;
      case 'timestamp':
      case 'date':
        return { k: 'timestamp' };
      case 'object':
        return { k: 'record', table, prefix: path };
      case 'map':
        return { k: 'map' };
      case 'object[]':
        return { k: 'array', of: { k: 'record', table, prefix: path } };
      case 'string[]':
      case 'number[]':
      case 'integer[]':
      case 'boolean[]':
      case 'timestamp[]':
        return { k: 'array', of: this.fromField(table, path, type.slice(0, -2) as PqlFieldType) };
    }
  }

  private field(type: Type, key: string, node: PqlNode): Type {
    switch (type.k) {
      case 'record': {
        const path = type.prefix ? `${type.prefix}.${key}` : key;
        const fieldType = type.table.field(path);
        if (fieldType === undefined) {
          this.report('unknown-path', node.loc, `unknown ${type.table.root} path '${path}'`, path);
          return UNKNOWN;
        }
        return this.fromField(type.table, path, fieldType);
      }
      case 'array': {
        const inner = this.field(type.of, key, node);
        return inner.k === 'unknown' ? UNKNOWN : { k: 'array', of: elementOf(inner) };
      }
      case 'map':
      case 'unknown':
        return UNKNOWN;
      default:
        this.report(
          'type-mismatch',
          node.loc,
          `cannot read field '${key}' of ${describe(type)}`,
          pathText(node),
        );
        return UNKNOWN;
    }
  }

  private withItem(env: Env, item: Type): Env {
    return { items: [...env.items, item], vars: env.vars };
  }

  private withVar(env: Env, name: string, type: Type): Env {
    const vars = new Map(env.vars);
    vars.set(name, type);
    return { items: env.items, vars };
  }

  private clauses(clauses: readonly BindingClause[], env: Env): { env: Env; first: Type } {
    let current = env;
    let first: Type = UNKNOWN;
    clauses.forEach((clause, i) => {
      const item = elementOf(this.infer(clause.source, current));
      if (i === 0) first = item;
      current = this.withVar(current, clause.variable, item);
      if (clause.where) this.infer(clause.where, current);
    });
    return { env: current, first };
  }

  private window(window: TimeWindow, env: Env): void {
    if (window.type === 'relative') {
      const amount = this.infer(window.amount, env);
      this.expect(isNumeric(amount), window.amount, amount, 'a number', 'a time window');
      this.infer(window.anchor, env);
      return;
    }
    for (const term of windowTerms(window)) this.infer(term, env);
  }

  private checkPattern(node: PqlNode): void {
    if (node.kind === 'literal' && typeof node.value === 'string' && javaRegex(node.value) === null) {
      this.report('invalid-pattern', node.loc, `invalid regular expression ${JSON.stringify(node.value)}`);
    }
  }

  private infer(node: PqlNode, env: Env): Type {
    switch (node.kind) {
      case 'literal':
        return typeof node.value === 'string' ? STRING : typeof node.value === 'number' ? NUMBER : BOOLEAN;
      case 'list': {
        const items = node.items.map((item) => this.infer(item, env));
        const [first] = items;
        return { k: 'array', of: first && items.every((t) => t.k === first.k) ? first : UNKNOWN };
      }
      case 'name': {
        const bound = env.vars.get(node.name);
        return bound ?? this.field(env.items.at(-1) ?? UNKNOWN, node.name, node);
      }
      case 'member':
        return this.field(this.infer(node.object, env), node.property, node);
      case 'profile':
        return { k: 'record', table: this.profile, prefix: '' };
      case 'events':
        return { k: 'array', of: this.event ? { k: 'record', table: this.event, prefix: '' } : UNKNOWN };
      case 'up':
        return env.items[env.items.length - 1 - node.levels] ?? UNKNOWN;
      case 'index': {
        const object = this.infer(node.object, env);
        if (typeof node.key === 'number') return object.k === 'array' ? object.of : UNKNOWN;
        return this.field(object, node.key, node);
      }
      case 'filter': {
        const object = this.infer(node.object, env);
        this.infer(node.predicate, this.withItem(env, elementOf(object)));
        return object.k === 'array' ? object : { k: 'array', of: object };
      }
      case 'method':
        return this.method(node, env);
      case 'call':
        return this.call(node, env);
      case 'unary': {
        const operand = this.infer(node.operand, env);
        if (node.operator === 'not') return BOOLEAN;
        this.expect(isNumeric(operand), node.operand, operand, 'a number', "unary '-'");
        return NUMBER;
      }
      case 'binary':
        return this.binary(node, env);
      case 'timeWord':
      case 'period':
        return TIME;
      case 'occurs': {
        const subject = this.infer(node.subject, env);
        const ok = ['timestamp', 'number', 'unknown', 'time'].includes(subject.k);
        this.expect(ok, node.subject, subject, 'a timestamp', "'occurs'");
        this.window(node.window, env);
        return BOOLEAN;
      }
      case 'select': {
        const { first } = this.clauses(node.clauses, env);
        return { k: 'array', of: node.clauses.length === 1 ? first : UNKNOWN };
      }
      case 'exists':
      case 'forall':
        this.clauses(node.clauses, env);
        return BOOLEAN;
      case 'aggregate': {
        const { env: inner } = this.clauses(node.clauses, env);
        const value = this.infer(node.value, inner);
        if (node.fn !== 'count')
          this.expect(isNumeric(value), node.value, value, 'a number', `'${node.fn} ... over'`);
        return NUMBER;
      }
      case 'let': {
        let current = env;
        for (const binding of node.bindings) {
          current = this.withVar(current, binding.name, this.infer(binding.value, current));
        }
        return this.infer(node.body, current);
      }
      case 'lambda': {
        let current = env;
        for (const param of node.params) current = this.withVar(current, param, UNKNOWN);
        this.infer(node.body, current);
        return UNKNOWN;
      }
      case 'chain': {
        const item = elementOf(this.infer(node.source, env));
        let timestamp = item;
        for (const key of node.timestampPath) timestamp = this.field(timestamp, key, node);
        const itemEnv = this.withItem(env, item);
        for (const step of node.steps) {
          this.infer(step.what, itemEnv);
          if (step.when) this.window(step.when, itemEnv);
        }
        return BOOLEAN;
      }
    }
  }

  private binary(node: PqlNode & { kind: 'binary' }, env: Env): Type {
    const left = this.infer(node.left, env);
    const right = this.infer(node.right, env);
    const operator = node.operator;
    switch (operator) {
      case 'and':
      case 'or':
        return BOOLEAN;
      case '+':
        if (left.k === 'string' && right.k === 'string') return STRING;
        this.expect(isNumeric(left), node.left, left, 'numbers', "'+'");
        this.expect(isNumeric(right), node.right, right, 'numbers', "'+'");
        return NUMBER;
      case '-':
      case '*':
      case '/':
      case '%':
      case '<':
      case '<=':
      case '>':
      case '>=':
        this.expect(isNumeric(left), node.left, left, 'numbers', `'${operator}'`);
        this.expect(isNumeric(right), node.right, right, 'numbers', `'${operator}'`);
        return operator.length === 1 && '-*/%'.includes(operator) ? NUMBER : BOOLEAN;
      case '=':
      case '!=':
        if (!compatible(left, right)) {
          const operand = (side: PqlNode, type: Type) => {
            const path = pathText(side);
            return path === undefined ? describe(type) : `'${path}' (${describe(type)})`;
          };
          const text = `'${operator}' compares ${operand(node.left, left)} with ${operand(node.right, right)}`;
          this.report('type-mismatch', node.loc, text, pathText(node.left) ?? pathText(node.right));
        }
        return BOOLEAN;
      case 'in':
      case 'notIn': {
        const listOk = right.k === 'array' || right.k === 'unknown';
        this.expect(listOk, node.right, right, 'a list', `'${operator}'`);
        if (right.k === 'array') {
          this.expect(
            compatible(left, right.of),
            node.left,
            left,
            describe(right.of),
            `'${operator}' on this list`,
          );
        }
        return BOOLEAN;
      }
      case 'like':
      case 'matches':
        this.expect(
          left.k === 'string' || left.k === 'unknown',
          node.left,
          left,
          'a string',
          `'${operator}'`,
        );
        this.expect(
          right.k === 'string' || right.k === 'unknown',
          node.right,
          right,
          'a string pattern',
          `'${operator}'`,
        );
        if (operator === 'matches') this.checkPattern(node.right);
        return BOOLEAN;
    }
  }

  private call(node: PqlNode & { kind: 'call' }, env: Env): Type {
    const args = node.args.map((arg) => this.infer(arg, env));
    switch (node.name) {
      case 'if':
        return args[1] && args[2] && args[1].k === args[2].k ? args[1] : UNKNOWN;
      case 'inSegment':
        this.expect(args[0]?.k === 'string', node.args[0]!, args[0]!, 'a string audience id', "'inSegment'");
        return BOOLEAN;
      case 'date':
        node.args.forEach((arg, i) => this.expect(isNumeric(args[i]!), arg, args[i]!, 'a number', "'date'"));
        return TIME;
      case 'currentMonth':
      case 'currentYear':
      case 'currentDayOfMonth':
        return NUMBER;
      default:
        return UNKNOWN;
    }
  }

  private method(node: MethodNode, env: Env): Type {
    const target = this.infer(node.object, env);
    const item = elementOf(target);
    const perItem = (i: number): Type => this.infer(node.args[i]!, this.withItem(env, item));
    const plain = (i: number): Type => this.infer(node.args[i]!, env);
    const name = node.name;
    const isList = target.k === 'array' || target.k === 'unknown';
    const needList = () => this.expect(isList, node.object, target, 'an array', `'${name}()'`);
    switch (name) {
      case 'filter':
        perItem(0);
        return target.k === 'array' ? target : { k: 'array', of: target };
      case 'count':
        if (node.args.length > 0) perItem(0);
        return NUMBER;
      case 'sum':
      case 'average':
      case 'min':
      case 'max': {
        const value = node.args.length > 0 ? perItem(0) : item;
        this.expect(isNumeric(value), node.args[0] ?? node.object, value, 'numbers', `'${name}()'`);
        return NUMBER;
      }
      case 'groupBy':
        perItem(0);
        return { k: 'map' };
      case 'topN':
      case 'bottomN': {
        const rank = perItem(0);
        this.expect(isNumeric(rank), node.args[0]!, rank, 'a number', `'${name}()'`);
        plain(1);
        return target;
      }
      case 'map':
        plain(0);
        return target.k === 'array' ? { k: 'array', of: UNKNOWN } : { k: 'map' };
      case 'intersects':
      case 'subsetOf':
      case 'supersetOf':
      case 'includes': {
        needList();
        const other = plain(0);
        const expected = name === 'includes' ? item : target;
        this.expect(compatible(expected, other), node.args[0]!, other, describe(expected), `'${name}()'`);
        return BOOLEAN;
      }
      case 'intersection':
        needList();
        plain(0);
        return target;
      case 'distinct':
        needList();
        return target;
      case 'head':
        return item;
      case 'get': {
        const key = node.args[0]!;
        plain(0);
        return key.kind === 'literal' && typeof key.value === 'string'
          ? this.field(target, key.value, node)
          : UNKNOWN;
      }
      case 'keys':
        return { k: 'array', of: STRING };
      case 'values':
        return { k: 'array', of: UNKNOWN };
      case 'isNull':
      case 'isNotNull':
        return BOOLEAN;
      case 'getMonth':
      case 'getYear':
      case 'getDayOfMonth': {
        const ok = ['timestamp', 'number', 'unknown', 'string'].includes(target.k);
        this.expect(ok, node.object, target, 'a timestamp', `'${name}()'`);
        return NUMBER;
      }
      case 'matches':
      case 'regexGroup':
        this.expect(
          target.k === 'string' || target.k === 'unknown',
          node.object,
          target,
          'a string',
          `'${name}()'`,
        );
        node.args.forEach((_, i) => plain(i));
        this.checkPattern(node.args[0]!);
        return name === 'matches' ? BOOLEAN : STRING;
      default: {
        if (STRING_METHODS.has(name)) {
          this.expect(
            target.k === 'string' || target.k === 'unknown',
            node.object,
            target,
            'a string',
            `'${name}()'`,
          );
          const needle = plain(0);
          this.expect(
            needle.k === 'string' || needle.k === 'unknown',
            node.args[0]!,
            needle,
            'a string',
            `'${name}()'`,
          );
          if (node.args.length > 1) plain(1);
          return BOOLEAN;
        }
        node.args.forEach((_, i) => plain(i));
        return UNKNOWN;
      }
    }
  }
}
