import { DomainError, type ErrorDetail } from '@weft/platform';
import { PqlSyntaxError } from '@weft/pql';

/** A detail pointing at the place in the expression where reading failed. */
export interface PqlSyntaxDetail extends ErrorDetail {
  line: number;
  column: number;
  expected: string;
  found: string;
}

/** 400 for an unreadable expression, with the parser's line, column and expectation in the detail. */
export function pqlSyntaxError(err: PqlSyntaxError, path = 'expression'): DomainError {
  const detail: PqlSyntaxDetail = {
    path,
    code: 'pql_syntax',
    message: err.message,
    line: err.line,
    column: err.column,
    expected: err.expected,
    found: err.found,
  };
  return new DomainError('pql_syntax_error', `${path}: ${err.message}`, 400, [detail]);
}

/** Runs `fn`, turning a PQL syntax error into the 400 above. */
export function withPqlErrors<T>(fn: () => T, path = 'expression'): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof PqlSyntaxError) throw pqlSyntaxError(err, path);
    throw err;
  }
}
