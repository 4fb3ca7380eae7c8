import { PqlSyntaxError } from './pql-syntax-error';

export type TokenType = 'identifier' | 'number' | 'string' | 'punctuator' | 'end';

export interface Token {
  readonly type: TokenType;
  /** Identifier name, punctuator text, decoded string content or the number's source text. */
  readonly text: string;
  readonly line: number;
  readonly column: number;
}

// Longest first, so `<=` wins over `<`.
const PUNCTUATORS = [
  '=>',
  '<=',
  '>=',
  '!=',
  '(',
  ')',
  '[',
  ']',
  ',',
  '.',
  ':',
  '^',
  '+',
  '-',
  '*',
  '/',
  '%',
  '=',
  '<',
  '>',
  '!',
];

const ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '"': '"',
  '\\': '\\',
  '/': '/',
};

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9';
}

function isIdentifierStart(ch: string): boolean {
  return /[A-Za-z_@]/.test(ch);
}

function isIdentifierPart(ch: string | undefined): boolean {
  return ch !== undefined && /[A-Za-z0-9_@]/.test(ch);
}

/** How a token is shown in an error message. */
export function describeToken(token: Token): string {
  switch (token.type) {
    case 'end':
      return 'end of input';
    case 'string':
      return JSON.stringify(token.text);
    case 'identifier':
    case 'number':
    case 'punctuator':
      return `'${token.text}'`;
  }
}

/** Splits PQL text into tokens; whitespace (including newlines) only separates them. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  let line = 1;
  let lineStart = 0;

  const fail = (expected: string, at: number, found: string): never => {
    throw new PqlSyntaxError(line, at - lineStart + 1, expected, found);
  };

  while (index < source.length) {
    const ch = source[index];
    if (ch === '\n') {
      index++;
      line++;
      lineStart = index;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      index++;
      continue;
    }
    const start = index;
    const column = start - lineStart + 1;
    const previous = tokens.at(-1);
    const afterOperand =
      previous !== undefined &&
      (previous.type === 'identifier' ||
        (previous.type === 'punctuator' && (previous.text === ')' || previous.text === ']')));

    if (isDigit(ch) || (ch === '.' && isDigit(source[index + 1]) && !afterOperand)) {
      const match = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(source.slice(index));
      const text = match![0].endsWith('.') ? match![0].slice(0, -1) : match![0];
      index += text.length;
      if (isIdentifierPart(source[index])) fail('a number', start, `'${text}${source[index]}'`);
      tokens.push({ type: 'number', text, line, column });
      continue;
    }
    if (ch === '$' && isDigit(source[index + 1])) {
      index++;
      while (isDigit(source[index])) index++;
      tokens.push({ type: 'identifier', text: source.slice(start, index), line, column });
      continue;
    }
    if (isIdentifierStart(ch)) {
      while (isIdentifierPart(source[index])) index++;
      tokens.push({ type: 'identifier', text: source.slice(start, index), line, column });
      continue;
    }
    if (ch === '"') {
      let text = '';
      index++;
      for (;;) {
        const c = source[index];
        if (c === undefined || c === '\n')
          fail("'\"' closing the string", index, c === undefined ? 'end of input' : 'end of line');
        if (c === '"') break;
        if (c === '\\') {
          const next = source[index + 1];
          if (next === undefined) fail("'\"' closing the string", index + 1, 'end of input');
          if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(source.slice(index + 2, index + 6))) {
            text += String.fromCharCode(parseInt(source.slice(index + 2, index + 6), 16));
            index += 6;
            continue;
          }
          // An unknown escape keeps its character, so `\\d` and `\d` both reach a regex as `\d`.
          text += ESCAPES[next!] ?? `\\${next}`;
          index += 2;
          continue;
        }
        text += c;
        index++;
      }
      index++;
      tokens.push({ type: 'string', text, line, column });
      continue;
    }
    const punctuator = PUNCTUATORS.find((p) => source.startsWith(p, index));
    if (punctuator === undefined) fail('an expression', start, `'${ch}'`);
    index += punctuator!.length;
    tokens.push({ type: 'punctuator', text: punctuator!, line, column });
  }
  tokens.push({ type: 'end', text: '', line, column: index - lineStart + 1 });
  return tokens;
}
