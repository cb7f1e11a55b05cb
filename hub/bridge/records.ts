/**
 * What the bridge sends for each source: an execution state change, a task
 * run's outputs, an MQTT message. Keys keep one execution (or one MQTT
 * topic) on one partition, so its records stay in order.
 */
import type { Execution, TaskRun } from '../../protocol/execution.js';
import { isTerminal } from '../../protocol/states.js';
import type { Rollout } from '../store/rollout-records.js';
import type { BridgeRecord } from '../store/types.js';
import type { BridgeRoute } from './config.js';

/** Where a task run belongs, which the task run itself does not say. */
export interface ExecutionMeta {
  namespace: string;
  flowId: string;
  agentId: string | null;
}

const inNamespace = (namespace: string, filter: string | undefined) =>
  filter === undefined || namespace === filter || namespace.startsWith(`${filter}.`);

const json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');

/** The execution's record for an `executions` route, or undefined when the filter leaves it out. */
export function executionRecord(route: BridgeRoute, e: Execution): BridgeRecord | undefined {
  if (!inNamespace(e.namespace, route.namespace)) return undefined;
  if (route.flowId !== undefined && e.flowId !== route.flowId) return undefined;
  if (route.states && !route.states.has(e.state)) return undefined;
  const { variables: _variables, stage: _stage, ...execution } = e;
  const headers: Record<string, string> = {
    'tern.source': 'executions',
    'tern.namespace': e.namespace,
    'tern.flowId': e.flowId,
    'tern.state': e.state,
  };
  if (e.agentId) headers['tern.agentId'] = e.agentId;
  return { route: route.name, topic: route.topic, key: Buffer.from(e.id), value: json(execution), headers };
}

/** The task run's record for a `taskOutputs` route: ended task runs with outputs only. */
export function taskOutputsRecord(
  route: BridgeRoute,
  tr: TaskRun,
  meta: ExecutionMeta,
): BridgeRecord | undefined {
  if (!isTerminal(tr.state) || Object.keys(tr.outputs).length === 0) return undefined;
  if (!inNamespace(meta.namespace, route.namespace)) return undefined;
  if (route.flowId !== undefined && meta.flowId !== route.flowId) return undefined;
  if (route.taskId !== undefined && tr.taskId !== route.taskId) return undefined;
  const headers: Record<string, string> = {
    'tern.source': 'taskOutputs',
    'tern.namespace': meta.namespace,
    'tern.flowId': meta.flowId,
    'tern.taskId': tr.taskId,
  };
  if (meta.agentId) headers['tern.agentId'] = meta.agentId;
  return {
    route: route.name,
    topic: route.topic,
    key: Buffer.from(tr.executionId),
    value: json({
      executionId: tr.executionId,
      namespace: meta.namespace,
      flowId: meta.flowId,
      agentId: meta.agentId,
      taskId: tr.taskId,
      taskRunId: tr.id,
      value: tr.value,
      state: tr.state,
      endDate: tr.endDate ?? null,
      outputs: tr.outputs,
    }),
    headers,
  };
}

/** The rollout's record for a `rollouts` route (its status or stage changed), or undefined when filtered out. */
export function rolloutRecord(route: BridgeRoute, r: Rollout): BridgeRecord | undefined {
  // A set rollout goes to the routes of any of its flows.
  const flows = r.flows ?? [r];
  const routed = flows.some(
    (f) =>
      inNamespace(f.namespace, route.namespace) && (route.flowId === undefined || f.flowId === route.flowId),
  );
  if (!routed) return undefined;
  const headers = {
    'tern.source': 'rollouts',
    'tern.namespace': r.namespace,
    'tern.flowId': r.flowId,
    'tern.status': r.status,
  };
  return { route: route.name, topic: route.topic, key: Buffer.from(r.id), value: json(r), headers };
}

/** An MQTT message as it came: the payload's bytes as the value, the MQTT topic as key and header. */
export function mqttRecord(route: BridgeRoute, topic: string, payload: Buffer): BridgeRecord {
  return {
    route: route.name,
    topic: route.topic,
    key: Buffer.from(topic),
    value: payload,
    headers: { 'tern.source': 'mqtt', 'mqtt.topic': topic },
  };
}

/**
 * The last value seen per key, oldest keys forgotten first: an execution is
 * saved at every step, but only its state changes are forwarded, once each.
 */
export class LastSeen {
  private readonly values = new Map<string, string>();

  constructor(private readonly capacity = 50_000) {}

  /** True when `value` differs from the last one seen for `key` (or none was), which it then remembers. */
  changed(key: string, value: string): boolean {
    if (this.values.get(key) === value) return false;
    this.values.delete(key);
    this.values.set(key, value);
    if (this.values.size > this.capacity) {
      const oldest = this.values.keys().next().value;
      if (oldest !== undefined) this.values.delete(oldest);
    }
    return true;
  }
}
