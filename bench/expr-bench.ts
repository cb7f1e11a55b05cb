/**
 * B8: expression renders per second, in-process, on one `Renderer` as the engine uses it: a
 * simple expression, a typical one (filters, a condition, a map lookup), a loop over 100 items.
 */
import { Renderer } from '../runtime/expr/index.js';

/** The three templates B8 measures, with the variables they render against. */
export const B8_CASES = {
  simple: '{{ outputs.read.value | upper }}',
  typical:
    "{{ inputs.region | default('eu') | upper }}-{{ outputs.read.value | length > 3 ? 'long' : 'short' }}-{{ vars.codes[inputs.region] ~ '/' ~ (trigger.count * 2) }}",
  loop: '{% for item in outputs.list.items %}{{ item.name | lower }}{% if not loop.last %},{% endif %}{% endfor %}',
} as const;

const VARS = {
  inputs: { region: 'fr' },
  vars: { codes: { fr: 33, de: 49 } },
  trigger: { count: 21 },
  outputs: {
    read: { value: 'hello world' },
    list: { items: Array.from({ length: 100 }, (_, i) => ({ name: `Item-${i}` })) },
  },
};

/** Renders per second of `template` for about `millis`, after a warm-up. */
export function rendersPerSecond(template: string, millis = 1000): number {
  const renderer = new Renderer();
  for (let i = 0; i < 20_000; i++) renderer.render(template, VARS);
  let count = 0;
  const start = performance.now();
  let now = start;
  while (now - start < millis) {
    for (let i = 0; i < 1000; i++) renderer.render(template, VARS);
    count += 1000;
    now = performance.now();
  }
  return count / ((now - start) / 1000);
}
