/** The agent's hub session: the sync client wired to hello, status, desired flows and commands. */
import type { Logger } from '../../protocol/logger.js';
import type { TriggerRuntime } from '../../runtime/triggers/runtime.js';
import type { TlsClientOptions } from '../hub-trust.js';
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
    status: () => statusReport(p),
    onDesired: (message) => {
      // One at a time, in the order received: each waits for its flows' plugin modules to load.
      applying = applying
        .then(() => p.loadPlugins(message.flows.map((f) => f.source)))
        .then(() => {
          sync.publishReported(p.desired.apply(message));
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
