/**
 * How large a flow document may be: its source, and its values once aliases are expanded (999
 * aliases of a 100,000-item list are 100 million values to validate and store). Also the
 * duplicate-key check, done here in linear time since the `yaml` library's is quadratic.
 */
import { type Alias, type Document, isAlias, isCollection, isPair, isScalar, type Node, visit } from 'yaml';

/** The limits of one flow document. */
export interface FlowLimits {
  /** Bytes of YAML source (UTF-8). */
  maxSourceBytes: number;
  /** Values (scalars, lists, maps and keys), counting every alias as a copy of what it names. */
  maxValues: number;
  /** Characters of all scalars and keys together, aliases expanded likewise. */
  maxCharacters: number;
}

/** Far above any real flow, and small enough that validating one takes well under a second. */
export const FLOW_LIMITS: Readonly<FlowLimits> = Object.freeze({
  maxSourceBytes: 1024 * 1024,
  maxValues: 100_000,
  maxCharacters: 4 * 1024 * 1024,
});

/** A problem found at a character offset of the source. */
export interface OffsetProblem {
  message: string;
  at: number;
}

const count = (n: number) => n.toLocaleString('en');

/** The problem of a source over the size limit, at the character where the limit is crossed. */
export function sourceSizeProblem(
  source: string,
  limits: FlowLimits = FLOW_LIMITS,
): OffsetProblem | undefined {
  // Each character is at most 3 bytes of UTF-8 (4 for a pair of two): only long texts need counting.
  if (source.length * 3 <= limits.maxSourceBytes) return undefined;
  const bytes = Buffer.byteLength(source, 'utf8');
  if (bytes <= limits.maxSourceBytes) return undefined;
  const at = Buffer.from(source, 'utf8').subarray(0, limits.maxSourceBytes).toString('utf8').length;
  return {
    message: `the flow is ${count(bytes)} bytes long; a flow may be at most ${count(limits.maxSourceBytes)}`,
    at: Math.max(0, at - 1),
  };
}

/** Keys repeated in a map, at the repeated key, as the `yaml` library reports them. */
export function duplicateKeyProblems(doc: Document): OffsetProblem[] {
  const found: OffsetProblem[] = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = pair.key;
        // Merge keys (`<<`) may repeat; collection keys are never equal, as in `yaml`.
        if (!isScalar(key) || typeof key.value === 'symbol') continue;
        if (seen.has(key.value)) found.push({ message: 'Map keys must be unique', at: key.range?.[0] ?? 0 });
        else seen.add(key.value);
      }
    },
  });
  return found;
}

/**
 * What each alias of `doc` names: the last node anchored with its name before it, as YAML reads
 * it. Found in one pass: the `yaml` library's `alias.resolve(doc)` reads the whole document for
 * each alias, which takes minutes for a thousand aliases in a large document.
 */
export function aliasTargets(doc: Document): Map<Alias, Node> {
  const anchors = new Map<string, Node>();
  const targets = new Map<Alias, Node>();
  visit(doc, {
    Node(_key, node) {
      if (isAlias(node)) {
        const target = anchors.get(node.source);
        if (target) targets.set(node, target);
      } else if (node.anchor) anchors.set(node.anchor, node);
    },
  });
  return targets;
}

type Size = { values: number; characters: number };

/**
 * The problem of a document too large once its aliases are expanded, at the alias (or value)
 * where the running total crosses a limit. Each anchored node is measured once, so a chain of
 * aliases of aliases is measured in the time it takes to read it.
 */
export function expandedSizeProblem(
  doc: Document,
  targets: ReadonlyMap<Alias, Node>,
  limits: FlowLimits = FLOW_LIMITS,
): OffsetProblem | undefined {
  const anchored = new Map<Node, Size>();
  const total: Size = { values: 0, characters: 0 };
  let expanded = false;
  let problem: OffsetProblem | undefined;

  const add = (size: Size, node: Node): boolean => {
    total.values += size.values;
    total.characters += size.characters;
    if (isAlias(node)) expanded = true;
    const over =
      total.values > limits.maxValues
        ? `more than ${count(limits.maxValues)} values`
        : total.characters > limits.maxCharacters
          ? `more than ${count(limits.maxCharacters)} characters`
          : undefined;
    if (over) problem = overLimit(node, over, expanded);
    return problem === undefined;
  };

  /** The size of `node` with its aliases expanded, added to the total; undefined once over a limit. */
  const measure = (node: unknown): Size | undefined => {
    if (isAlias(node)) {
      const target = targets.get(node);
      // An alias inside its own anchor is reported elsewhere: count it as one value here.
      const size = (target && anchored.get(target)) ?? { values: 1, characters: 0 };
      return add(size, node) ? size : undefined;
    }
    if (isScalar(node)) {
      const size = { values: 1, characters: scalarLength(node.value) };
      if (node.anchor) anchored.set(node, size);
      return add(size, node) ? size : undefined;
    }
    if (!isCollection(node)) return { values: 0, characters: 0 };
    const size = { values: 1, characters: 0 };
    if (!add(size, node)) return undefined;
    for (const item of node.items) {
      for (const part of isPair(item) ? [item.key, item.value] : [item]) {
        const inner = measure(part);
        if (!inner) return undefined;
        size.values += inner.values;
        size.characters += inner.characters;
      }
    }
    if (node.anchor) anchored.set(node, size);
    return size;
  };

  measure(doc.contents);
  return problem;
}

function overLimit(node: Node, what: string, expanded: boolean): OffsetProblem {
  const message = expanded
    ? `the flow is too large once its aliases are expanded: ${what}${isAlias(node) ? ` by alias *${node.source}` : ''}`
    : `the flow is too large: ${what}`;
  return { message, at: node.range?.[0] ?? 0 };
}

function scalarLength(value: unknown): number {
  if (typeof value === 'string') return value.length;
  return value === null || value === undefined ? 0 : String(value).length;
}
