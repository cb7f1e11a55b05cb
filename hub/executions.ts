/**
 * Executions of hub flows (`runsOn: hub`) on the shared engine, with the
 * hub's PostgreSQL storage behind it: the `HubExecutions` the API uses.
 */

import type { Registry } from '../plugins/registry.js';
import { TernError } from '../protocol/errors.js';
import type { Execution } from '../protocol/execution.js';
import type { Flow } from '../protocol/flow.js';
import { type Logger, silentLogger } from '../protocol/logger.js';
import type { Engine } from '../runtime/engine/engine.js';
import type { FlowRecord, FlowSource } from '../runtime/engine/ports.js';
import type { Renderer } from '../runtime/expr/index.js';
import { parseFlow } from '../runtime/flow-loader.js';
import type { TriggerRuntime } from '../runtime/triggers/runtime.js';
import { answerWebhook } from '../runtime/triggers/webhooks.js';
import type { ExecutionListener, HubExecutions, StartRequest, WebhookRequest } from './api/services.js';
import type { FlowRepository } from './store/types.js';

/** True for a flow the hub runs itself (no `runsOn`, or `runsOn: hub`). */
export function runsOnHub(flow: Flow): boolean {
  return flow.runsOn === undefined || flow.runsOn === 'hub';
}

/**
 * Flows for the engine, read from the repository. Old revisions (needed to
 * resume or restart executions) are parsed once and kept.
 */
export class RepositoryFlowSource implements FlowSource {
  private readonly revisions = new Map<string, FlowRecord>();

  constructor(
    private readonly flows: FlowRepository,
    private readonly registry: Registry,
  ) {}

  async getFlow(namespace: string, id: string, revision?: number): Promise<FlowRecord | undefined> {
    const latest = await this.flows.get(namespace, id);
    if (latest && (revision === undefined || latest.revision === revision)) {
      return { flow: latest.flow, revision: latest.revision };
    }
    if (revision === undefined) return undefined;
    const key = `${namespace}/${id}/${revision}`;
    const cached = this.revisions.get(key);
    if (cached) return cached;
    const row = await this.flows.getRevision(namespace, id, revision);
    if (!row || row.deleted) return undefined;
    const parsed = parseFlow(row.source, this.registry);
    if (!parsed.flow) return undefined;
    const record = { flow: parsed.flow, revision };
    this.revisions.set(key, record);
    return record;
  }
}

export interface HubExecutionsOptions {
  engine: Engine;
  flows: FlowRepository;
  source: FlowSource;
  renderer: Renderer;
  /** Where webhook triggers log why an event started nothing. */
  logger?: Logger;
  /** The hub's trigger runtime: webhook calls count in their trigger's status and queue. */
  triggers?: TriggerRuntime;
}

export function createHubExecutions(options: HubExecutionsOptions): HubExecutions {
  const { engine, flows, source } = options;
  const followers = new Map<string, Set<ExecutionListener>>();
  engine.on({
    execution(e) {
      for (const l of followers.get(e.id) ?? []) l.execution?.(e);
    },
    taskRun(tr) {
      for (const l of followers.get(tr.executionId) ?? []) l.taskRun?.(tr);
    },
    log(line) {
      for (const l of followers.get(line.executionId) ?? []) l.log?.(line);
    },
  });

  async function hubFlow(namespace: string, flowId: string): Promise<FlowRecord> {
    const record = await source.getFlow(namespace, flowId);
    if (!record) throw new TernError('NOT_FOUND', `flow ${namespace}.${flowId} not found`);
    if (!runsOnHub(record.flow)) {
      throw new TernError('CONFLICT', `flow ${namespace}.${flowId} runs on agents, not on the hub`);
    }
    return record;
  }

  return {
    async start(namespace: string, flowId: string, request: StartRequest): Promise<Execution> {
      const record = await hubFlow(namespace, flowId);
      return engine.start(record, {
        inputs: request.inputs,
        labels: request.labels,
        trigger: request.trigger ?? null,
      });
    },
    wait: (id) => engine.wait(id),
    async kill(id) {
      return engine.kill(id);
    },
    async resume(id, inputs) {
      return engine.resume(id, inputs);
    },
    async review(id, request) {
      return engine.review(id, request);
    },
    restart: (id) => engine.restart(id),
    replay: (id, fromTaskId) => engine.replay(id, fromTaskId),
    follow(id, listener) {
      let set = followers.get(id);
      if (!set) {
        set = new Set();
        followers.set(id, set);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
        if (set.size === 0) followers.delete(id);
      };
    },
    async webhook(namespace: string, flowId: string, key: string, request: WebhookRequest) {
      const row = await flows.get(namespace, flowId);
      const live = row && !row.deleted && runsOnHub(row.flow);
      return answerWebhook({
        engine,
        record: live ? { flow: row.flow, revision: row.revision } : undefined,
        key,
        call: request,
        triggers: options.triggers,
        logger: (options.logger ?? silentLogger).child({ component: 'webhooks' }),
      });
    },
  };
}
