/** Every render runs under a work budget: runaway templates stop quickly with a clear error. */
import { describe, expect, it } from 'vitest';
import { ExpressionError } from '../../protocol/errors.js';
import { Renderer } from './index.js';

const NESTED_4000 = '{% for i in range(1,4000) %}{% for j in range(1,4000) %}x{% endfor %}{% endfor %}';

/** The error `run` throws, with how long it took to throw it. */
function stopped(run: () => unknown): { message: string; ms: number } {
  const start = Date.now();
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ExpressionError);
    return { message: (error as Error).message, ms: Date.now() - start };
  }
  throw new Error('the render was not stopped');
}

describe('the render budget', () => {
  it('stops a 4000 × 4000 nested loop within its time limit', () => {
    const { message, ms } = stopped(() => new Renderer().render(NESTED_4000, {}));
    expect(message).toMatch(/^render stopped: .* in expression '\{% for i in range\(1,4000\) %\}/);
    expect(ms).toBeLessThan(2000);
  });

  it('stops at the loop iteration limit, counting loops and ranges', () => {
    const r = new Renderer({ limits: { maxIterations: 1000, maxMillis: 60_000 } });
    expect(
      r.render('{% for i in range(1, 20) %}{% for j in range(1, 20) %}x{% endfor %}{% endfor %}', {}),
    ).toHaveLength(400);
    const { message } = stopped(() =>
      r.render('{% for i in range(1, 100) %}{% for j in range(1, 100) %}x{% endfor %}{% endfor %}', {}),
    );
    expect(message).toMatch(/^render stopped: more than 1,000 loop iterations in expression/);
  });

  it('counts the items of a loop over data as well', () => {
    const r = new Renderer({ limits: { maxIterations: 1000, maxMillis: 60_000 } });
    const items = Array.from({ length: 2000 }, (_, i) => i);
    expect(stopped(() => r.render('{% for x in items %}{{ x }}{% endfor %}', { items })).message).toMatch(
      /more than 1,000 loop iterations/,
    );
  });

  it('stops a text that doubles itself', () => {
    const { message } = stopped(() =>
      new Renderer().render(
        "{% set s = 'ab' %}{% for i in range(1, 40) %}{% set s = s ~ s %}{% endfor %}{{ s | length }}",
        {},
      ),
    );
    expect(message).toMatch(/^render stopped: a text of [\d,]+ characters is longer than 10,485,760/);
  });

  it('stops a list that doubles itself', () => {
    const { message } = stopped(() =>
      new Renderer().render(
        '{% set l = [1] %}{% for i in range(1, 40) %}{% set l = l + l %}{% endfor %}{{ l | length }}',
        {},
      ),
    );
    expect(message).toMatch(/^render stopped: a list of [\d,]+ items is longer than 1,000,000/);
  });

  it('stops output that grows past the text limit', () => {
    const r = new Renderer({ limits: { maxTextLength: 10_000, maxMillis: 60_000 } });
    const { message } = stopped(() =>
      r.render('{% for i in range(1, 100) %}{{ big }}{% endfor %}', { big: 'y'.repeat(1000) }),
    );
    expect(message).toMatch(/a text of 100,000 characters is longer than 10,000/);
  });

  it('stops at the deadline it is given, naming it', () => {
    const deadline = Date.now() + 50;
    // No iteration cap: at full speed the default one comes about as soon as the deadline.
    const { message, ms } = stopped(() =>
      new Renderer({ limits: { maxIterations: Number.MAX_SAFE_INTEGER } }).render(
        NESTED_4000,
        {},
        undefined,
        {
          deadline: { at: deadline, reason: 'task timed out after PT0.05S' },
        },
      ),
    );
    expect(message).toMatch(/^render stopped: task timed out after PT0\.05S in expression/);
    expect(ms).toBeLessThan(450);
  });

  it('stops when its signal is aborted, with the reason', () => {
    const controller = new AbortController();
    controller.abort(new Error('execution killed'));
    const { message } = stopped(() =>
      new Renderer().render(NESTED_4000, {}, undefined, { signal: controller.signal }),
    );
    expect(message).toMatch(/^render stopped: execution killed in expression/);
  });

  it('budgets evaluate as well as render', () => {
    const r = new Renderer({ limits: { maxIterations: 10 } });
    expect(stopped(() => r.evaluate('range(1, 100) | length', {})).message).toMatch(
      /more than 10 loop iterations/,
    );
  });

  it('gives each call its own budget', () => {
    const r = new Renderer({ limits: { maxIterations: 150, maxMillis: 60_000 } });
    for (let i = 0; i < 10; i++) expect(r.render('{% for i in range(1, 50) %}{% endfor %}', {})).toBe('');
  });
});

describe('compiling', () => {
  it('takes time in proportion to the template, not its square', () => {
    // A lexer that searched the rest of the template once per tag took 35 s for this one.
    const template = '{{ a }} '.repeat(20_000);
    const start = Date.now();
    expect(new Renderer().check(template)).toBeUndefined();
    expect(Date.now() - start).toBeLessThan(3000);
  });

  it('refuses a tag longer than 8,192 characters, whose compiling would take time in its square', () => {
    const chained = `{{ a${' | default(1)'.repeat(8000)} }}`;
    const start = Date.now();
    expect(new Renderer().check(chained)).toMatch(
      /^the tag opened at position 0 is longer than 8,192 characters; keep long data in a variable or an input in expression '/,
    );
    expect(Date.now() - start).toBeLessThan(500);
    expect(new Renderer().check(`{{ [${'1,'.repeat(4000)}1] }}`)).toBeUndefined();
    expect(new Renderer().check(`{# ${'x'.repeat(20_000)} #}`)).toBeUndefined();
  });
});
