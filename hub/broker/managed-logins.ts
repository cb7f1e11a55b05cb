/**
 * Agent logins and topic rights kept in Mosquitto's dynamic-security plugin by the hub: a client and a
 * role per agent, created at registration, re-keyed when the token changes, deleted at decommission
 * (Mosquitto then ends its sessions), and reconciled with the database whenever the admin link connects.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../../protocol/logger.js';
import { allAgents } from '../fleet/listing.js';
import { metric } from '../fleet/metrics.js';
import type { SecretCipher } from '../secrets/cipher.js';
import type { HubStorage } from '../store/types.js';
import { type AgentGrants, agentGrants, bridgeGrants, hubGrants } from './access.js';
import type { DynsecCommand, DynsecCommands, DynsecResponse } from './dynsec.js';

/** The role of the hub's own login, and of the Kafka bridge's (shared data only). */
export const HUB_ROLE = 'tern-hub';
export const BRIDGE_ROLE = 'tern-hub-bridge';

/** The role holding one agent's topic rights. */
export const agentRole = (agentId: string): string => `tern-agent-${agentId}`;

/** Additional data of a waiting password's ciphertext: no secret namespace starts with `$`. */
const CIPHER_NAMESPACE = '$broker-login';

/** A username and password on the broker. */
export interface BrokerLogin {
  username: string;
  password: string;
}

export interface ManagedLoginsOptions {
  commands: DynsecCommands;
  storage: Pick<HubStorage, 'agents' | 'brokerLogins'>;
  /** The shared data prefix (normalised), which every agent may use. */
  sharedPrefix: string;
  /** The hub's own logins, created with their role when missing: its fleet session's, and the bridge's. */
  hubLogins: { hub?: BrokerLogin; bridge?: BrokerLogin };
  /** Encrypts the tokens that wait for the broker, when the hub has a secret key. */
  cipher?: SecretCipher;
  metrics: Registry;
  logger: Logger;
  /** How long after a failure everything is reconciled again; default 5 s. */
  retryMs?: number;
}

/**
 * Keeps the broker's logins in step with the hub's agents. A change is first recorded (a token waits in
 * `broker_logins_pending` until the broker has it), then sent; a failure is logged with the agent's id,
 * counted, and tried again by a full reconcile a few seconds later. Every command is idempotent, so
 * replicas reconciling at the same time agree.
 *
 * @example
 * const logins = new ManagedBrokerLogins({ commands: session, storage, sharedPrefix, hubLogins, metrics, logger });
 * await logins.agentRegistered('gw-01', token);
 */
export class ManagedBrokerLogins {
  private readonly log: Logger;
  private readonly lanes = new Map<string, Promise<void>>();
  /** Agents whose last change this replica could not confirm with the broker. */
  private readonly unconfirmed = new Set<string>();
  private readonly failures: Counter<'operation'>;
  private readonly missing: Gauge;
  private retryTimer: NodeJS.Timeout | undefined;
  private reconciling: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: ManagedLoginsOptions) {
    this.log = options.logger.child({ component: 'broker-logins' });
    const registers = [options.metrics];
    this.failures = metric(
      options.metrics,
      'tern_broker_login_failures_total',
      () =>
        new Counter({
          name: 'tern_broker_login_failures_total',
          help: 'Changes to agent logins on the managed broker that failed (tried again at the next reconcile)',
          labelNames: ['operation'],
          registers,
        }),
    );
    const unconfirmed = this.unconfirmed;
    metric(
      options.metrics,
      'tern_broker_logins_unconfirmed',
      () =>
        new Gauge({
          name: 'tern_broker_logins_unconfirmed',
          help: 'Agents whose login change the managed broker has not confirmed yet (this replica)',
          registers,
          collect() {
            this.set(unconfirmed.size);
          },
        }),
    );
    this.missing = metric(
      options.metrics,
      'tern_broker_logins_missing',
      () =>
        new Gauge({
          name: 'tern_broker_logins_missing',
          help: 'Live agents without a login on the managed broker whose token the hub no longer knows (register them again)',
          registers,
        }),
    );
  }

  /**
   * A new token for the agent (registered, registered again, or rotated): the broker takes it as its
   * password, and Mosquitto ends the sessions logged in with the old one.
   */
  async agentRegistered(agentId: string, token: string): Promise<void> {
    const stored = this.options.cipher?.encrypt(CIPHER_NAMESPACE, agentId, token) ?? token;
    await this.options.storage.brokerLogins.put(agentId, stored);
    await this.lane(agentId, () => this.applyPassword(agentId, stored));
  }

  /** The agent is decommissioned: its login goes, and Mosquitto ends its sessions at once. */
  async agentDecommissioned(agentId: string): Promise<void> {
    await this.options.storage.brokerLogins.drop(agentId);
    await this.lane(agentId, () => this.removeLogin(agentId));
  }

  /**
   * Brings the broker in line with the database: the hub's role and logins exist, every token waiting
   * is given, every decommissioned agent's login is gone. A live agent without a login whose token is
   * not waiting cannot be given one (the hub keeps only the token's hash): it is logged and counted.
   * Runs once at a time; a call during a run waits for it.
   */
  reconcile(): Promise<void> {
    this.reconciling ??= this.reconcileOnce().finally(() => {
      this.reconciling = undefined;
    });
    return this.reconciling;
  }

  /** Stops retrying and waits for the changes under way. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    await Promise.all([...this.lanes.values(), this.reconciling]);
  }

  private async reconcileOnce(): Promise<void> {
    try {
      await this.ensureHubLogins();
      const present = new Set(await this.clients());
      const waiting = new Map((await this.options.storage.brokerLogins.list()).map((r) => [r.agentId, r]));
      let missing = 0;
      for await (const agent of allAgents(this.options.storage)) {
        const pending = waiting.get(agent.id);
        waiting.delete(agent.id);
        if (agent.decommissioned) {
          if (pending) await this.options.storage.brokerLogins.drop(agent.id);
          if (present.has(agent.id)) await this.lane(agent.id, () => this.removeLogin(agent.id));
        } else if (pending) {
          await this.lane(agent.id, () => this.applyPassword(agent.id, pending.password));
        } else if (!present.has(agent.id)) {
          // Registered since the list was read: its own call gives the token.
          if (await this.options.storage.brokerLogins.get(agent.id)) continue;
          missing++;
          this.log.error(
            { agentId: agent.id },
            'the agent has no login on the broker, and its token is known only to the agent: decommission and register it again',
          );
        }
      }
      // Tokens of agents deleted from the database meanwhile: nothing to give them to.
      for (const id of waiting.keys()) await this.options.storage.brokerLogins.drop(id);
      this.missing.set(missing);
      this.log.info({ clients: present.size, missing }, 'broker logins reconciled');
    } catch (err) {
      this.failed('reconcile', undefined, err);
    }
  }

  /**
   * The role, then the client with the token as its password, whether or not it existed (or was disabled).
   * Read again first and after: a replica may have given a newer token, or decommissioned the agent, since
   * this one listed what waits.
   */
  private async applyPassword(agentId: string, stored: string): Promise<void> {
    try {
      if ((await this.options.storage.brokerLogins.get(agentId))?.password !== stored) return;
      const password = this.reveal(agentId, stored);
      const rolename = agentRole(agentId);
      const answers = await this.run(
        [
          ...roleCommands(rolename, agentGrants(agentId, this.options.sharedPrefix)),
          { command: 'createClient', username: agentId, password, roles: [{ rolename }] },
        ],
        ALREADY,
      );
      if (answers.at(-1)?.error !== undefined) await this.updateClient(agentId, password, rolename);
      await this.options.storage.brokerLogins.done(agentId, stored);
      this.confirmed(agentId);
      if ((await this.options.storage.agents.get(agentId))?.decommissioned) await this.removeLogin(agentId);
    } catch (err) {
      this.failed('password', agentId, err);
    }
  }

  /** An existing client (a new token, or a reconcile after an answer lost): password, role, enabled. */
  private async updateClient(username: string, password: string, rolename: string): Promise<void> {
    const roles = await this.roles(username);
    await this.run(
      [
        { command: 'setClientPassword', username, password },
        // Mosquitto 2.0 answers "Internal error" to a role the client already has.
        ...(roles.includes(rolename) ? [] : [{ command: 'addClientRole', username, rolename }]),
        { command: 'enableClient', username },
      ],
      undefined,
    );
  }

  private async roles(username: string): Promise<string[]> {
    const [answer] = await this.run([{ command: 'getClient', username }], undefined);
    const roles = (answer?.data as { client?: { roles?: Array<{ rolename?: unknown }> } } | undefined)?.client
      ?.roles;
    return (roles ?? []).flatMap((r) => (typeof r.rolename === 'string' ? [r.rolename] : []));
  }

  private async removeLogin(agentId: string): Promise<void> {
    try {
      await this.run(
        [
          { command: 'deleteClient', username: agentId },
          { command: 'deleteRole', rolename: agentRole(agentId) },
        ],
        NOT_FOUND,
      );
      this.confirmed(agentId);
    } catch (err) {
      this.failed('delete', agentId, err);
    }
  }

  /** The hub's roles, and its logins with them; an existing login keeps its password (resetting it would end its session). */
  private async ensureHubLogins(): Promise<void> {
    const { hub, bridge } = this.options.hubLogins;
    const prefix = this.options.sharedPrefix;
    const create = (login: BrokerLogin, rolename: string): DynsecCommand => ({
      command: 'createClient',
      ...login,
      roles: [{ rolename }],
    });
    await this.run(
      [
        ...roleCommands(HUB_ROLE, hubGrants(prefix)),
        ...roleCommands(BRIDGE_ROLE, bridgeGrants(prefix)),
        ...(hub ? [create(hub, HUB_ROLE)] : []),
        ...(bridge ? [create(bridge, BRIDGE_ROLE)] : []),
      ],
      ALREADY,
    );
  }

  private async clients(): Promise<string[]> {
    const [answer] = await this.run([{ command: 'listClients', verbose: false, count: -1 }], undefined);
    const clients = (answer?.data as { clients?: unknown } | undefined)?.clients;
    if (!Array.isArray(clients)) throw new Error('listClients answered without a list of clients');
    return clients.filter((c): c is string => typeof c === 'string');
  }

  /** Sends the commands; throws with the first error that `benign` does not accept. */
  private async run(commands: DynsecCommand[], benign: RegExp | undefined): Promise<DynsecResponse[]> {
    const answers = await this.options.commands.send(commands);
    const refused = answers.find((a) => a.error !== undefined && !benign?.test(a.error));
    if (refused) throw new Error(`${refused.command}: ${refused.error}`);
    return answers;
  }

  private reveal(agentId: string, stored: string): string {
    if (!stored.startsWith('v1:')) return stored;
    if (!this.options.cipher)
      throw new Error('the waiting token is encrypted, and the hub has no secret key (TERN_SECRET_KEY)');
    return this.options.cipher.decrypt(CIPHER_NAMESPACE, agentId, stored);
  }

  private confirmed(agentId: string): void {
    this.unconfirmed.delete(agentId);
  }

  private failed(operation: string, agentId: string | undefined, err: unknown): void {
    if (agentId !== undefined) this.unconfirmed.add(agentId);
    this.failures.inc({ operation });
    this.log.error(
      { agentId, operation, err: err instanceof Error ? err.message : String(err) },
      'broker login change failed; tried again at the next reconcile',
    );
    this.retrySoon();
  }

  private retrySoon(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.reconcile();
    }, this.options.retryMs ?? 5000);
    this.retryTimer.unref();
  }

  /** Runs `task` after everything queued for the agent: a rotation cannot overtake a registration. */
  private lane(agentId: string, task: () => Promise<void>): Promise<void> {
    const next = (this.lanes.get(agentId) ?? Promise.resolve()).then(task).finally(() => {
      if (this.lanes.get(agentId) === next) this.lanes.delete(agentId);
    });
    this.lanes.set(agentId, next);
    return next;
  }
}

/** Errors that mean the thing is already as wanted. */
const ALREADY = /already/i;
const NOT_FOUND = /not found/i;

/** Creates the role and adds its rights; both are no-ops when they exist. */
function roleCommands(rolename: string, grants: AgentGrants): DynsecCommand[] {
  const acl = (acltype: string, topic: string): DynsecCommand => ({
    command: 'addRoleACL',
    rolename,
    acltype,
    topic,
    priority: 0,
    allow: true,
  });
  return [
    { command: 'createRole', rolename },
    ...grants.publish.map((topic) => acl('publishClientSend', topic)),
    ...grants.subscribe.map((topic) => acl('subscribePattern', topic)),
  ];
}
