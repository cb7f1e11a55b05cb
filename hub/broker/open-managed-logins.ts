/** Wires the managed logins of `--broker-admin`: the admin link to Mosquitto, the reconciles it triggers, and their shutdown. */
import type { Registry } from 'prom-client';
import type { Logger } from '../../protocol/logger.js';
import type { Closers } from '../../runtime/closers.js';
import type { SecretCipher } from '../secrets/cipher.js';
import type { HubStorage } from '../store/types.js';
import { DynsecSession } from './dynsec.js';
import { type BrokerLogin, ManagedBrokerLogins } from './managed-logins.js';

/** How long the hub's start waits for the broker's admin link before it goes on without it. */
const ADMIN_WAIT_MS = 10_000;

export interface OpenManagedLoginsOptions {
  /** `--broker-admin`: a login with the dynamic-security plugin's admin role. */
  adminUrl: string;
  /** The hub's own broker URL (`--broker`): its login gets the hub's role. */
  hubUrl: string;
  /** The bridge's (`--bridge-broker`): its login gets the shared data only. */
  bridgeUrl?: string;
  /** The shared data prefix, normalised. */
  sharedPrefix: string;
  storage: Pick<HubStorage, 'agents' | 'brokerLogins'>;
  cipher?: SecretCipher;
  metrics: Registry;
  /** Where the admin link and the logins register how they stop. */
  closers: Closers;
  logger: Logger;
}

/**
 * Opens the admin link (in the background) and the logins it keeps; each connection of the link
 * reconciles, at start and whenever the broker is back. `ready` settles after the first reconcile, or
 * after {@link ADMIN_WAIT_MS} without the broker: the hub's own login may be one that reconcile creates.
 */
export function openManagedLogins(options: OpenManagedLoginsOptions): {
  logins: ManagedBrokerLogins;
  ready: Promise<void>;
} {
  let reconciled: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    reconciled = resolve;
    setTimeout(resolve, ADMIN_WAIT_MS).unref();
  });
  const session = DynsecSession.open({
    url: options.adminUrl,
    logger: options.logger,
    onConnect: () => void logins.reconcile().then(reconciled),
  });
  const logins = new ManagedBrokerLogins({
    commands: session,
    storage: options.storage,
    sharedPrefix: options.sharedPrefix,
    hubLogins: { hub: loginOf(options.hubUrl), bridge: loginOf(options.bridgeUrl) },
    ...(options.cipher && { cipher: options.cipher }),
    metrics: options.metrics,
    logger: options.logger,
  });
  options.closers.add('broker admin', () => session.close());
  options.closers.add('broker logins', () => logins.close());
  return { logins, ready };
}

/** The username and password in a broker URL, if it has both. */
function loginOf(url: string | undefined): BrokerLogin | undefined {
  if (!url) return undefined;
  const parsed = new URL(url);
  if (!parsed.username || !parsed.password) return undefined;
  return { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
}
