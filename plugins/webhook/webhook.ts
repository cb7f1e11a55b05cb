/** `webhook`: starts the flow on an HTTP call to its webhook route, on the hub or on an agent; the key in the URL is the secret. */
import { Type as T } from '@sinclair/typebox';
import { defineTrigger, type PropertyProblem } from '../../protocol/plugin.js';

/**
 * Shortest webhook key taken: the key is the webhook's only secret, and the
 * route is public. Checked when a flow is saved; a stored flow with a shorter
 * key still loads, but its webhook answers 404 (see `runtime/triggers/webhooks.ts`).
 */
export const MIN_WEBHOOK_KEY_LENGTH = 16;

const isTemplate = (text: string): boolean => text.includes('{{') || text.includes('{%');

interface Props {
  key: string;
  wait?: boolean;
  returnOutputs?: boolean;
}

export default defineTrigger({
  type: 'webhook',
  aliases: ['io.kestra.plugin.core.trigger.Webhook', 'io.kestra.core.models.triggers.types.Webhook'],
  title: 'Webhook',
  description:
    'Starts the flow on GET, POST or PUT /api/v1/executions/webhook/{namespace}/{flowId}/{key}: on the hub, or on the agent running the flow when it serves HTTP (`tern agent --http-port`). The execution sees `trigger.method`, `trigger.body` (parsed when JSON), `trigger.headers` and `trigger.query` (also as `trigger.parameters`). The answer is 200 with the execution, 204 when a condition does not hold, 404 for a wrong key, 422 for inputs that do not fit, 503 when an agent takes no new execution. With `wait`, the answer comes when the execution ends; with `returnOutputs`, it is the flow outputs.',
  properties: T.Object({
    key: T.String({
      minLength: 1,
      maxLength: 256,
      description: `The secret part of the webhook URL, taken as written (not rendered): at least ${MIN_WEBHOOK_KEY_LENGTH} characters, e.g. from \`openssl rand -hex 16\``,
    }),
    wait: T.Optional(
      T.Boolean({ description: 'Answer once the execution has ended, with its final state', default: false }),
    ),
    returnOutputs: T.Optional(
      T.Boolean({ description: "Answer with the flow's outputs (needs `wait`)", default: false }),
    ),
  }),
  variables: T.Object({
    method: T.String(),
    body: T.Unknown(),
    headers: T.Record(T.String(), T.String()),
    query: T.Record(T.String(), T.String()),
    parameters: T.Record(T.String(), T.String(), { description: 'The query, under its Kestra name' }),
  }),
  examples: [
    { title: 'On a delivery', code: '- id: hook\n  type: webhook\n  key: 4b1c0e9a7d2f8e5c' },
    {
      title: 'A synchronous call answered with the outputs',
      code: '- id: lookup\n  type: webhook\n  key: 9f2a71c4e8b03d6a\n  wait: true\n  returnOutputs: true',
    },
  ],
  check(props: Props, { saving }): PropertyProblem[] {
    const problems: PropertyProblem[] = [];
    if (props.returnOutputs && !props.wait)
      problems.push({ path: 'returnOutputs', message: 'returnOutputs needs `wait: true`' });
    if (saving && typeof props.key === 'string') problems.push(...keyProblems(props.key));
    return problems;
  },
  // The HTTP routes (hub and agent) receive the calls and fire through the same path: nothing runs here.
  start: () => ({ stop() {} }),
});

/** Why a key cannot be saved: too short to be a secret, or written as an expression that is never rendered. */
function keyProblems(key: string): PropertyProblem[] {
  if (isTemplate(key))
    return [
      {
        path: 'key',
        message: 'is compared as written and never rendered: write the key itself, not an expression',
      },
    ];
  if (key.length < MIN_WEBHOOK_KEY_LENGTH)
    return [
      {
        path: 'key',
        message: `must be at least ${MIN_WEBHOOK_KEY_LENGTH} characters (got ${key.length}): the key is the webhook's only secret; make a random one with \`openssl rand -hex 16\``,
      },
    ];
  return [];
}
