/** A runaway template cannot outlive its task's timeout, and a busy flow still hears a kill. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TaskRun } from '../../protocol/execution.js';
import { type EngineFixture, engineFixture } from '../support/engine.js';
import { until } from '../support/hub-api.js';

const NESTED_4000 = '{% for i in range(1,4000) %}{% for j in range(1,4000) %}x{% endfor %}{% endfor %}';
/** The same loops, each pass hashing a string: slow enough that a 0.1 s timeout comes before the iteration cap. */
const NESTED_4000_HASHING =
  "{% for i in range(1,4000) %}{% for j in range(1,4000) %}{% set h = ('x' ~ j) | sha256 %}{% endfor %}{% endfor %}";

let fx: EngineFixture;
beforeEach(() => {
  fx = engineFixture();
});
afterEach(async () => {
  await fx.close();
});

describe('a template that loops 4000 × 4000 times', () => {
  it('ends FAILED within its task timeout of PT2S, not SUCCESS 20 s later', async () => {
    const r = await fx.run(`
id: nested-range
namespace: test
tasks:
  - id: loop
    type: log
    timeout: PT2S
    message: "${NESTED_4000}"
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('loop').error).toMatch(/^render stopped: .* in expression '\{% for i in range\(1,4000\)/);
    const { startDate, endDate } = r.execution;
    expect(Date.parse(endDate!) - Date.parse(startDate)).toBeLessThan(2000);
  });

  it('stops at a task timeout shorter than the render limit, naming it', async () => {
    const r = await fx.run(`
id: nested-range-short
namespace: test
tasks:
  - id: loop
    type: log
    timeout: PT0.1S
    message: "${NESTED_4000_HASHING}"
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('loop').error).toMatch(/^render stopped: task timed out after PT0\.1S in expression/);
  });

  it("stops at the flow's timeout inside a flowable", async () => {
    const r = await fx.run(`
id: nested-range-flow
namespace: test
timeout: PT0.1S
tasks:
  - id: group
    type: sequential
    tasks:
      - id: loop
        type: log
        message: "${NESTED_4000_HASHING}"
`);
    expect(r.execution.state).toBe('FAILED');
    expect(r.run('loop').error).toMatch(/^render stopped: flow timed out after PT0\.1S in expression/);
  });
});

describe('a flow that keeps the engine busy', () => {
  it('is killed while it runs: the kill comes through between its tasks', async () => {
    // Each task's template takes tens of milliseconds; 300 of them take far longer than the test.
    const record = fx.flow(`
id: busy
namespace: test
tasks:
  - id: each
    type: foreach
    values: "{{ range(1, 300) }}"
    tasks:
      - id: work
        type: log
        message: "{% for i in range(1, 20000) %}{% endfor %}done"
`);
    const ended: TaskRun[] = [];
    fx.engine.on({
      taskRun: (tr) => {
        if (tr.taskId === 'work' && tr.state === 'SUCCESS') ended.push(tr);
      },
    });
    const e = await fx.engine.start(record);
    // Polled with timers: it gets a turn only when the engine gives the event loop one.
    await until(() => ended.length >= 3, 'three tasks have run', 60_000);
    const killedAt = Date.now();
    fx.engine.kill(e.id);
    const end = await fx.engine.wait(e.id);
    expect(end.state).toBe('KILLED');
    expect(Date.now() - killedAt).toBeLessThan(2000);
    expect(ended.length).toBeLessThan(300);
  });
});
