/** The slice of twig.js internals the adapter touches; `@types/twig` covers only the public API. */

/** A compiled twig token: template-level (output, logic, raw) or expression-level (RPN items). */
export interface TwigToken {
  type: string;
  value?: unknown;
  /** Key of `.key` access, object-literal entry or named argument. */
  key?: unknown;
  fn?: string;
  /** Name of a test (`is name`). */
  filter?: string;
  modifier?: string;
  params?: TwigToken[];
  stack?: TwigToken[];
  /** Loop expression on `for` tokens; a flag on parameter-end tokens. */
  expression?: TwigToken[] | boolean;
  conditional?: TwigToken[];
  output?: TwigToken[];
  token?: TwigToken;
  match?: string[];
  position?: { start: number; end: number };
  precidence?: number;
  associativity?: string;
  operator?: string;
  /** Ours: the source path of the value a key access reads from, e.g. `outputs.each`. */
  base?: string;
  /** Ours: the full source path of a key access when it is known at compile time. */
  path?: string;
  /** Set by twig on tokens it has consumed while compiling: skipped when evaluating. */
  cleanup?: boolean;
}

export type Context = Record<string | symbol, unknown>;

/** twig's synchronous promise. */
export interface Thenable {
  then(onResolved: (value: unknown) => unknown, onRejected?: (error: unknown) => unknown): Thenable;
}

export interface TwigTemplate {
  tokens: TwigToken[];
  options: Record<string, unknown>;
  render(context: Context): string;
}

export interface ParseState {
  template: TwigTemplate | { options: Record<string, unknown> };
  context: Context;
}

export interface ExpressionDefinition {
  type: string;
  regex: RegExp | RegExp[];
  next: string[];
  compile?: (token: TwigToken, stack: TwigToken[], output: TwigToken[]) => void;
  parse?: (this: ParseState, token: TwigToken, stack: unknown[], context: Context) => unknown;
  validate?: (match: string[], tokens: TwigToken[]) => boolean;
  transform?: (match: string[], tokens: TwigToken[]) => string;
}

export interface LogicDefinition {
  type: string;
  compile?: (this: unknown, token: TwigToken) => TwigToken;
}

export interface TokenDefinition {
  type: string;
  open: string;
  close: string;
}

export interface TwigInternals {
  Error: new (message: string) => { message: string };
  Template: new (params: { data: string; options: Record<string, unknown> }) => TwigTemplate;
  ParseState: new (template: ParseState['template']) => ParseState;
  output: (this: unknown, output: unknown[]) => string;
  Promise: { resolve(value: unknown): Thenable };
  /** twig's one loop: over template tokens, expression tokens and `for` items alike. */
  async: { forEach(items: readonly unknown[], each: (item: unknown, index: number) => unknown): Thenable };
  lib: { boolval: (value: unknown) => boolean };
  /** Splits a template into raw text and tags; `template` shrinks from the front as it goes. */
  tokenize: (this: unknown, template: string) => unknown[];
  /** Turns the tokens of {@link tokenize} into a tree, consuming the list. */
  compile: (this: unknown, tokens: unknown[]) => unknown[];
  token: {
    type: Record<string, string>;
    definitions: TokenDefinition[];
    findStart: (template: string) => { position: number | null; def: TokenDefinition | null };
    findEnd: (this: unknown, template: string, def: TokenDefinition, start: number) => number;
  };
  logic: {
    type: Record<string, string>;
    handler: Record<string, LogicDefinition>;
  };
  expression: {
    type: {
      comma: string;
      operator: { unary: string; binary: string };
      string: string;
      number: string;
      bool: string;
      _null: string;
      slice: string;
      array: { start: string; end: string };
      object: { start: string; end: string };
      parameter: { start: string; end: string };
      subexpression: { start: string; end: string };
      key: { period: string; brackets: string };
      filter: string;
      _function: string;
      variable: string;
      context: string;
      test: string;
      [extra: string]: unknown;
    };
    set: { expressions: string[]; operations: string[]; operationsExtended: string[] };
    handler: Record<string, ExpressionDefinition>;
    extendType(type: string): void;
    compile(raw: { type?: string; value: string }): { stack: TwigToken[] };
    tokenize: (this: unknown, raw: { value: string }) => TwigToken[];
    parseAsync: (this: ParseState, tokens: TwigToken[], context: Context, asParameters?: boolean) => Thenable;
    operator: {
      leftToRight: string;
      lookup: (operator: string, token: TwigToken) => TwigToken;
      parse: (operator: string, stack: unknown[]) => void;
    };
  };
}
