/** The syntax tree of a Pebble template: what the parser builds and the compiler turns into closures. */

/** Arguments of a filter, function, test or macro call: positional first, then `name=value`. */
export interface Args {
  positional: Expr[];
  named: [string, Expr][];
}

export type Expr =
  | { kind: 'literal'; value: unknown }
  | { kind: 'variable'; name: string }
  | { kind: 'attribute'; target: Expr; key: Expr }
  | { kind: 'call'; name: string; args: Args }
  | { kind: 'filter'; input: Expr; name: string; args: Args }
  | { kind: 'test'; input: Expr; name: string; args: Args; negated: boolean }
  | { kind: 'unary'; operator: string; operand: Expr }
  | { kind: 'binary'; operator: string; left: Expr; right: Expr }
  | { kind: 'ternary'; condition: Expr; then: Expr; otherwise: Expr }
  | { kind: 'list'; items: Expr[] }
  | { kind: 'map'; entries: [Expr, Expr][] }
  | { kind: 'concat'; parts: Expr[] };

export type Node =
  | { kind: 'text'; text: string }
  | { kind: 'print'; expr: Expr /** The tag as written, for messages. */; source: string }
  | { kind: 'if'; branches: { condition: Expr; body: Node[] }[]; otherwise: Node[] }
  | { kind: 'for'; names: string[]; iterable: Expr; body: Node[]; otherwise: Node[] }
  | { kind: 'set'; name: string; expr: Expr }
  | { kind: 'filterBlock'; filters: { name: string; args: Args }[]; body: Node[] }
  | { kind: 'macro'; name: string; params: { name: string; fallback?: Expr }[]; body: Node[] }
  | { kind: 'block'; name: string; body: Node[] }
  | { kind: 'autoescape'; body: Node[] };

/** A literal's text, for source paths in messages (`outputs.each['a-b']`). */
export function literalKey(expr: Expr): string | number | undefined {
  if (expr.kind !== 'literal') return undefined;
  return typeof expr.value === 'string' || typeof expr.value === 'number' ? expr.value : undefined;
}
