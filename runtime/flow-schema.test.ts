import { Type as T } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { builtinRegistry } from '../plugins/builtin.js';
import { createRegistry } from '../plugins/registry.js';
import { defineTask, TASK_REF } from '../protocol/plugin.js';
import { testTasks, testTriggers } from '../test/fixtures/loader/support.js';
import { createFlowAjv, flowJsonSchema, flowSchemaValidator, TASK_DEFINITION_REF } from './flow-schema.js';

const registry = createRegistry(testTasks, testTriggers);

type Schema = {
  $schema: string;
  definitions: Record<string, { title?: string; description?: string; properties?: Record<string, unknown> }>;
};
const schemaOf = (r = registry) => flowJsonSchema(r) as Schema;

const validFlow = {
  id: 'hello',
  namespace: 'company.team',
  tasks: [
    { id: 'say', type: 'log', message: 'hi', retry: { type: 'constant', interval: 'PT1S', maxAttempts: 3 } },
    {
      id: 'branch',
      type: 'io.kestra.plugin.core.flow.If',
      condition: true,
      // biome-ignore lint/suspicious/noThenProperty: the `if` task's property, as in Kestra
      then: [{ id: 'inner', type: 'shell', commands: ['echo hi'] }],
    },
    { id: 'route', type: 'switch', value: 'a', cases: { a: [{ id: 'in-case', type: 'log', message: 'a' }] } },
  ],
  triggers: [{ id: 'every-minute', type: 'io.kestra.plugin.core.trigger.Schedule', cron: '* * * * *' }],
};

describe('flowJsonSchema', () => {
  it('compiles with ajv in strict mode', () => {
    expect(() => createFlowAjv().compile(schemaOf())).not.toThrow();
  });

  it('is a valid draft-07 schema', () => {
    const ajv = new Ajv({ strict: false });
    expect(ajv.validateSchema(schemaOf()), ajv.errorsText()).toBe(true);
    expect(schemaOf().$schema).toBe('http://json-schema.org/draft-07/schema#');
  });

  it('points nested task lists at the assembled task definition', () => {
    const text = JSON.stringify(schemaOf());
    expect(text).not.toContain(TASK_REF);
    expect(text).toContain(TASK_DEFINITION_REF);
  });

  it('gives every task variant a title and a description for editors', () => {
    for (const def of testTasks) {
      const variant = schemaOf().definitions[`task.${def.type}`];
      expect(variant?.title).toBe(def.title);
      expect(variant?.description).toContain(def.description);
    }
  });

  it('lists every type and alias in the task type enum, each with a description', () => {
    const type = schemaOf().definitions.task?.properties?.type as {
      enum: string[];
      markdownEnumDescriptions: string[];
    };
    expect([...type.enum].sort()).toEqual([...registry.taskTypes()].sort());
    expect(type.markdownEnumDescriptions).toHaveLength(type.enum.length);
  });

  it('accepts a valid flow with nested tasks, aliases and a trigger of any type', () => {
    expect(flowSchemaValidator(registry).check(validFlow)).toEqual([]);
  });

  it('refuses an unknown property of a task nested in a flowable', () => {
    const flow = structuredClone(validFlow);
    (flow.tasks[1]?.then?.[0] as Record<string, unknown>).comands = ['x'];
    expect(flowSchemaValidator(registry).validate(flow)).toBe(false);
  });

  it('validates an aliased task against its plugin’s properties', () => {
    const flow = { ...validFlow, tasks: [{ id: 'x', type: 'io.kestra.plugin.core.log.Log' }] };
    expect(flowSchemaValidator(registry).check(flow)).toEqual([
      { path: ['tasks', 0], message: "missing required property 'message'" },
    ]);
  });

  it('requires an id on every trigger', () => {
    const flow = { ...validFlow, triggers: [{ type: 'schedule', cron: '* * * * *' }] };
    expect(flowSchemaValidator(registry).check(flow)).toEqual([
      { path: ['triggers', 0], message: "missing required property 'id'" },
    ]);
  });

  it('refuses an unknown trigger type and suggests the nearest one', () => {
    const flow = { ...validFlow, triggers: [{ id: 't', type: 'shedule', cron: '* * * * *' }] };
    expect(flowSchemaValidator(registry).check(flow)).toEqual([
      { path: ['triggers', 0, 'type'], message: "unknown trigger type 'shedule' (did you mean 'schedule'?)" },
    ]);
  });

  it('validates a trigger against its plugin’s properties', () => {
    const flow = { ...validFlow, triggers: [{ id: 't', type: 'mqtt', topic: 'a/b', sever: 'mqtt://x' }] };
    expect(flowSchemaValidator(registry).check(flow)).toEqual([
      {
        path: ['triggers', 0],
        key: 'sever',
        message: "unknown property 'sever' (did you mean 'server'?)",
      },
    ]);
  });

  it('accepts expression conditions bare or in Kestra’s form, and refuses other condition types', () => {
    const trigger = (conditions: unknown[]) => ({
      ...validFlow,
      triggers: [{ id: 't', type: 'mqtt', topic: 'a', conditions }],
    });
    const kestra = { type: 'io.kestra.plugin.core.condition.Expression', expression: '{{ true }}' };
    expect(flowSchemaValidator(registry).check(trigger(['{{ trigger.payload > 1 }}', kestra]))).toEqual([]);
    const other = { type: 'io.kestra.plugin.core.condition.DayWeek', dayOfWeek: 'MONDAY' };
    expect(flowSchemaValidator(registry).validate(trigger([other]))).toBe(false);
  });

  it('lists every trigger type and alias in the trigger type enum', () => {
    const type = schemaOf().definitions.trigger?.properties?.type as { enum: string[] };
    expect([...type.enum].sort()).toEqual([...registry.triggerTypes()].sort());
  });

  it('accepts a plugin whose properties are a union of shapes', () => {
    const either = defineTask({
      type: 'either',
      title: 'Either',
      description: 'Takes a path or a url.',
      properties: T.Union([T.Object({ path: T.String() }), T.Object({ url: T.String() })]),
      run: () => undefined,
    });
    const validator = flowSchemaValidator(createRegistry([either]));
    const flow = (task: object) => ({
      ...validFlow,
      tasks: [{ id: 'x', type: 'either', ...task }],
      triggers: [],
    });
    expect(validator.check(flow({ url: 'u' }))).toEqual([]);
    expect(validator.check(flow({ path: 3 }))).toEqual([
      { path: ['tasks', 0, 'path'], message: 'must be a string' },
    ]);
  });

  it('still compiles with no plugins, every task type being unknown', () => {
    const empty = createRegistry([]);
    const issues = flowSchemaValidator(empty).check(validFlow);
    expect(issues.map((i) => i.message)).toContain("unknown type 'log'");
  });
});

describe('flowSchemaValidator', () => {
  it('answers the same once flows have used more sets of types than it keeps validators for', () => {
    const types = builtinRegistry().taskTypes().slice(0, 40);
    const flowOf = (type: string) => ({ id: 'f', namespace: 'n', tasks: [{ id: 't', type }] });
    // Each answer from a validator that has seen nothing else, so from one compiled for that type alone.
    const alone = types.map((type) => flowSchemaValidator(builtinRegistry()).check(flowOf(type)));
    const busy = flowSchemaValidator(builtinRegistry());
    expect(types.map((type) => busy.check(flowOf(type)))).toEqual(alone);
    expect(alone.filter((issues) => issues.length > 0).length).toBeGreaterThan(0);
  });

  it('compiles once per registry', () => {
    expect(flowSchemaValidator(registry)).toBe(flowSchemaValidator(registry));
  });

  it('compiles separately for another registry', () => {
    expect(flowSchemaValidator(createRegistry(testTasks))).not.toBe(flowSchemaValidator(registry));
  });

  it('reports a union of constants as one "must be one of" issue', () => {
    const flow = { ...validFlow, tasks: [{ id: 'x', type: 'log', message: 'm', level: 'DEBUG' }] };
    expect(flowSchemaValidator(registry).check(flow)).toEqual([
      { path: ['tasks', 0, 'level'], message: 'must be one of: INFO, WARN, ERROR' },
    ]);
  });

  it('reports a union of types as one issue naming each type', () => {
    const flow = { ...validFlow, tasks: [{ id: 'x', type: 'log', message: 'm', runIf: 3 }] };
    expect(flowSchemaValidator(registry).check(flow)).toEqual([
      { path: ['tasks', 0, 'runIf'], message: 'must be a string or a boolean (true or false)' },
    ]);
  });

  it('reports the problem inside the alternative that has the right shape', () => {
    const flow = { ...validFlow, runsOn: { labels: { site: 3 } } };
    expect(flowSchemaValidator(registry).check(flow)).toEqual([
      { path: ['runsOn', 'labels', 'site'], message: 'must be a string' },
    ]);
  });

  it('reports an unknown type alone, without the other plugins’ requirements', () => {
    const flow = { ...validFlow, tasks: [{ id: 'x', type: 'lgo', foo: 1 }] };
    expect(flowSchemaValidator(registry).check(flow)).toEqual([
      { path: ['tasks', 0, 'type'], message: "unknown type 'lgo' (did you mean 'log'?)" },
    ]);
  });

  it('names the unknown property’s key and the closest known one', () => {
    const flow = { ...validFlow, tasks: [{ id: 'x', type: 'shell', comands: ['ls'] }] };
    expect(flowSchemaValidator(registry).check(flow)).toContainEqual({
      path: ['tasks', 0],
      key: 'comands',
      message: "unknown property 'comands' (did you mean 'commands'?)",
    });
  });

  it('checks string formats declared by plugins', () => {
    const flow = { ...validFlow, tasks: [{ id: 'x', type: 'http.request', uri: 'not a uri' }] };
    expect(flowSchemaValidator(registry).check(flow)).toEqual([
      { path: ['tasks', 0, 'uri'], message: "must be a valid uri (got 'not a uri')" },
    ]);
  });
});
