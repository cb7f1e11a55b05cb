/** `tern agent`: runs an agent, connected to a hub or standalone with a folder of flows, until SIGINT or SIGTERM. */

import pino from 'pino';
import { type Agent, startAgent } from '../../agent/agent.js';
import {
  type AgentOptionsInput,
  compileAgentOptions,
  OUTBOX_POLICIES,
  type OutboxPolicy,
  parseLabels,
} from '../../agent/config.js';
import { parseDuration } from '../../protocol/duration.js';
import { TernError } from '../../protocol/errors.js';
import type { Logger } from '../../protocol/logger.js';
import { parseLimits } from '../../runtime/broker-guard/limits.js';
import type { ProcessVariables } from '../../runtime/engine/process-variables.js';
import type { RenderLimits } from '../../runtime/expr/index.js';
import { loadSecrets } from '../../runtime/secrets.js';
import { type TriggerQueueOptions, WHEN_FULL, type WhenFull } from '../../runtime/triggers/queue.js';
import { CliError, EXIT_USAGE } from '../errors.js';
import type { Printer } from '../format.js';

/** The command's flags, as commander hands them over (numbers already parsed or still text). */
export interface AgentCommandOptions {
  /** --hub mqtt://host:1883 */
  hub?: string;
  /** --id gw-01 (required with --hub; standalone defaults to `local`) */
  id?: string;
  token?: string;
  /** --hub-key (TERN_HUB_KEY): the hub's public signing key, as registration gave it. */
  hubKey?: string;
  /** --ca-file (TERN_CA_FILE): the hub's CA, for mqtts:// and wss://. */
  caFile?: string;
  /** --tls-pin, repeatable (TERN_TLS_PIN, comma-separated): accepted hub certificates. */
  tlsPin?: string[];
  /** --insecure-skip-tls-verify: accept any hub certificate. */
  insecureSkipTlsVerify?: boolean;
  /** --labels site=plant1,role=gateway */
  labels?: string;
  /** --data-dir, default .tern/agent */
  dataDir?: string;
  /** --flows DIR: run these flows standalone (no --hub). */
  flows?: string;
  /** --local-broker [PORT]: embed an MQTT broker for local sensors (true: the default port). */
  localBroker?: boolean | string;
  /** --local-broker-host: its interface, loopback by default. */
  localBrokerHost?: string;
  /** --local-broker-limits JSON: its limits that differ from the defaults. */
  localBrokerLimits?: string;
  /** --http-port PORT: serve the webhooks of the agent's flows. */
  httpPort?: number | string;
  /** --http-host: its interface, loopback by default. */
  httpHost?: string;
  /** --keepalive seconds */
  keepalive?: number | string;
  /** --outbox-max-rows, --outbox-max-bytes, --outbox-max-age (ISO-8601 duration such as P7D), --outbox-policy */
  outboxMaxRows?: number | string;
  outboxMaxBytes?: number | string;
  outboxMaxAge?: string;
  outboxPolicy?: string;
  /** --trigger-queue N and --trigger-queue-full wait|drop. */
  triggerQueue?: number | string;
  triggerQueueFull?: string;
  /** --secrets-file FILE: a YAML or JSON map of secrets. */
  secretsFile?: string;
  /** TERN_SECRET_* variables, by name; they win over the file's. */
  secretEnvironment?: Record<string, string>;
  /** TERN_RENDER_MAX_* variables: the work budget of each render. */
  renderLimits?: Partial<RenderLimits>;
  /** ENV_* variables and TERN_GLOBALS_FILE: `envs` and `globals` in expressions. */
  variables?: ProcessVariables;
  /** TERN_LOG_LEVEL */
  logLevel?: string;
  version?: string;
  /** --install-dir DIR (TERN_AGENT_INSTALL_DIR, set by the launcher): updates of the agent itself. */
  installDir?: string;
  /** --hub-api URL (TERN_HUB_API_URL): the hub's HTTP API, where agent versions are downloaded from. */
  hubApi?: string;
  /** --update-confirm-within DURATION: how long a new version has to connect and sync. */
  updateConfirmWithin?: string;
}

export interface AgentCommandHooks {
  /** Stops the agent when it resolves; default: the first SIGINT or SIGTERM. */
  until?: Promise<unknown>;
  /** Diagnostic logger; default pino on stderr at `logLevel`. */
  logger?: Logger;
  /** Called once the agent runs (tests look at it). */
  started?: (agent: Agent) => void;
}

/**
 * Runs `tern agent` until `until` (by default SIGINT or SIGTERM), then closes
 * the agent. Bad flags throw a CliError with EXIT_USAGE before anything starts.
 *
 * @example await agentCommand({ hub: 'mqtt://hub:1883', id: 'gw-01', token }, printer);
 */
export async function agentCommand(
  opts: AgentCommandOptions,
  printer: Printer,
  hooks: AgentCommandHooks = {},
): Promise<void> {
  const input = agentInput(opts);
  try {
    compileAgentOptions(input);
  } catch (err) {
    if (err instanceof TernError) usage(err.message);
    throw err;
  }
  const logger =
    hooks.logger ??
    (pino({ level: opts.logLevel ?? 'info', base: undefined }, pino.destination(2)) as Logger);
  const agent = await startAgent({ ...input, logger });
  printer.line(
    input.hubUrl
      ? `Tern agent ${agent.id} connecting to ${input.hubUrl}  (data in ${agent.options.dataDir})`
      : `Tern agent ${agent.id} running standalone with ${agent.flows().length} flow(s) from ${input.flowsDir}`,
  );
  if (agent.localBroker) printer.line(`Local MQTT broker on ${agent.localBroker.url}`);
  if (agent.http) printer.line(`Webhooks on ${agent.http.url}/api/v1/executions/webhook/…`);
  hooks.started?.(agent);
  // Timers alone may not hold the process open (standalone, or between reconnects): this does, until stopped.
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    const restart = agent.restartRequested.then((reason) => ({ reason }));
    const ended = await Promise.race([(hooks.until ?? signalled()).then(() => undefined), restart]);
    // The process then ends; its supervisor (systemd, the launcher's loop) starts the agent again.
    if (ended) printer.line(`restarting: ${ended.reason}`);
  } finally {
    clearInterval(keepAlive);
  }
  printer.line('stopping…');
  await agent.close();
}

/** Checks the flags and turns them into agent options; throws CliError(EXIT_USAGE) on bad usage. */
export function agentInput(opts: AgentCommandOptions): AgentOptionsInput {
  if (!opts.hub && !opts.flows)
    usage('give --hub <url> to connect to a hub, or --flows <dir> to run standalone');
  if (opts.hub && opts.flows) usage('--flows is for standalone agents; with --hub the hub assigns the flows');
  if (opts.hub && !opts.id) usage('--id is required with --hub');
  const policy = opts.outboxPolicy;
  if (policy !== undefined && !OUTBOX_POLICIES.includes(policy as OutboxPolicy))
    usage(`--outbox-policy: '${policy}' is not one of ${OUTBOX_POLICIES.join(', ')}`);
  let maxAgeMs: number | undefined;
  if (opts.outboxMaxAge !== undefined) {
    maxAgeMs = parseDuration(opts.outboxMaxAge);
    if (maxAgeMs === undefined)
      usage(`--outbox-max-age: '${opts.outboxMaxAge}' is not an ISO-8601 duration (e.g. P7D)`);
  }
  let localBroker: AgentOptionsInput['localBroker'];
  if (opts.localBroker !== undefined && opts.localBroker !== false) {
    const port = opts.localBroker === true ? undefined : Number(opts.localBroker);
    if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535))
      usage(`--local-broker: '${opts.localBroker}' is not a TCP port`);
    let limits: Record<string, unknown> | undefined;
    try {
      if (opts.localBrokerLimits !== undefined)
        limits = parseLimits(opts.localBrokerLimits, '--local-broker-limits');
    } catch (err) {
      usage((err as Error).message);
    }
    localBroker = { port, host: opts.localBrokerHost, limits };
  } else if (opts.localBrokerHost !== undefined) usage('--local-broker-host needs --local-broker');
  else if (opts.localBrokerLimits !== undefined) usage('--local-broker-limits needs --local-broker');
  let http: AgentOptionsInput['http'];
  if (opts.httpPort !== undefined) {
    const port = Number(opts.httpPort);
    if (!(Number.isInteger(port) && port >= 0 && port <= 65535))
      usage(`--http-port: '${opts.httpPort}' is not a TCP port`);
    http = { port, host: opts.httpHost };
  } else if (opts.httpHost !== undefined) usage('--http-host needs --http-port');
  let labels: Record<string, string> = {};
  try {
    labels = parseLabels(opts.labels ?? '');
  } catch (err) {
    usage(`--${(err as Error).message}`);
  }
  let secrets: Record<string, string> = {};
  try {
    secrets = loadSecrets({ environment: opts.secretEnvironment, file: opts.secretsFile });
  } catch (err) {
    usage(`--secrets-file: ${(err as Error).message}`);
  }
  return {
    id: opts.id ?? 'local',
    hubUrl: opts.hub,
    token: opts.token,
    hubKey: opts.hubKey,
    tls: { caFile: opts.caFile, pins: opts.tlsPin, insecureSkipVerify: opts.insecureSkipTlsVerify },
    labels,
    dataDir: opts.dataDir,
    flowsDir: opts.flows,
    localBroker,
    http,
    version: opts.version,
    update: updateInput(opts),
    secrets,
    keepaliveSeconds: count('--keepalive', opts.keepalive),
    outbox: {
      maxRows: count('--outbox-max-rows', opts.outboxMaxRows),
      maxBytes: count('--outbox-max-bytes', opts.outboxMaxBytes),
      maxAgeMs,
      policy: policy as OutboxPolicy | undefined,
    },
    triggerQueue: triggerQueueInput(opts),
    renderLimits: opts.renderLimits,
    variables: opts.variables,
  };
}

/** `--install-dir`, `--hub-api` and `--update-confirm-within`: updates need the first. */
function updateInput(opts: AgentCommandOptions): AgentOptionsInput['update'] {
  if (!opts.installDir) {
    if (opts.updateConfirmWithin !== undefined) usage('--update-confirm-within needs --install-dir');
    return undefined;
  }
  let confirmWithinMs: number | undefined;
  if (opts.updateConfirmWithin !== undefined) {
    confirmWithinMs = parseDuration(opts.updateConfirmWithin);
    if (confirmWithinMs === undefined || confirmWithinMs <= 0)
      usage(`--update-confirm-within: '${opts.updateConfirmWithin}' is not an ISO-8601 duration (e.g. PT2M)`);
  }
  return { installDir: opts.installDir, hubApiUrl: opts.hubApi, confirmWithinMs };
}

/** `--trigger-queue` and `--trigger-queue-full`, for the agent and the hub alike. */
export function triggerQueueInput(opts: {
  triggerQueue?: number | string;
  triggerQueueFull?: string;
}): Partial<TriggerQueueOptions> {
  const whenFull = opts.triggerQueueFull;
  if (whenFull !== undefined && !WHEN_FULL.includes(whenFull as WhenFull))
    usage(`--trigger-queue-full: '${whenFull}' is not one of ${WHEN_FULL.join(', ')}`);
  return {
    capacity: count('--trigger-queue', opts.triggerQueue),
    whenFull: whenFull as WhenFull | undefined,
  };
}

function count(flag: string, value: number | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) usage(`${flag}: '${value}' is not a positive whole number`);
  return n;
}

function usage(message: string): never {
  throw new CliError(message, EXIT_USAGE);
}

function signalled(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
