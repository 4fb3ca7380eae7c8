import type {
  AggregateFunction,
  BindingClause,
  ChainStep,
  LambdaNode,
  LetBinding,
  PqlLocation,
  PqlNode,
  TimeUnit,
  TimeWindow,
} from './ast';
import { FUNCTIONS, METHODS, type Arity, TIME_UNITS } from './functions';
import { describeToken, type Token, tokenize } from './lexer';
import { PqlSyntaxError } from './pql-syntax-error';

/** Words that cannot name a field or variable. */
const RESERVED = new Set([
  'and',
  'or',
  'not',
  'in',
  'notIn',
  'like',
  'matches',
  'occurs',
  'select',
  'from',
  'where',
  'exists',
  'forall',
  'let',
  'over',
  'true',
  'false',
  'xEvent',
  'now',
  'today',
  'yesterday',
  'tomorrow',
]);

/** Words that continue an expression, so `count and ...` reads `count` as a field, not as `count ... over`. */
const INFIX_WORDS = new Set([
  'and',
  'or',
  'in',
  'notIn',
  'like',
  'matches',
  'occurs',
  'over',
  'from',
  'where',
]);

const AGGREGATES: ReadonlySet<string> = new Set<AggregateFunction>(['sum', 'average', 'min', 'max', 'count']);
const COMPARATORS = new Set(['=', '!=', '<', '<=', '>', '>=']);
const TIME_WORDS = new Set(['now', 'today', 'yesterday', 'tomorrow']);

/** Parses PQL text into its JSON AST form; throws {@link PqlSyntaxError} pointing at the first offending token. */
export function parse(source: string): PqlNode {
  return new Parser(tokenize(source)).parseProgram();
}

class Parser {
  private index = 0;
  /** False while reading the value of a `let` binding, where `in` ends the value instead of testing membership. */
  private allowIn = true;

  constructor(private readonly tokens: readonly Token[]) {}

  parseProgram(): PqlNode {
    const node = this.isLambdaAhead() ? this.parseLambda() : this.parseExpression();
    if (this.peek().type !== 'end') this.fail('an operator or end of input');
    return node;
  }

  // ---- token helpers -------------------------------------------------------------------------

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const token = this.peek();
    if (token.type !== 'end') this.index++;
    return token;
  }

  private loc(token: Token = this.peek()): PqlLocation {
    return { line: token.line, column: token.column };
  }

  private isPunct(text: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.type === 'punctuator' && token.text === text;
  }

  private isWord(text: string, offset = 0): boolean {
    const token = this.peek(offset);
    return token.type === 'identifier' && token.text === text;
  }

  private fail(expected: string, token: Token = this.peek()): never {
    throw new PqlSyntaxError(token.line, token.column, expected, describeToken(token));
  }

  private expectPunct(text: string, expected = `'${text}'`): Token {
    if (!this.isPunct(text)) this.fail(expected);
    return this.next();
  }

  private expectWord(text: string): Token {
    if (!this.isWord(text)) this.fail(`'${text}'`);
    return this.next();
  }

  private expectName(what: string): Token {
    const token = this.peek();
    if (token.type !== 'identifier' || RESERVED.has(token.text)) this.fail(what);
    return this.next();
  }

  private withIn<T>(allowIn: boolean, read: () => T): T {
    const saved = this.allowIn;
    this.allowIn = allowIn;
    try {
      return read();
    } finally {
      this.allowIn = saved;
    }
  }

  // ---- expressions, loosest first ------------------------------------------------------------

  private parseExpression(): PqlNode {
    return this.parseOr();
  }

  private parseOr(): PqlNode {
    let left = this.parseAnd();
    while (this.isWord('or')) {
      const loc = this.loc(this.next());
      left = { kind: 'binary', operator: 'or', left, right: this.parseAnd(), loc };
    }
    return left;
  }

  private parseAnd(): PqlNode {
    let left = this.parseNot();
    while (this.isWord('and')) {
      const loc = this.loc(this.next());
      left = { kind: 'binary', operator: 'and', left, right: this.parseNot(), loc };
    }
    return left;
  }

  private parseNot(): PqlNode {
    if (this.isWord('not') || this.isPunct('!')) {
      const loc = this.loc(this.next());
      return { kind: 'unary', operator: 'not', operand: this.parseNot(), loc };
    }
    return this.parseComparison();
  }

  private parseComparison(): PqlNode {
    let left = this.parseAdditive();
    for (;;) {
      const token = this.peek();
      const loc = this.loc(token);
      if (token.type === 'punctuator' && COMPARATORS.has(token.text)) {
        this.next();
        const operator = token.text as '=' | '!=' | '<' | '<=' | '>' | '>=';
        left = { kind: 'binary', operator, left, right: this.parseAdditive(), loc };
      } else if (
        (this.isWord('in') && this.allowIn) ||
        this.isWord('notIn') ||
        this.isWord('like') ||
        this.isWord('matches')
      ) {
        this.next();
        const operator = token.text as 'in' | 'notIn' | 'like' | 'matches';
        left = { kind: 'binary', operator, left, right: this.parseAdditive(), loc };
      } else if (this.isWord('occurs')) {
        this.next();
        left = { kind: 'occurs', subject: left, window: this.parseWindow(), loc };
      } else {
        return left;
      }
    }
  }

  private parseAdditive(): PqlNode {
    let left = this.parseMultiplicative();
    while (this.isPunct('+') || this.isPunct('-')) {
      const token = this.next();
      const operator = token.text as '+' | '-';
      left = { kind: 'binary', operator, left, right: this.parseMultiplicative(), loc: this.loc(token) };
    }
    return left;
  }

  private parseMultiplicative(): PqlNode {
    let left = this.parseUnaryMinus();
    while (this.isPunct('*') || this.isPunct('/') || this.isPunct('%')) {
      const token = this.next();
      const operator = token.text as '*' | '/' | '%';
      left = { kind: 'binary', operator, left, right: this.parseUnaryMinus(), loc: this.loc(token) };
    }
    return left;
  }

  private parseUnaryMinus(): PqlNode {
    if (!this.isPunct('-')) return this.parsePostfix();
    const loc = this.loc(this.next());
    if (this.peek().type === 'number') {
      return { kind: 'literal', value: -Number(this.next().text), loc };
    }
    return { kind: 'unary', operator: '-', operand: this.parseUnaryMinus(), loc };
  }

  private parsePostfix(): PqlNode {
    let node = this.parsePrimary();
    for (;;) {
      if (this.isPunct('.')) {
        this.next();
        const nameToken = this.peek();
        if (nameToken.type !== 'identifier') this.fail('a field or method name');
        this.next();
        if (this.isPunct('(')) {
          node = this.parseMethod(node, nameToken);
        } else {
          node = { kind: 'member', object: node, property: nameToken.text, loc: node.loc };
        }
      } else if (this.isPunct('[')) {
        const open = this.next();
        const keyToken = this.peek();
        const isKey =
          this.isPunct(']', 1) &&
          (keyToken.type === 'string' ||
            (keyToken.type === 'number' && Number.isInteger(Number(keyToken.text))));
        if (isKey) {
          this.next();
          this.next();
          const key = keyToken.type === 'string' ? keyToken.text : Number(keyToken.text);
          node = { kind: 'index', object: node, key, loc: this.loc(open) };
        } else {
          const predicate = this.withIn(true, () => this.parseExpression());
          this.expectPunct(']');
          node = { kind: 'filter', object: node, predicate, loc: this.loc(open) };
        }
      } else {
        return node;
      }
    }
  }

  private parseMethod(object: PqlNode, nameToken: Token): PqlNode {
    const arity = METHODS[nameToken.text];
    if (arity === undefined) this.fail('a known method', nameToken);
    const args = this.parseArguments(arity, nameToken.text === 'map');
    return { kind: 'method', object, name: nameToken.text, args, loc: this.loc(nameToken) };
  }

  private parseArguments(arity: Arity, lambdaArgument = false): PqlNode[] {
    this.expectPunct('(');
    const args: PqlNode[] = [];
    this.withIn(true, () => {
      while (!this.isPunct(')')) {
        if (args.length >= arity.max) this.fail("')'");
        if (args.length > 0) this.expectPunct(',', args.length < arity.min ? "','" : "',' or ')'");
        args.push(lambdaArgument && this.isLambdaAhead() ? this.parseLambda() : this.parseExpression());
      }
    });
    if (args.length < arity.min) this.fail(arity.min === 1 ? 'an argument' : `${arity.min} arguments`);
    this.next();
    return args;
  }

  private parsePrimary(): PqlNode {
    const token = this.peek();
    const loc = this.loc(token);
    switch (token.type) {
      case 'number':
        this.next();
        return { kind: 'literal', value: Number(token.text), loc };
      case 'string':
        this.next();
        return { kind: 'literal', value: token.text, loc };
      case 'punctuator':
        return this.parsePunctuatorPrimary(token);
      case 'identifier':
        return this.parseWordPrimary(token);
      case 'end':
        return this.fail('an expression');
    }
  }

  private parsePunctuatorPrimary(token: Token): PqlNode {
    const loc = this.loc(token);
    if (token.text === '(') {
      this.next();
      const inner = this.withIn(true, () => this.parseExpression());
      this.expectPunct(')');
      return inner;
    }
    if (token.text === '[') {
      this.next();
      const items: PqlNode[] = [];
      this.withIn(true, () => {
        while (!this.isPunct(']')) {
          if (items.length > 0) this.expectPunct(',', "',' or ']'");
          items.push(this.parseExpression());
        }
      });
      this.next();
      return { kind: 'list', items, loc };
    }
    if (token.text === '^') {
      let levels = 0;
      while (this.isPunct('^')) {
        this.next();
        levels++;
      }
      if (!this.isPunct('.')) this.fail("'.'");
      return { kind: 'up', levels, loc };
    }
    return this.fail('an expression');
  }

  private parseWordPrimary(token: Token): PqlNode {
    const loc = this.loc(token);
    const word = token.text;
    if (word.startsWith('$')) {
      if (word !== '$1') this.fail("'$1'");
      this.next();
      return { kind: 'profile', loc };
    }
    switch (word) {
      case 'true':
      case 'false':
        this.next();
        return { kind: 'literal', value: word === 'true', loc };
      case 'xEvent':
        this.next();
        return { kind: 'events', loc };
      case 'select':
      case 'exists':
      case 'forall':
        this.next();
        return { kind: word, clauses: this.parseClauses(word !== 'select'), loc };
      case 'let':
        this.next();
        return this.parseLet(loc);
    }
    if (TIME_WORDS.has(word)) {
      this.next();
      return { kind: 'timeWord', word: word as 'now' | 'today' | 'yesterday' | 'tomorrow', loc };
    }
    const following = this.peek(1);
    if ((word === 'this' || word === 'last' || word === 'next') && following.type === 'identifier') {
      const unit = TIME_UNITS[following.text];
      if (unit !== undefined) {
        this.next();
        this.next();
        return { kind: 'period', relation: word, unit, loc };
      }
    }
    if (AGGREGATES.has(word) && this.startsOperand(following)) {
      this.next();
      return this.parseAggregate(word as AggregateFunction, loc);
    }
    if ((word === 'CHAIN' || word === 'chain') && this.isPunct('(', 1)) {
      this.next();
      return this.parseChain(loc);
    }
    if (this.isPunct('(', 1)) {
      const arity = FUNCTIONS[word];
      if (arity === undefined) this.fail('a known function');
      this.next();
      return { kind: 'call', name: word, args: this.parseArguments(arity), loc };
    }
    if (RESERVED.has(word)) this.fail('an expression');
    this.next();
    return { kind: 'name', name: word, loc };
  }

  private startsOperand(token: Token): boolean {
    switch (token.type) {
      case 'number':
      case 'string':
        return true;
      case 'identifier':
        return !INFIX_WORDS.has(token.text);
      case 'punctuator':
        return token.text === '(' || token.text === '^';
      case 'end':
        return false;
    }
  }

  // ---- binding forms -------------------------------------------------------------------------

  private parseClauses(allowColon: boolean): BindingClause[] {
    const clauses: BindingClause[] = [];
    do {
      if (clauses.length > 0) this.next();
      const variable = this.expectName('a variable name');
      this.expectWord('from');
      const source = this.withIn(true, () => this.parseAdditive());
      let where: PqlNode | null = null;
      if (this.isWord('where') || (allowColon && this.isPunct(':'))) {
        this.next();
        where = this.withIn(true, () => this.parseExpression());
      }
      clauses.push({ variable: variable.text, source, where, loc: this.loc(variable) });
    } while (this.isPunct(',') && this.peek(1).type === 'identifier' && this.isWord('from', 2));
    return clauses;
  }

  private parseLet(loc: PqlLocation): PqlNode {
    const bindings: LetBinding[] = [];
    do {
      if (bindings.length > 0) this.next();
      const name = this.expectName('a variable name');
      this.expectPunct('=');
      const value = this.withIn(false, () => this.parseExpression());
      bindings.push({ name: name.text, value, loc: this.loc(name) });
    } while (this.isPunct(','));
    this.expectWord('in');
    const body = this.withIn(true, () => this.parseExpression());
    return { kind: 'let', bindings, body, loc };
  }

  private parseAggregate(fn: AggregateFunction, loc: PqlLocation): PqlNode {
    const value = this.withIn(true, () => this.parseExpression());
    this.expectWord('over');
    return { kind: 'aggregate', fn, value, clauses: this.parseClauses(false), loc };
  }

  private isLambdaAhead(): boolean {
    if (!this.isPunct('(')) return false;
    let offset = 1;
    for (;;) {
      if (this.peek(offset).type !== 'identifier') return false;
      offset++;
      if (this.isPunct(')', offset)) return this.isPunct('=>', offset + 1);
      if (!this.isPunct(',', offset)) return false;
      offset++;
    }
  }

  private parseLambda(): LambdaNode {
    const loc = this.loc(this.expectPunct('('));
    const params: string[] = [];
    do {
      if (params.length > 0) this.next();
      params.push(this.expectName('a parameter name').text);
    } while (this.isPunct(','));
    this.expectPunct(')');
    this.expectPunct('=>');
    return { kind: 'lambda', params, body: this.withIn(true, () => this.parseExpression()), loc };
  }

  // ---- chains and time -----------------------------------------------------------------------

  private parseChain(loc: PqlLocation): PqlNode {
    this.expectPunct('(');
    return this.withIn(true, () => {
      const source = this.parseExpression();
      this.expectPunct(',');
      const timestampPath = [this.expectName('a timestamp field').text];
      while (this.isPunct('.')) {
        this.next();
        timestampPath.push(this.expectName('a field name').text);
      }
      this.expectPunct(',');
      this.expectPunct('[');
      const steps: ChainStep[] = [];
      do {
        if (steps.length > 0) this.next();
        steps.push(this.parseChainStep());
      } while (this.isPunct(','));
      this.expectPunct(']', "',' or ']'");
      this.expectPunct(')');
      return { kind: 'chain', source, timestampPath, steps, loc };
    });
  }

  private parseChainStep(): ChainStep {
    const label = this.expectName('a step label');
    this.expectPunct(':');
    this.expectWord('WHAT');
    this.expectPunct('(');
    const what = this.parseExpression();
    this.expectPunct(')');
    let when: TimeWindow | null = null;
    if (this.isWord('WHEN')) {
      this.next();
      this.expectPunct('(');
      when = this.parseWindow();
      this.expectPunct(')');
    }
    return { label: label.text, what, when, loc: this.loc(label) };
  }

  private parseWindow(): TimeWindow {
    const token = this.peek();
    if (token.type === 'punctuator' && COMPARATORS.has(token.text) && token.text !== '!=') {
      this.next();
      const comparator = token.text as '<' | '<=' | '=' | '>=' | '>';
      const amount = this.parseUnaryMinus();
      const unit = this.parseUnit();
      let direction: 'before' | 'after';
      if (this.isWord('before')) direction = 'before';
      else if (this.isWord('after') || this.isWord('from')) direction = 'after';
      else return this.fail("'before' or 'after'");
      this.next();
      return { type: 'relative', comparator, amount, unit, direction, anchor: this.parseTimeTerm() };
    }
    if (this.isWord('before')) {
      this.next();
      return { type: 'before', term: this.parseTimeTerm() };
    }
    if (this.isWord('after') || this.isWord('from')) {
      this.next();
      return { type: 'after', term: this.parseTimeTerm() };
    }
    if (this.isWord('between')) {
      this.next();
      const from = this.parseTimeTerm();
      this.expectWord('and');
      return { type: 'between', from, to: this.parseTimeTerm() };
    }
    if (this.isWord('on')) this.next();
    return { type: 'on', term: this.parseTimeTerm() };
  }

  private parseUnit(): TimeUnit {
    const token = this.peek();
    const unit = token.type === 'identifier' ? TIME_UNITS[token.text] : undefined;
    if (unit === undefined) this.fail('a time unit');
    this.next();
    return unit;
  }

  private parseTimeTerm(): PqlNode {
    return this.parseAdditive();
  }
}
