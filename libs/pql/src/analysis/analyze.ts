import { type BindingClause, childrenOf, type PqlNode, walk, windowTerms } from '../syntax/ast';
import { PER_ITEM_METHODS } from '../syntax/functions';
import { parse } from '../syntax/parser';

/** What the segmentation service needs to know about an expression besides its value. */
export interface PqlAnalysis {
  /** The value depends on `now` (time words, relative windows, `currentYear()` ...): a scheduled sweep must re-evaluate it. */
  readonly timeBound: boolean;
  /** Audience ids referenced through `inSegment("...")`, in order of first appearance (for dependency order and cycles). */
  readonly segments: readonly string[];
  /** Some `inSegment` argument is not a string literal, so `segments` may be incomplete. */
  readonly dynamicSegmentReference: boolean;
  /** The expression reads the profile's experience events. */
  readonly usesEvents: boolean;
  /** Profile paths read (dotted, most specific only), e.g. `homeAddress.countryISO`. */
  readonly profilePaths: readonly string[];
  /** Event paths read (dotted, relative to one event), e.g. `eventType`, `productListItems.SKU`. */
  readonly eventPaths: readonly string[];
}

const TIME_FUNCTIONS = new Set(['currentMonth', 'currentYear', 'currentDayOfMonth']);

/** Where a value comes from: a path inside the profile or inside one event. */
interface Origin {
  readonly root: 'profile' | 'event';
  readonly path: readonly string[];
}

interface Env {
  /** Origins of the current items, index = filter depth; index 0 is the profile. */
  readonly items: readonly (Origin | null)[];
  readonly vars: ReadonlyMap<string, Origin | null>;
}

export function analyze(input: string | PqlNode): PqlAnalysis {
  const ast = typeof input === 'string' ? parse(input) : input;
  let timeBound = false;
  let usesEvents = false;
  let dynamicSegmentReference = false;
  const segments = new Set<string>();
  walk(ast, (node) => {
    if (node.kind === 'timeWord' || node.kind === 'period') timeBound = true;
    if (node.kind === 'call' && TIME_FUNCTIONS.has(node.name)) timeBound = true;
    if (node.kind === 'events') usesEvents = true;
    if (node.kind === 'call' && node.name === 'inSegment') {
      const [id] = node.args;
      if (id?.kind === 'literal' && typeof id.value === 'string') segments.add(id.value);
      else dynamicSegmentReference = true;
    }
  });
  const paths = new PathCollector();
  paths.program(ast);
  return {
    timeBound,
    segments: [...segments],
    dynamicSegmentReference,
    usesEvents,
    profilePaths: paths.leaves('profile'),
    eventPaths: paths.leaves('event'),
  };
}

/** Follows names through filters, bindings and lambdas to the profile or event field they read. */
class PathCollector {
  private readonly seen = { profile: new Set<string>(), event: new Set<string>() };

  program(ast: PqlNode): void {
    const profile: Origin = { root: 'profile', path: [] };
    if (ast.kind === 'lambda') {
      this.visit(ast.body, { items: [profile], vars: new Map([[ast.params[0]!, profile]]) });
    } else {
      this.visit(ast, { items: [profile], vars: new Map() });
    }
  }

  leaves(root: 'profile' | 'event'): string[] {
    const all = [...this.seen[root]].sort();
    return all.filter((path) => !all.some((other) => other.startsWith(`${path}.`)));
  }

  private record(origin: Origin | null): Origin | null {
    if (origin && origin.path.length > 0) this.seen[origin.root].add(origin.path.join('.'));
    return origin;
  }

  private field(origin: Origin | null, key: string): Origin | null {
    return origin ? { root: origin.root, path: [...origin.path, key] } : null;
  }

  private withItem(env: Env, item: Origin | null): Env {
    return { items: [...env.items, item], vars: env.vars };
  }

  private withVar(env: Env, name: string, origin: Origin | null): Env {
    const vars = new Map(env.vars);
    vars.set(name, origin);
    return { items: env.items, vars };
  }

  private clauses(clauses: readonly BindingClause[], env: Env): Env {
    let current = env;
    for (const clause of clauses) {
      const source = this.visit(clause.source, current);
      current = this.withVar(current, clause.variable, source);
      if (clause.where) this.visit(clause.where, current);
    }
    return current;
  }

  /** Visits a node and returns the origin of its value, when it is a field of the profile or an event. */
  private visit(node: PqlNode, env: Env): Origin | null {
    switch (node.kind) {
      case 'name':
        if (env.vars.has(node.name)) return env.vars.get(node.name) ?? null;
        return this.record(this.field(env.items.at(-1) ?? null, node.name));
      case 'member':
        return this.record(this.field(this.visit(node.object, env), node.property));
      case 'index': {
        const object = this.visit(node.object, env);
        return typeof node.key === 'string' ? this.record(this.field(object, node.key)) : object;
      }
      case 'profile':
        return { root: 'profile', path: [] };
      case 'events':
        return { root: 'event', path: [] };
      case 'up':
        return env.items[env.items.length - 1 - node.levels] ?? null;
      case 'filter': {
        const object = this.visit(node.object, env);
        this.visit(node.predicate, this.withItem(env, object));
        return object;
      }
      case 'method': {
        const object = this.visit(node.object, env);
        node.args.forEach((arg, i) => {
          const perItem = i === 0 && PER_ITEM_METHODS.has(node.name);
          this.visit(arg, perItem ? this.withItem(env, object) : env);
        });
        switch (node.name) {
          case 'filter':
          case 'distinct':
          case 'head':
          case 'topN':
          case 'bottomN':
            return object;
          case 'get': {
            const [key] = node.args;
            return key?.kind === 'literal' && typeof key.value === 'string'
              ? this.record(this.field(object, key.value))
              : null;
          }
          default:
            return null;
        }
      }
      case 'select':
      case 'exists':
      case 'forall': {
        const inner = this.clauses(node.clauses, env);
        return node.kind === 'select' && node.clauses.length === 1
          ? (inner.vars.get(node.clauses[0]!.variable) ?? null)
          : null;
      }
      case 'aggregate':
        this.visit(node.value, this.clauses(node.clauses, env));
        return null;
      case 'let': {
        let current = env;
        for (const binding of node.bindings) {
          current = this.withVar(current, binding.name, this.visit(binding.value, current));
        }
        this.visit(node.body, current);
        return null;
      }
      case 'lambda': {
        let current = env;
        for (const param of node.params) current = this.withVar(current, param, null);
        this.visit(node.body, current);
        return null;
      }
      case 'chain': {
        const source = this.visit(node.source, env);
        const itemEnv = this.withItem(env, source);
        let timestamp = source;
        for (const key of node.timestampPath) timestamp = this.field(timestamp, key);
        this.record(timestamp);
        for (const step of node.steps) {
          this.visit(step.what, itemEnv);
          if (step.when) for (const term of windowTerms(step.when)) this.visit(term, itemEnv);
        }
        return null;
      }
      case 'literal':
      case 'list':
      case 'call':
      case 'unary':
      case 'binary':
      case 'timeWord':
      case 'period':
      case 'occurs':
        for (const child of childrenOf(node)) this.visit(child, env);
        return null;
    }
  }
}
