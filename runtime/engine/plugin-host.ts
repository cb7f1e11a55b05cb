/** The runtime side of `PluginHost`: shared resources with one owner that closes them, and default endpoints. */
import type { Execution } from '../../protocol/execution.js';
import type { MqttEndpoint, PluginHost, SharedResource, TriggerSwitch } from '../../protocol/plugin.js';

/**
 * Holds what plugins share across executions and triggers for the life of a
 * runtime (agent, hub, `tern run`); the runtime closes it when it stops.
 *
 * @example
 * const host = new RuntimeHost({ mqtt: { url: 'mqtt://127.0.0.1:1883' } });
 * const engine = new Engine({ store, registry, flows, host });
 * // …
 * await host.close();
 */
export class RuntimeHost implements PluginHost {
  mqtt: MqttEndpoint | undefined;
  /** Set by the hub once its API services exist. */
  triggers: TriggerSwitch | undefined;
  private readonly resources = new Map<string, SharedResource>();
  private readonly endListeners = new Set<(execution: Execution) => void>();
  private closed = false;

  constructor(options: { mqtt?: MqttEndpoint; triggers?: TriggerSwitch } = {}) {
    this.mqtt = options.mqtt;
    this.triggers = options.triggers;
  }

  shared<R extends SharedResource>(key: string, create: () => R): R {
    if (this.closed) throw new Error(`the runtime is stopping: '${key}' is no longer available`);
    let resource = this.resources.get(key);
    if (!resource) {
      resource = create();
      this.resources.set(key, resource);
    }
    return resource as R;
  }

  onExecutionEndOrPause(listener: (execution: Execution) => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  /**
   * Tells the plugins listening that an execution ended or paused: the engine
   * calls it for its own; the hub also for those its agents report. A listener that
   * throws is skipped. Listeners get a copy: the engine keeps changing its own.
   */
  executionEndedOrPaused(execution: Execution): void {
    if (this.endListeners.size === 0) return;
    const copy = structuredClone(execution);
    for (const listener of this.endListeners) {
      try {
        listener(copy);
      } catch {
        // A listener's failure is its own.
      }
    }
  }

  /** Closes every shared resource (errors are passed to `onError`); later `shared` calls throw. */
  async close(onError: (key: string, err: unknown) => void = () => {}): Promise<void> {
    this.closed = true;
    const entries = [...this.resources.entries()];
    this.resources.clear();
    await Promise.all(
      entries.map(async ([key, resource]) => {
        try {
          await resource.close();
        } catch (err) {
          onError(key, err);
        }
      }),
    );
  }
}
