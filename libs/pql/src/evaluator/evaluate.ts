import type { PqlNode } from '../syntax/ast';
import { compile, type PqlContext, type PqlEvaluator } from './compile';

const CACHE_LIMIT = 500;
const byAst = new WeakMap<PqlNode, PqlEvaluator>();
const byText = new Map<string, PqlEvaluator>();

function evaluatorFor(input: string | PqlNode): PqlEvaluator {
  if (typeof input !== 'string') {
    let evaluator = byAst.get(input);
    if (evaluator === undefined) {
      evaluator = compile(input);
      byAst.set(input, evaluator);
    }
    return evaluator;
  }
  let evaluator = byText.get(input);
  if (evaluator === undefined) {
    evaluator = compile(input);
    if (byText.size >= CACHE_LIMIT) byText.clear();
    byText.set(input, evaluator);
  }
  return evaluator;
}

/**
 * The raw value of an expression for one profile. Convenient for one-off evaluation; compiled forms are cached,
 * but hot paths should hold the result of {@link compile} themselves.
 */
export function evaluate(input: string | PqlNode, context: PqlContext): unknown {
  return evaluatorFor(input).evaluate(context);
}

/** Whether the profile qualifies: the value of the expression coerced to Boolean (README §4). */
export function qualifies(input: string | PqlNode, context: PqlContext): boolean {
  return evaluatorFor(input).test(context);
}
