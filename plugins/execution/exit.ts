/** `execution.exit`: ends the execution early, in a given state (Kestra's execution.Exit). */
import { Type as T } from '@sinclair/typebox';
import { defineTask, type ExitState } from '../../protocol/plugin.js';

/** Kestra's ExitState names, and the execution state each ends in. */
const STATES: Record<string, ExitState> = {
  SUCCESS: 'SUCCESS',
  WARNING: 'WARNING',
  KILLED: 'KILLED',
  FAILED: 'FAILED',
  CANCELED: 'CANCELLED',
};

export default defineTask({
  type: 'execution.exit',
  aliases: ['io.kestra.plugin.core.execution.Exit'],
  title: 'Exit the execution',
  description:
    'Ends the execution in `state` once this task ends: no further task starts (neither `errors` nor ' +
    '`finally`). Tasks already running, in a parallel branch say, run to their end, except with `KILLED`, ' +
    'which kills them as a kill would.',
  properties: T.Object({
    state: T.Optional(
      T.Union(
        Object.keys(STATES).map((s) => T.Literal(s)),
        { default: 'SUCCESS', description: 'The state the execution ends in' },
      ),
    ),
  }),
  examples: [
    {
      title: 'Stop early when there is nothing to do',
      code: [
        '- id: nothing_to_do',
        '  type: io.kestra.plugin.core.flow.If',
        '  condition: "{{ outputs.count.value == 0 }}"',
        '  then:',
        '    - id: exit',
        '      type: io.kestra.plugin.core.execution.Exit',
        '      state: WARNING',
      ].join('\n'),
    },
  ],
  run(props, ctx) {
    const state = STATES[props.state ?? 'SUCCESS'] ?? 'SUCCESS';
    ctx.executions.exit(state);
    ctx.logger.info(`exiting the execution in state ${state}`);
    return { state: state === 'WARNING' || state === 'FAILED' ? state : 'SUCCESS' };
  },
});
