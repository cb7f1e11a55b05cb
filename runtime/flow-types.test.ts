/** namedTypes: the plugin types flow sources name, at any depth, for a lazy registry to load. */
import { describe, expect, it } from 'vitest';
import { namedTypes } from './flow-types.js';

describe('namedTypes', () => {
  it('finds the types of tasks under flowables, of triggers and of inputs, in every source', () => {
    const flow = `id: f
namespace: n
inputs:
  - id: limit
    type: FLOAT
triggers:
  - id: t
    type: schedule
tasks:
  - id: check
    type: if
    condition: "{{ true }}"
    then:
      - id: say
        type: io.kestra.plugin.core.log.Log
        message: hi
`;
    expect(namedTypes([flow, 'id: g\ntasks:\n  - id: x\n    type: shell\n'])).toEqual(
      new Set(['FLOAT', 'schedule', 'if', 'io.kestra.plugin.core.log.Log', 'shell']),
    );
  });

  it('names nothing for a source that is not YAML, leaving the error to its parse', () => {
    expect(namedTypes(['id: broken\ntasks: [\n'])).toEqual(new Set());
  });
});
