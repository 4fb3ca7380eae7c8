export * from './syntax/ast';
export { parse } from './syntax/parser';
export { PqlSyntaxError } from './syntax/pql-syntax-error';
export {
  check,
  type PqlCheckIssue,
  type PqlCheckIssueCode,
  type PqlFieldType,
  type PqlSchema,
} from './checker/check';
export { compile, type PqlContext, type PqlEvaluator, type SegmentMembership } from './evaluator/compile';
export { evaluate, qualifies } from './evaluator/evaluate';
export { isTruthy } from './evaluator/values';
export { classify, type ClassifyOptions, type EvaluationMethod } from './analysis/classify';
export { analyze, type PqlAnalysis } from './analysis/analyze';
