import type { PqlLocation } from './ast';

/** A PQL expression that cannot be read: where it went wrong and what would have been accepted there. */
export class PqlSyntaxError extends Error {
  readonly code = 'PQL_SYNTAX';

  constructor(
    readonly line: number,
    readonly column: number,
    readonly expected: string,
    readonly found: string,
  ) {
    super(`line ${line}, column ${column}: expected ${expected} but found ${found}`);
    this.name = 'PqlSyntaxError';
  }

  static at(loc: PqlLocation, expected: string, found: string): PqlSyntaxError {
    return new PqlSyntaxError(loc.line, loc.column, expected, found);
  }
}
