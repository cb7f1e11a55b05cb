/**
 * Webhook calls, on the hub and on an agent alike: the flow's webhook trigger
 * with the key in the URL starts an execution through the same `fire` as
 * every other trigger (conditions, inputs, labels, refusal), and the reply
 * follows Kestra's: 200 with the execution (or, with `wait`, the ended one,
 * or with `returnOutputs` its outputs), 204 when a condition does not hold,
 * 404 for an unknown flow or key, 422 for inputs that do not fit. A key
 * shorter than the minimum (a flow stored before there was one) is a 404
 * too, with a warning saying why. Headers that carry credentials never reach
 * the trigger (webhook-headers.ts).
 */
import { timingSafeEqual } from 'node:crypto';
import { MIN_WEBHOOK_KEY_LENGTH } from '../../plugins/webhook/webhook.js';
import type { Trigger } from '../../protocol/flow.js';
import type { Logger } from '../../protocol/logger.js';
import type { Engine } from '../engine/engine.js';
import type { FlowRecord } from '../engine/ports.js';
import type { TriggerStateStore } from './ports.js';
import { TriggerQueue } from './queue.js';
import type { TriggerRuntime } from './runtime.js';
import { RuntimeTriggerContext } from './trigger-context.js';
import { withoutCredentials } from './webhook-headers.js';

/** The HTTP request, as the trigger sees it. */
export interface WebhookCall {
  method: string;
  /** Parsed JSON when the body is JSON, the text otherwise, null when empty. */
  body: unknown;
  headers: Record<string, string>;
  query: Record<string, string>;
}

/** The HTTP answer: a status and a JSON body (none for 204). */
export type WebhookReply =
  | { status: 200; body: unknown }
  | { status: 204 }
  | { status: 404 | 422 | 500 | 503; error: { code: string; message: string; details?: unknown } };

export interface WebhookOptions {
  engine: Engine;
  /** The flow named in the URL, if this runtime runs it. */
  record: FlowRecord | undefined;
  key: string;
  call: WebhookCall;
  /** Why no execution may start now (an agent's full outbox), or undefined. */
  refusal?: () => string | undefined;
  /** The runtime that runs the flow's triggers: the call counts in its trigger's status and queue. */
  triggers?: TriggerRuntime;
  logger: Logger;
}

const NO_SUCH_WEBHOOK: WebhookReply = {
  status: 404,
  error: { code: 'NOT_FOUND', message: 'no such webhook' },
};

/** A webhook's state is nothing: a store that keeps none. */
const stateless: TriggerStateStore = { load: () => new Map(), save() {}, clear() {} };

/**
 * Answers one webhook call.
 *
 * @example
 * const reply = await answerWebhook({ engine, record, key, call, logger });
 * return reply.status === 204 ? c.body(null, 204) : c.json(…, reply.status);
 */
export async function answerWebhook(options: WebhookOptions): Promise<WebhookReply> {
  const { engine, record, key, call } = options;
  const trigger = record && !record.flow.disabled ? webhookTrigger(engine, record, key) : undefined;
  if (!record || !trigger) return NO_SUCH_WEBHOOK;
  if (key.length < MIN_WEBHOOK_KEY_LENGTH) {
    // A flow stored before keys had a minimum length: it loads, but its webhook is not served.
    options.logger.warn(
      { namespace: record.flow.namespace, flowId: record.flow.id, triggerId: trigger.id },
      `webhook call refused: the trigger's key is shorter than ${MIN_WEBHOOK_KEY_LENGTH} characters; save the flow with a longer key`,
    );
    return NO_SUCH_WEBHOOK;
  }
  const running = options.triggers?.context(record, trigger.id);
  const ctx =
    running ??
    new RuntimeTriggerContext({
      engine,
      record,
      trigger,
      scope: { namespace: record.flow.namespace, flowId: record.flow.id, triggerId: trigger.id },
      loaded: new Map(),
      store: stateless,
      logger: options.logger.child({
        namespace: record.flow.namespace,
        flowId: record.flow.id,
        triggerId: trigger.id,
      }),
      signal: new AbortController().signal,
      refusal: options.refusal ?? (() => undefined),
      queue: options.triggers?.queue ?? new TriggerQueue(),
      changed: () => {},
    });
  const outcome = await ctx.tryFire({
    id: trigger.id,
    type: trigger.type,
    method: call.method,
    body: call.body,
    // Credentials would be stored with the execution, shown and synced: the URL's key authenticates the call.
    headers: withoutCredentials(call.headers),
    query: call.query,
    parameters: call.query,
  });
  switch (outcome.kind) {
    case 'STARTED': {
      const { wait, returnOutputs } = trigger as { wait?: boolean; returnOutputs?: boolean };
      if (!wait && !returnOutputs) return { status: 200, body: outcome.fired.execution };
      const ended = await outcome.fired.ended();
      return { status: 200, body: returnOutputs ? ended.outputs : ended };
    }
    case 'SKIPPED':
    case 'DUPLICATE':
      return { status: 204 };
    case 'REFUSED':
      return { status: 503, error: { code: 'UNAVAILABLE', message: outcome.reason } };
    case 'INVALID':
      return {
        status: 422,
        error: { code: 'INVALID_INPUT', message: outcome.reason, details: outcome.details },
      };
    case 'FAILED':
      return { status: 500, error: { code: 'INTERNAL', message: 'the execution could not be started' } };
  }
}

/** The flow's enabled webhook trigger whose key is `key` (compared in constant time). */
function webhookTrigger(engine: Engine, record: FlowRecord, key: string): Trigger | undefined {
  const wanted = Buffer.from(key);
  return (record.flow.triggers ?? []).find((t) => {
    if (t.disabled || engine.registry.trigger(t.type)?.type !== 'webhook') return false;
    const own = Buffer.from(String((t as { key?: unknown }).key ?? ''));
    return own.length === wanted.length && timingSafeEqual(own, wanted);
  });
}
