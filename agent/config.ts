/** The agent's options, compiled once: every default and every check lives here. */

import { join } from 'node:path';
import { TernError } from '../protocol/errors.js';
import type { Logger } from '../protocol/logger.js';
import { MAX_MESSAGE_BYTES } from '../protocol/messages.js';
import { isPublicKeyText } from '../protocol/signing.js';
import { isValidAgentId } from '../protocol/topics.js';
import {
  compileLimits,
  LOCAL_BROKER_DEFAULTS,
  type LocalBrokerLimits,
} from '../runtime/broker-guard/limits.js';
import type { ProcessVariables } from '../runtime/engine/process-variables.js';
import { compileRenderLimits, type RenderLimits } from '../runtime/expr/index.js';
import { compileTriggerQueue, type TriggerQueueOptions } from '../runtime/triggers/queue.js';
import { checkHubTrust, type HubTrustOptions } from './hub-trust.js';

/** What the outbox does when a limit is reached. */
export type OutboxPolicy = 'drop-oldest' | 'pause-triggers';
export const OUTBOX_POLICIES: readonly OutboxPolicy[] = ['drop-oldest', 'pause-triggers'];

export interface OutboxLimits {
  maxRows: number;
  maxBytes: number;
  maxAgeMs: number;
  /**
   * `drop-oldest` deletes the oldest unacknowledged records and counts them
   * as dropped; `pause-triggers` keeps everything and refuses to start new
   * executions until the hub has caught up.
   */
  policy: OutboxPolicy;
}

/** Tuning of the MQTT session and of the outbox drain. */
export interface SyncTuning {
  keepaliveSeconds: number;
  connectTimeoutMs: number;
  /** Reconnect backoff: exponential from min to max, with full jitter. */
  reconnectMinMs: number;
  reconnectMaxMs: number;
  batchMaxRecords: number;
  batchMaxBytes: number;
  /** How long new records wait for company before a batch is sent. */
  lingerMs: number;
  /** Events batches sent and not yet acknowledged by the hub, at most. */
  maxInFlight: number;
  /** Without an ack for this long, unacknowledged batches are sent again. */
  ackTimeoutMs: number;
  statusIntervalMs: number;
}

/** The agent's own MQTT broker for local sensors. */
export interface LocalBrokerOptions {
  port: number;
  /** Interface to listen on: loopback unless told otherwise, since it asks for no credentials. */
  host: string;
  /** Packet sizes, connect timeout and caps on connections that have not connected yet. */
  limits: LocalBrokerLimits;
}

/** The agent's HTTP listener, for the webhooks of its flows. */
export interface AgentHttpOptions {
  port: number;
  /** Interface to listen on: loopback unless told otherwise. */
  host: string;
}

/** The local broker's port when `--local-broker` is given without one. */
export const DEFAULT_LOCAL_BROKER_PORT = 1883;

export interface AgentOptions {
  id: string;
  /** mqtt://, mqtts://, ws:// or wss:// URL of the hub's broker; without it the agent runs standalone. */
  hubUrl?: string;
  token?: string;
  /**
   * The hub's public signing key, as registration gave it (`hubKey`): trusted when the agent holds no
   * key yet. Without it the agent trusts the key of the first signed desired state it receives.
   */
  hubKey?: string;
  /** How the hub's certificate is verified on mqtts:// and wss://: a CA file, pins, or (loudly) not at all. */
  tls?: HubTrustOptions;
  labels: Record<string, string>;
  dataDir: string;
  /** Standalone only: flows read from this folder. */
  flowsDir?: string;
  /** Runs a local MQTT broker: the default `server` of this agent's `mqtt` triggers and `mqtt.publish` tasks. */
  localBroker?: LocalBrokerOptions;
  /** Serves the webhook route of the agent's flows. */
  http?: AgentHttpOptions;
  version: string;
  /** Updates of the agent itself, when the launcher runs it (docs/device-install.md, "Updates"). */
  update?: AgentUpdateOptions;
  sync: SyncTuning;
  outbox: OutboxLimits;
  /** The bounded queue between the agent's triggers and its executions. */
  triggerQueue: TriggerQueueOptions;
  /** The work budget of each render of the agent's flows. */
  renderLimits: RenderLimits;
  /** On close, how long running executions may take to end before the store closes under them. */
  closeGraceMs: number;
  /** What `secret('NAME')` reads on this agent (TERN_SECRET_* variables and --secrets-file), by name. */
  secrets: Record<string, string>;
  /** `envs` and `globals` for every execution on the agent. */
  variables?: ProcessVariables;
  logger?: Logger;
}

/** What {@link compileAgentOptions} accepts: the id, and any option to override. */
export type AgentOptionsInput = Partial<
  Omit<AgentOptions, 'sync' | 'outbox' | 'localBroker' | 'http' | 'triggerQueue' | 'renderLimits' | 'update'>
> & {
  update?: { installDir: string; hubApiUrl?: string; confirmWithinMs?: number };
  renderLimits?: Partial<RenderLimits>;
  id: string;
  localBroker?: { port?: number; host?: string; limits?: Readonly<Record<string, unknown>> };
  http?: { port: number; host?: string };
  keepaliveSeconds?: number;
  sync?: Partial<SyncTuning>;
  outbox?: Partial<OutboxLimits>;
  triggerQueue?: Partial<TriggerQueueOptions>;
};

/** Where an agent run by the launcher keeps its versions, and how it updates itself. */
export interface AgentUpdateOptions {
  /** The launcher's folder: `versions/`, `current` and the files they share (agent/update/install-dir.ts). */
  installDir: string;
  /** The hub's HTTP API, where bundles are downloaded from, e.g. https://hub.example.com:8080. */
  hubApiUrl?: string;
  /** How long a new version has to connect and apply its desired state before the previous one is restored. */
  confirmWithinMs: number;
}

/** A new version not connected and in sync after this long is rolled back. */
export const DEFAULT_UPDATE_CONFIRM_MS = 2 * 60_000;

/** The version agents report in `hello` and `status` unless told otherwise. */
export const AGENT_VERSION = '0.1.0';

export const DEFAULT_SYNC: SyncTuning = {
  keepaliveSeconds: 15,
  connectTimeoutMs: 10_000,
  reconnectMinMs: 500,
  reconnectMaxMs: 30_000,
  batchMaxRecords: 500,
  batchMaxBytes: 256 * 1024,
  lingerMs: 5,
  maxInFlight: 4,
  ackTimeoutMs: 30_000,
  statusIntervalMs: 10_000,
};

export const DEFAULT_OUTBOX: OutboxLimits = {
  maxRows: 1_000_000,
  maxBytes: 512 * 1024 * 1024,
  maxAgeMs: 7 * 24 * 3600_000,
  policy: 'drop-oldest',
};

/** Room left in an events message for the record envelopes around the payloads. */
const ENVELOPE_ROOM = 64 * 1024;

/**
 * Fills defaults and checks every value; throws a TernError (BAD_REQUEST)
 * naming the option at fault.
 *
 * @example compileAgentOptions({ id: 'gw-01', hubUrl: 'mqtt://hub:1883', token: 't' })
 */
export function compileAgentOptions(input: AgentOptionsInput): AgentOptions {
  if (!isValidAgentId(input.id ?? '')) {
    bad(
      `id: '${input.id}' is not a valid agent id (letters, digits, '.', '_' and '-', starting with a letter or digit)`,
    );
  }
  const sync: SyncTuning = {
    ...DEFAULT_SYNC,
    ...defined(input.sync),
    ...(input.keepaliveSeconds !== undefined ? { keepaliveSeconds: input.keepaliveSeconds } : {}),
  };
  const outbox: OutboxLimits = { ...DEFAULT_OUTBOX, ...defined(input.outbox) };
  const options: AgentOptions = {
    id: input.id,
    hubUrl: input.hubUrl || undefined,
    token: input.token || undefined,
    hubKey: input.hubKey || undefined,
    tls: hasTrustOptions(input.tls) ? input.tls : undefined,
    labels: { ...input.labels },
    dataDir: input.dataDir ?? join('.tern', 'agent'),
    flowsDir: input.flowsDir || undefined,
    localBroker: input.localBroker && {
      port: input.localBroker.port ?? DEFAULT_LOCAL_BROKER_PORT,
      host: input.localBroker.host || '127.0.0.1',
      limits: localBrokerLimits(input.localBroker.limits),
    },
    http: input.http && { port: input.http.port, host: input.http.host || '127.0.0.1' },
    version: input.version ?? AGENT_VERSION,
    update: input.update && {
      installDir: input.update.installDir,
      hubApiUrl: input.update.hubApiUrl || undefined,
      confirmWithinMs: input.update.confirmWithinMs ?? DEFAULT_UPDATE_CONFIRM_MS,
    },
    sync,
    outbox,
    triggerQueue: compileTriggerQueue(defined(input.triggerQueue)),
    renderLimits: renderLimitsOf(input.renderLimits),
    closeGraceMs: input.closeGraceMs ?? 10_000,
    secrets: { ...input.secrets },
    variables: input.variables,
    logger: input.logger,
  };

  if (options.hubUrl && !/^(mqtts?|tcp|ssl|wss?):\/\//.test(options.hubUrl))
    bad(`hub: '${options.hubUrl}' is not an mqtt:// (or mqtts://, ws://, wss://) URL`);
  if (options.tls) {
    if (!options.hubUrl || !/^(mqtts|ssl|wss):\/\//.test(options.hubUrl))
      bad(
        `tls: a CA file, pins or skipping verification apply to a hub reached over TLS (mqtts:// or wss://), not '${options.hubUrl ?? 'no hub'}'`,
      );
    try {
      checkHubTrust(options.tls);
    } catch (err) {
      bad((err as Error).message);
    }
  }
  if (options.hubKey !== undefined && !options.hubUrl) bad('hub-key: give the hub it belongs to (--hub)');
  if (options.hubKey !== undefined && !isPublicKeyText(options.hubKey))
    bad(
      `hub-key: '${options.hubKey}' is not an Ed25519 public key (43 base64url characters, as registration gives it)`,
    );
  if (!options.hubUrl && !options.flowsDir)
    bad('hub: give the hub to connect to, or a flows folder to run standalone');
  if (options.update?.hubApiUrl !== undefined && !/^https?:\/\//.test(options.update.hubApiUrl))
    bad(`hub-api: '${options.update.hubApiUrl}' is not an http:// or https:// URL`);
  if (options.hubUrl && options.flowsDir)
    bad(
      'flows: a folder of flows is for standalone agents; an agent with a hub runs the flows the hub assigns',
    );
  for (const [key, value] of Object.entries(options.labels)) {
    if (!key || typeof value !== 'string') bad(`labels: '${key}' must be a non-empty name with a text value`);
  }

  const http = options.http;
  if (http && !(Number.isInteger(http.port) && http.port >= 0 && http.port <= 65535))
    bad(`http.port: ${http.port} is not a TCP port (0–65535)`);
  const broker = options.localBroker;
  if (broker && !(Number.isInteger(broker.port) && broker.port >= 0 && broker.port <= 65535))
    bad(`localBroker.port: ${broker.port} is not a TCP port (0–65535)`);

  positiveInteger('keepaliveSeconds', sync.keepaliveSeconds);
  for (const key of [
    'connectTimeoutMs',
    'reconnectMinMs',
    'batchMaxRecords',
    'maxInFlight',
    'ackTimeoutMs',
    'statusIntervalMs',
  ] as const)
    positiveInteger(key, sync[key]);
  if (!(Number.isInteger(sync.lingerMs) && sync.lingerMs >= 0))
    bad(`lingerMs: ${sync.lingerMs} is not a whole number of ms`);
  if (!(sync.reconnectMaxMs >= sync.reconnectMinMs))
    bad(`reconnectMaxMs: ${sync.reconnectMaxMs} is below reconnectMinMs (${sync.reconnectMinMs})`);
  if (!(sync.batchMaxBytes > 0 && sync.batchMaxBytes <= MAX_MESSAGE_BYTES - ENVELOPE_ROOM))
    bad(
      `batchMaxBytes: must be between 1 and ${MAX_MESSAGE_BYTES - ENVELOPE_ROOM}, the message size limit less room for envelopes`,
    );

  for (const key of ['maxRows', 'maxBytes', 'maxAgeMs'] as const)
    positiveInteger(`outbox.${key}`, outbox[key]);
  if (!OUTBOX_POLICIES.includes(outbox.policy))
    bad(`outbox.policy: '${outbox.policy}' is not one of ${OUTBOX_POLICIES.join(', ')}`);
  if (!(options.closeGraceMs >= 0)) bad(`closeGraceMs: ${options.closeGraceMs} is negative`);
  return options;
}

/**
 * Reads `k=v,k2=v2` labels.
 *
 * @example parseLabels('site=plant1,role=gateway') // { site: 'plant1', role: 'gateway' }
 */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of text.split(',')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) bad(`labels: '${pair}' is not key=value`);
    labels[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return labels;
}

function hasTrustOptions(tls: HubTrustOptions | undefined): tls is HubTrustOptions {
  return Boolean(tls && (tls.caFile || tls.pins?.length || tls.insecureSkipVerify));
}

function positiveInteger(name: string, value: number): void {
  if (!(Number.isInteger(value) && value > 0)) bad(`${name}: ${value} is not a positive whole number`);
}

/** Drops keys given as undefined, so that they do not hide defaults when spread. */
function defined<T extends object>(partial: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(partial ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The render limits, a bad one reported like every other bad option. */
function renderLimitsOf(input: Partial<RenderLimits> | undefined): RenderLimits {
  try {
    return compileRenderLimits(defined(input));
  } catch (err) {
    return bad((err as Error).message);
  }
}

/** The local broker's limits, checked here so that a bad one stops the agent before it starts anything. */
function localBrokerLimits(input: Readonly<Record<string, unknown>> | undefined): LocalBrokerLimits {
  try {
    return compileLimits(input, LOCAL_BROKER_DEFAULTS, 'localBroker.limits');
  } catch (err) {
    bad((err as Error).message);
  }
}

function bad(message: string): never {
  throw new TernError('BAD_REQUEST', message);
}
