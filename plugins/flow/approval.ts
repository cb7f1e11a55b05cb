/** `approval`: runs `onWait`, pauses until a reviewer approves or denies (or the `timeout` expires), then runs `onApprove` or `onDeny`. */
import { Type as T } from '@sinclair/typebox';
import { durationMs } from '../../protocol/duration.js';
import { TaskError } from '../../protocol/errors.js';
import { InputSchema } from '../../protocol/flow.js';
import { defineTask, type Review, TaskList, type TaskResult } from '../../protocol/plugin.js';
import { flowableState, isFailure } from '../../protocol/states.js';

const BEHAVIORS = ['CONTINUE', 'WARN', 'FAIL', 'SUCCEED', 'CANCEL', 'KILL'] as const;
type Behavior = (typeof BEHAVIORS)[number];
type Decision = 'APPROVED' | 'DENIED' | 'EXPIRED';

const behavior = (defaultsTo: Behavior, when: string) =>
  T.Optional(
    T.Union(
      BEHAVIORS.map((b) => T.Literal(b)),
      {
        default: defaultsTo,
        description: `What happens ${when}: CONTINUE goes on, WARN ends the task in WARNING, FAIL fails it, SUCCEED ends the execution in SUCCESS, CANCEL cancels the execution (running tasks finish), KILL kills it`,
      },
    ),
  );

export default defineTask({
  type: 'approval',
  aliases: ['io.kestra.plugin.core.flow.Approval'],
  title: 'Approval',
  description:
    'Runs `onWait`, then pauses the execution until a reviewer approves or denies it (API `POST /api/v1/executions/{id}/review`, `tern executions approve|deny`), then runs `onApprove` or `onDeny` and applies `approveBehavior` or `denyBehavior` (a failing branch fails the task whatever the behavior). With a task `timeout` the request expires when it runs out: no branch runs and `expireBehavior` applies. `autoApprove` skips the pause and `onWait`. A plain resume approves. Outputs: `decision` (APPROVED, DENIED, EXPIRED), `auto`, `by`, `on`, `comment`, `inputs`, `due`, `url`.',
  properties: T.Object({
    inputs: T.Optional(T.Array(InputSchema, { description: 'Fields the reviewer fills in, as flow inputs' })),
    decisions: T.Optional(
      T.Object(
        { approve: T.Optional(T.String()), deny: T.Optional(T.String()) },
        { description: 'Names shown for the two decisions (Approve and Deny by default)' },
      ),
    ),
    commentRequired: T.Optional(
      T.Union(
        ['NEVER', 'ALWAYS', 'ON_DENY', 'ON_APPROVE'].map((c) => T.Literal(c)),
        { default: 'NEVER', description: 'When the reviewer must comment' },
      ),
    ),
    autoApprove: T.Optional(
      T.Union([T.Boolean(), T.String()], {
        default: false,
        description:
          'Approve at once, without pause nor `onWait` (outputs `auto: true`); may be an expression',
      }),
    ),
    approveBehavior: behavior('CONTINUE', 'after `onApprove`'),
    denyBehavior: behavior('CANCEL', 'after `onDeny`'),
    expireBehavior: behavior('CANCEL', 'when the request expires without a decision'),
    onWait: T.Optional(
      TaskList({ description: 'Run before the execution pauses; a failure fails the approval' }),
    ),
    onApprove: T.Optional(TaskList({ description: 'Run once approved' })),
    onDeny: T.Optional(TaskList({ description: 'Run once denied' })),
  }),
  children: ['onWait', 'onApprove', 'onDeny'],
  raw: ['inputs'],
  ownsTimeout: true,
  outputs: T.Object({
    decision: T.Optional(T.String({ description: 'APPROVED, DENIED or EXPIRED' })),
    auto: T.Boolean({ description: 'True when approved by `autoApprove`' }),
    by: T.Optional(T.String({ description: 'Who decided, when known' })),
    on: T.Optional(T.String({ description: 'When the decision was made' })),
    comment: T.Optional(T.String({ description: "The reviewer's comment" })),
    inputs: T.Optional(T.Record(T.String(), T.Unknown(), { description: "The reviewer's inputs" })),
    due: T.Optional(T.String({ description: 'When the request expires, from `timeout`' })),
    url: T.String({ description: "The execution's page" }),
  }),
  examples: [
    {
      title: 'Ask before opening the valve',
      code: [
        '- id: approval',
        '  type: io.kestra.plugin.core.flow.Approval',
        '  timeout: PT1H',
        '  commentRequired: ON_DENY',
        '  onWait:',
        '    - { id: ask, type: log, message: "valve change awaits approval" }',
        '  onApprove:',
        '    - { id: open, type: log, message: "opening, approved by {{ outputs.approval.by }}" }',
      ].join('\n'),
    },
  ],
  async run(props, ctx): Promise<TaskResult> {
    const common = props as { timeout?: unknown; allowFailure?: unknown };
    const base = { url: `/ui/executions/${ctx.execution.id}`, auto: false };
    let decision: Decision = 'APPROVED';
    let review: Review | undefined;
    let reviewInputs: Record<string, unknown> | undefined;
    let due = ctx.taskRun.outputs?.due as string | undefined;
    if (props.autoApprove === true || props.autoApprove === 'true') base.auto = true;
    else {
      if (props.onWait?.length && isFailure(await ctx.runTasks(props.onWait)) && common.allowFailure !== true)
        throw new TaskError('an onWait task failed', false, { details: { outputs: base } });
      const timeout = typeof common.timeout === 'string' ? common.timeout : undefined;
      if (timeout && !due) due = new Date(Date.now() + durationMs(timeout, 'timeout')).toISOString();
      ctx.publishOutputs(due ? { ...base, due } : base);
      const outcome = await ctx.pause(due ? Date.parse(due) : undefined);
      review = outcome.review;
      reviewInputs = outcome.inputs;
      decision = outcome.resumed ? (review?.decision ?? 'APPROVED') : 'EXPIRED';
    }
    const outputs: Record<string, unknown> = { ...base, decision };
    if (review?.by !== undefined) outputs.by = review.by;
    if (review) outputs.on = review.on;
    if (review?.comment !== undefined) outputs.comment = review.comment;
    if (reviewInputs && decision !== 'EXPIRED') outputs.inputs = reviewInputs;
    if (due) outputs.due = due;
    ctx.publishOutputs(outputs);
    const branch =
      decision === 'APPROVED' ? props.onApprove : decision === 'DENIED' ? props.onDeny : undefined;
    const branchState = branch?.length ? flowableState(await ctx.runTasks(branch)) : 'SUCCESS';
    if (branchState === 'FAILED') return { state: 'FAILED', outputs };
    const then =
      decision === 'APPROVED'
        ? (props.approveBehavior ?? 'CONTINUE')
        : decision === 'DENIED'
          ? (props.denyBehavior ?? 'CANCEL')
          : (props.expireBehavior ?? 'CANCEL');
    switch (then) {
      case 'CONTINUE':
        return { state: branchState, outputs };
      case 'WARN':
        return { state: 'WARNING', outputs };
      case 'FAIL':
        throw new TaskError(`${decision.toLowerCase()}: the behavior is FAIL`, false, {
          details: { outputs },
        });
      case 'SUCCEED':
        ctx.executions.exit('SUCCESS');
        return { state: 'SUCCESS', outputs };
      case 'CANCEL':
        return { state: 'CANCELLED', outputs };
      case 'KILL':
        ctx.executions.exit('KILLED');
        return { state: 'CANCELLED', outputs };
    }
  },
});
