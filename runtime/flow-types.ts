/** The plugin types flow sources name: what a lazy registry must load before those flows are parsed. */
import { parse } from 'yaml';

/**
 * Every string `type` in the YAML of `sources`, at any depth (tasks under
 * any flowable, triggers, and inputs' `STRING` too, which no registry knows).
 * A source that does not parse names none: parsing it reports why.
 *
 * @example await registry.load(namedTypes([source])); parseFlow(source, registry);
 */
export function namedTypes(sources: Iterable<string>): Set<string> {
  const names = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) for (const item of node) walk(item);
    else if (typeof node === 'object' && node !== null) {
      const { type } = node as { type?: unknown };
      if (typeof type === 'string') names.add(type);
      for (const value of Object.values(node)) walk(value);
    }
  };
  for (const source of sources) {
    try {
      walk(parse(source));
    } catch {
      // Left to the flow's parse, which says what is wrong and where.
    }
  }
  return names;
}
