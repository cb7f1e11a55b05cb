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
import type { Logger } from '../../agent/engine/ports.js';
import { parseDuration } from '../../protocol/duration.js';
import { TernError } from '../../protocol/errors.js';
import { CliError, EXIT_USAGE } from '../errors.js';
import type { Printer } from '../format.js';

/** The command's flags, as commander hands them over (numbers already parsed or still text). */
export interface AgentCommandOptions {
  /** --hub mqtt://host:1883 */
  hub?: string;
  /** --id gw-01 (required with --hub; standalone defaults to `local`) */
  id?: string;
  token?: string;
  /** --labels site=plant1,role=gateway */
  labels?: string;
  /** --data-dir, default .tern/agent */
  dataDir?: string;
  /** --flows DIR: run these flows standalone (no --hub). */
  flows?: string;
  /** --keepalive seconds */
  keepalive?: number | string;
  /** --outbox-max-rows, --outbox-max-bytes, --outbox-max-age (ISO-8601 duration such as P7D), --outbox-policy */
  outboxMaxRows?: number | string;
  outboxMaxBytes?: number | string;
  outboxMaxAge?: string;
  outboxPolicy?: string;
  /** TERN_LOG_LEVEL */
  logLevel?: string;
  version?: string;
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
  hooks.started?.(agent);
  // Timers alone may not hold the process open (standalone, or between reconnects): this does, until stopped.
  const keepAlive = setInterval(() => {}, 1 << 30);
  try {
    await (hooks.until ?? signalled());
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
  let labels: Record<string, string> = {};
  try {
    labels = parseLabels(opts.labels ?? '');
  } catch (err) {
    usage(`--${(err as Error).message}`);
  }
  return {
    id: opts.id ?? 'local',
    hubUrl: opts.hub,
    token: opts.token,
    labels,
    dataDir: opts.dataDir,
    flowsDir: opts.flows,
    version: opts.version,
    keepaliveSeconds: count('--keepalive', opts.keepalive),
    outbox: {
      maxRows: count('--outbox-max-rows', opts.outboxMaxRows),
      maxBytes: count('--outbox-max-bytes', opts.outboxMaxBytes),
      maxAgeMs,
      policy: policy as OutboxPolicy | undefined,
    },
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
