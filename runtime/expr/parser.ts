/** Pebble's parser: precedence climbing over its operator table, and the tags Kestra keeps. */
import type { Args, Expr, Node } from './ast.js';
import { SyntaxFailure, type Token, tokenize } from './lexer.js';
import { parseJavaNumber } from './numbers.js';

/** Binary operators and their precedence, Pebble's core table plus Kestra's `??` and `???`. */
const BINARY: Readonly<Record<string, number>> = {
  or: 10,
  and: 15,
  is: 20,
  'is not': 20,
  contains: 20,
  in: 20,
  'not in': 20,
  isIn: 20,
  isNotIn: 20,
  '==': 30,
  equals: 30,
  '!=': 30,
  '>': 30,
  '<': 30,
  '>=': 30,
  '<=': 30,
  '+': 40,
  '-': 40,
  '*': 60,
  '/': 60,
  '%': 60,
  '|': 100,
  '~': 110,
  '..': 120,
  '??': 120,
  '???': 120,
};
const UNARY: Readonly<Record<string, number>> = { not: 500, '+': 500, '-': 500 };
const RESERVED = new Set(['true', 'false', 'null', 'none']);

/** Parses a whole template into nodes. Throws {@link SyntaxFailure}. */
export function parseTemplate(source: string): Node[] {
  const parser = new Parser(tokenize(source), source);
  const nodes = parser.body(new Set());
  parser.expect('eof');
  return nodes;
}

/** Parses a bare expression (no braces), e.g. `inputs.x > 3`. Throws {@link SyntaxFailure}. */
export function parseExpression(source: string): Expr {
  const tokens = tokenize(`{{ ${source} }}`);
  const parser = new Parser(tokens.slice(1), source);
  const expr = parser.expression();
  parser.expect('end');
  parser.expect('eof');
  return expr;
}

class Parser {
  private at = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly source: string,
  ) {}

  private get current(): Token {
    return this.tokens[this.at] as Token;
  }

  private peek(offset = 1): Token {
    return (this.tokens[this.at + offset] ?? this.tokens[this.tokens.length - 1]) as Token;
  }

  private test(type: Token['type'], value?: string): boolean {
    return this.current.type === type && (value === undefined || this.current.value === value);
  }

  expect(type: Token['type'], value?: string): Token {
    if (!this.test(type, value)) {
      if (this.current.type === 'punctuation' && this.current.value === '=')
        throw new SyntaxFailure(`unexpected '=' at position ${this.current.at}; use '==' to compare`);
      const found = this.current.type === 'eof' ? 'the end' : `'${this.current.value}'`;
      const wanted = value ? `'${value}'` : type === 'end' ? 'the end of the tag' : `a ${type}`;
      throw new SyntaxFailure(`expected ${wanted} but found ${found} at position ${this.current.at}`);
    }
    return this.tokens[this.at++] as Token;
  }

  /** Nodes until a tag named in `until` (left unread) or the end of the template. */
  body(until: ReadonlySet<string>): Node[] {
    const nodes: Node[] = [];
    for (;;) {
      const token = this.current;
      if (token.type === 'eof') return nodes;
      if (token.type === 'text') {
        nodes.push({ kind: 'text', text: token.value });
        this.at++;
      } else if (token.type === 'print') {
        this.at++;
        if (this.test('end')) throw new SyntaxFailure(`empty expression at position ${token.at}`);
        const expr = this.expression();
        const end = this.expect('end');
        const source = this.source.slice(token.at, this.source.indexOf(end.value, end.at) + end.value.length);
        nodes.push({ kind: 'print', expr, source });
      } else if (token.type === 'execute') {
        const name = this.peek().value;
        if (until.has(name)) return nodes;
        this.at++;
        nodes.push(this.tag());
      } else {
        throw new SyntaxFailure(`unexpected '${token.value}' at position ${token.at}`);
      }
    }
  }

  private tag(): Node {
    const name = this.expect('name').value;
    switch (name) {
      case 'if':
        return this.ifTag();
      case 'for':
        return this.forTag();
      case 'set': {
        const variable = this.newName();
        this.expect('punctuation', '=');
        const expr = this.expression();
        this.expect('end');
        return { kind: 'set', name: variable, expr };
      }
      case 'filter':
        return this.filterTag();
      case 'macro':
        return this.macroTag();
      case 'block': {
        // Pebble names a block with a name or a string: `{% block post %}`, `{% block "post" %}`.
        const block = this.expect(this.test('string') ? 'string' : 'name').value;
        this.expect('end');
        const body = this.closedBody('endblock');
        return { kind: 'block', name: block, body };
      }
      case 'autoescape': {
        while (!this.test('end')) this.at++;
        this.expect('end');
        return { kind: 'autoescape', body: this.closedBody('endautoescape') };
      }
      default:
        throw new SyntaxFailure(`unknown tag '${name}'`);
    }
  }

  /** The body up to `{% end %}`, which is consumed. */
  private closedBody(end: string): Node[] {
    const body = this.body(new Set([end]));
    this.endTag(end);
    return body;
  }

  private endTag(end: string): void {
    if (this.test('eof')) throw new SyntaxFailure(`'{% ${end} %}' is missing`);
    this.expect('execute');
    this.expect('name', end);
    if (end === 'endblock' || end === 'endmacro') while (this.test('name')) this.at++;
    this.expect('end');
  }

  private ifTag(): Node {
    const branches: { condition: Expr; body: Node[] }[] = [];
    let condition = this.expression();
    this.expect('end');
    const stops = new Set(['elseif', 'else', 'endif']);
    for (;;) {
      const body = this.body(stops);
      branches.push({ condition, body });
      if (this.test('eof')) throw new SyntaxFailure("'{% endif %}' is missing");
      this.expect('execute');
      const which = this.expect('name').value;
      if (which === 'elseif') {
        condition = this.expression();
        this.expect('end');
        continue;
      }
      this.expect('end');
      if (which === 'endif') return { kind: 'if', branches, otherwise: [] };
      const otherwise = this.closedBody('endif');
      return { kind: 'if', branches, otherwise };
    }
  }

  private forTag(): Node {
    const names = [this.newName()];
    if (this.test('punctuation', ',')) {
      this.at++;
      names.push(this.newName());
    }
    this.expect('operator', 'in');
    const iterable = this.expression();
    this.expect('end');
    const body = this.body(new Set(['else', 'endfor']));
    if (this.test('eof')) throw new SyntaxFailure("'{% endfor %}' is missing");
    this.expect('execute');
    const which = this.expect('name').value;
    this.expect('end');
    const otherwise = which === 'else' ? this.closedBody('endfor') : [];
    return { kind: 'for', names, iterable, body, otherwise };
  }

  private filterTag(): Node {
    const filters: { name: string; args: Args }[] = [];
    for (;;) {
      const name = this.expect('name').value;
      filters.push({ name, args: this.test('punctuation', '(') ? this.args() : NO_ARGS });
      if (!this.test('operator', '|')) break;
      this.at++;
    }
    this.expect('end');
    return { kind: 'filterBlock', filters, body: this.closedBody('endfilter') };
  }

  private macroTag(): Node {
    const name = this.expect('name').value;
    this.expect('punctuation', '(');
    const params: { name: string; fallback?: Expr }[] = [];
    while (!this.test('punctuation', ')')) {
      if (params.length > 0) this.expect('punctuation', ',');
      const param = this.newName();
      if (this.test('punctuation', '=')) {
        this.at++;
        params.push({ name: param, fallback: this.expression() });
      } else params.push({ name: param });
    }
    this.expect('punctuation', ')');
    this.expect('end');
    return { kind: 'macro', name, params, body: this.closedBody('endmacro') };
  }

  private newName(): string {
    const name = this.expect('name').value;
    if (RESERVED.has(name)) throw new SyntaxFailure(`cannot assign a value to ${name}`);
    return name;
  }

  /** An expression, with a ternary `a ? b : c` or `a ?: b` at its top. */
  expression(): Expr {
    const expr = this.binary(0);
    if (!this.test('punctuation', '?')) return expr;
    this.at++;
    if (this.test('punctuation', ':')) {
      this.at++;
      return { kind: 'binary', operator: '?:', left: expr, right: this.expression() };
    }
    const then = this.expression();
    this.expect('punctuation', ':');
    return { kind: 'ternary', condition: expr, then, otherwise: this.expression() };
  }

  private binary(minPrecedence: number): Expr {
    let expr: Expr;
    const token = this.current;
    if (token.type === 'operator' && UNARY[token.value] !== undefined) {
      this.at++;
      expr = { kind: 'unary', operator: token.value, operand: this.binary(UNARY[token.value] as number) };
    } else if (token.type === 'punctuation' && token.value === '(') {
      this.at++;
      expr = this.expression();
      this.expect('punctuation', ')');
      expr = this.postfix(expr);
    } else expr = this.primary();

    for (;;) {
      const op = this.current;
      const precedence = op.type === 'operator' ? BINARY[op.value] : undefined;
      if (precedence === undefined || precedence < minPrecedence) return expr;
      this.at++;
      if (op.value === '|') {
        const name = this.expect('name').value;
        expr = {
          kind: 'filter',
          input: expr,
          name,
          args: this.test('punctuation', '(') ? this.args() : NO_ARGS,
        };
      } else if (op.value === 'is' || op.value === 'is not') {
        const name = this.testName();
        const args = this.test('punctuation', '(') ? this.args() : NO_ARGS;
        expr = { kind: 'test', input: expr, name, args, negated: op.value === 'is not' };
      } else {
        expr = { kind: 'binary', operator: op.value, left: expr, right: this.binary(precedence + 1) };
      }
    }
  }

  /** A test's name: `null` and `none` are names here, not literals. */
  private testName(): string {
    return this.expect('name').value;
  }

  private primary(): Expr {
    const token = this.current;
    let expr: Expr;
    switch (token.type) {
      case 'name':
        this.at++;
        expr = this.nameExpression(token.value);
        break;
      case 'number':
        this.at++;
        expr = { kind: 'literal', value: parseJavaNumber(token.value) };
        break;
      case 'string':
      case 'interpolationStart':
        expr = this.stringExpression();
        break;
      case 'punctuation':
        if (token.value === '[') expr = this.list();
        else if (token.value === '{') expr = this.map();
        else throw new SyntaxFailure(`unexpected '${token.value}' at position ${token.at}`);
        break;
      default:
        throw new SyntaxFailure(
          token.type === 'end' || token.type === 'eof'
            ? `the expression ends too early at position ${token.at}`
            : `unexpected '${token.value}' at position ${token.at}`,
        );
    }
    return this.postfix(expr);
  }

  private nameExpression(name: string): Expr {
    switch (name) {
      case 'true':
      case 'TRUE':
        return { kind: 'literal', value: true };
      case 'false':
      case 'FALSE':
        return { kind: 'literal', value: false };
      case 'null':
      case 'NULL':
      case 'none':
      case 'NONE':
        return { kind: 'literal', value: null };
    }
    if (this.test('punctuation', '(')) return { kind: 'call', name, args: this.args() };
    return { kind: 'variable', name };
  }

  /** `"a #{b} c"`: literal parts and interpolated expressions, joined as text. */
  private stringExpression(): Expr {
    const parts: Expr[] = [];
    let previous: string | undefined;
    for (;;) {
      if (this.test('string') && previous !== 'string') {
        parts.push({ kind: 'literal', value: this.current.value });
        this.at++;
        previous = 'string';
      } else if (this.test('interpolationStart')) {
        this.at++;
        parts.push(this.expression());
        this.expect('interpolationEnd');
        previous = 'interpolation';
      } else break;
    }
    return parts.length === 1 && parts[0]?.kind === 'literal' ? parts[0] : { kind: 'concat', parts };
  }

  private postfix(start: Expr): Expr {
    let expr = start;
    for (;;) {
      if (this.test('punctuation', '.')) {
        this.at++;
        const token = this.current;
        // `a.in`, `a.is`: after a dot a word operator is a key.
        if (token.type !== 'name' && !(token.type === 'operator' && /^\w+$/.test(token.value)))
          this.expect('name');
        this.at++;
        if (this.test('punctuation', '('))
          throw new SyntaxFailure(`methods cannot be called ('.${token.value}(…)'); use filters`);
        expr = { kind: 'attribute', target: expr, key: { kind: 'literal', value: token.value } };
      } else if (this.test('punctuation', '[')) {
        this.at++;
        const key = this.expression();
        this.expect('punctuation', ']');
        expr = { kind: 'attribute', target: expr, key };
      } else if (this.test('punctuation', '(')) {
        throw new SyntaxFailure('only functions and macros can be called; use filters');
      } else return expr;
    }
  }

  private args(): Args {
    this.expect('punctuation', '(');
    const args: Args = { positional: [], named: [] };
    while (!this.test('punctuation', ')')) {
      if (args.positional.length + args.named.length > 0) this.expect('punctuation', ',');
      if (this.test('name') && this.peek().type === 'punctuation' && this.peek().value === '=') {
        const name = this.newName();
        this.at++;
        args.named.push([name, this.expression()]);
      } else {
        if (args.named.length > 0)
          throw new SyntaxFailure('positional arguments must be declared before any named arguments');
        args.positional.push(this.expression());
      }
    }
    this.expect('punctuation', ')');
    return args;
  }

  private list(): Expr {
    this.expect('punctuation', '[');
    const items: Expr[] = [];
    while (!this.test('punctuation', ']')) {
      if (items.length > 0) this.expect('punctuation', ',');
      items.push(this.expression());
    }
    this.expect('punctuation', ']');
    return { kind: 'list', items };
  }

  private map(): Expr {
    this.expect('punctuation', '{');
    const entries: [Expr, Expr][] = [];
    while (!this.test('punctuation', '}')) {
      if (entries.length > 0) this.expect('punctuation', ',');
      const key = this.expression();
      this.expect('punctuation', ':');
      entries.push([key, this.expression()]);
    }
    this.expect('punctuation', '}');
    return { kind: 'map', entries };
  }
}

const NO_ARGS: Args = Object.freeze({ positional: [], named: [] }) as unknown as Args;
