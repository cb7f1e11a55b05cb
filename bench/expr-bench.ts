/**
 * B8: expression renders per second, in-process, on one `Renderer` as the engine uses it: a
 * simple expression, a typical one (filters, a condition, a map lookup), a loop over 100 items.
 */
import { type ExpressionFunctions, type RenderBounds, Renderer } from '../runtime/expr/index.js';

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

/** What a task's render passes besides its variables: the execution's functions, its deadline and abort. */
const FUNCTIONS: ExpressionFunctions = { secret: () => undefined, kv: () => undefined };
const BOUNDS: RenderBounds = {
  deadline: { at: Date.now() + 24 * 3600_000, reason: 'task timed out after PT24H' },
  signal: new AbortController().signal,
};

/** One B8 measurement: renders per second of wall time, and per second of the process's CPU time. */
export interface RenderRate {
  wall: number;
  cpu: number;
}

/**
 * Renders per second of `template` for about `millis`, after a warm-up, called as a task's
 * render calls it. The CPU rate divides by the process's CPU time (all its threads, the
 * garbage collector's included), which the load of a shared machine does not shrink.
 */
export function rendersPerSecond(template: string, millis = 1000): RenderRate {
  const renderer = new Renderer();
  for (let i = 0; i < 20_000; i++) renderer.render(template, VARS, FUNCTIONS, BOUNDS);
  let count = 0;
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  let now = start;
  while (now - start < millis) {
    for (let i = 0; i < 1000; i++) renderer.render(template, VARS, FUNCTIONS, BOUNDS);
    count += 1000;
    now = performance.now();
  }
  const cpu = process.cpuUsage(cpuStart);
  return { wall: count / ((now - start) / 1000), cpu: count / ((cpu.user + cpu.system) / 1e6) };
}
