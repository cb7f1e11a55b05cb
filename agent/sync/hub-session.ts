/** The agent's hub session: the sync client wired to hello, status, desired flows and commands. */
import type { Logger } from '../../protocol/logger.js';
import type { TriggerRuntime } from '../../runtime/triggers/runtime.js';
import type { TlsClientOptions } from '../hub-trust.js';
import type { AgentUpdater } from '../update/updater.js';
import type { CommandHandler } from './commands.js';
import type { DesiredState } from './desired-state.js';
import type { FootprintMeter } from './footprint.js';
import { type HelloSources, helloMessage } from './hello.js';
import type { HubKeys } from './hub-keys.js';
import { type LoadTracker, statusReport } from './status.js';
import { SyncClient, type SyncClientOptions } from './sync-client.js';

/** What the session reads from and hands to the rest of the agent. */
export interface HubSessionParts extends Omit<HelloSources, 'generation'> {
  url: string;
  tls: TlsClientOptions | undefined;
  token: string | undefined;
  tuning: SyncClientOptions['tuning'];
  logger: Logger;
  desired: DesiredState;
  commands: CommandHandler;
  hubKeys: HubKeys;
  load: LoadTracker;
  triggers: TriggerRuntime;
  footprint: FootprintMeter;
  /** Makes the store's pending writes durable, so a command taken is never taken twice. */
  flush(): Promise<void>;
  /** Loads the plugin modules of the types these flow sources name, before a desired state is applied. */
  loadPlugins(sources: readonly string[]): Promise<void>;
  /** Takes the agent version the hub names, when the agent runs under the launcher. */
  updater: AgentUpdater | undefined;
}

/** Starts the session: hello on each connect, status now and then, desired flows and commands in. */
export function startHubSession(p: HubSessionParts): SyncClient {
  const log = p.logger.child({ component: 'agent', agentId: p.agentId });
  let applying = Promise.resolve();
  const sync: SyncClient = new SyncClient({
    url: p.url,
    tls: p.tls,
    agentId: p.agentId,
    token: p.token,
    tuning: p.tuning,
    outbox: p.outbox,
    logger: p.logger,
    hello: () => helloMessage({ ...p, generation: () => p.desired.generation }),
    status: () => {
      const update = p.updater?.status();
      return { ...statusReport(p), ...(update && { update }) };
    },
    onDesired: (message) => {
      // One at a time, in the order received: each waits for its flows' plugin modules to load.
      applying = applying
        .then(() => p.loadPlugins(message.flows.map((f) => f.source)))
        .then(() => {
          sync.publishReported(p.desired.apply(message));
          // Connected and in sync: a new version of the agent on trial has proven itself.
          p.updater?.confirm();
          if (p.updater) p.updater.want(message.agent);
          else if (message.agent && message.agent.version !== p.version)
            log.warn(
              { version: message.agent.version, running: p.version },
              'the hub asks for another agent version; this agent updates only when run by the launcher (--install-dir)',
            );
          // Start-up ends with the first flows applied: the hub hears how long it took at once.
          if (p.footprint.ready()) sync.publishStatus();
        })
        .catch((err) => log.error({ err: (err as Error).message }, 'desired state not applied'));
    },
    hubKeys: p.hubKeys,
    onCommand: async (command) => {
      const taken = await p.commands.handle(command);
      if (taken) await p.flush();
      return taken;
    },
  });
  sync.start();
  return sync;
}
