/** Every environment variable the `tern` command reads, named once. */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { envsFrom, type ProcessVariables } from '../runtime/engine/process-variables.js';
import type { RenderLimits } from '../runtime/expr/index.js';
import { secretsFromEnvironment } from '../runtime/secrets.js';

export interface CliEnvironment {
  /** Where `tern run` keeps its SQLite state (TERN_DATA_DIR). */
  runDataDir: string;
  /** Colours on a terminal unless NO_COLOR is set. */
  color: boolean;
  interactive: boolean;
  /** TERN_LOG_LEVEL: the hub's and agent's diagnostic log level. */
  logLevel: string;
  /** TERN_SERVER / TERN_TOKEN: the hub that API commands talk to. */
  server: string;
  token: string | undefined;
  /** DATABASE_URL: the hub's PostgreSQL. */
  databaseUrl: string | undefined;
  /** TERN_ADMIN_TOKEN: an admin token the hub stores at start unless it already has it (a revoked one stays refused). */
  adminToken: string | undefined;
  /** TERN_RETENTION_DAYS: purge executions older than this many days. */
  retentionDays: number | undefined;
  /** TERN_AGENT_TOKEN: an agent's broker password, kept out of the process list. */
  agentToken: string | undefined;
  /** TERN_HUB_KEY: the hub's public signing key for `tern agent`. */
  hubKey: string | undefined;
  /** TERN_AGENT_INSTALL_DIR: the launcher's folder of agent versions (it sets it). */
  agentInstallDir: string | undefined;
  /** TERN_HUB_API_URL: the hub's HTTP API, for an agent's downloads. */
  hubApiUrl: string | undefined;
  /** ENV_<NAME>: Kestra's `envs.<name>` in every expression (hub, agents, `tern run`). */
  envs: Record<string, string>;
  /** TERN_GLOBALS_FILE: a YAML map, Kestra's `globals` in every expression. */
  globalsFile: string | undefined;
  /** TERN_SECRET_<NAME>: secrets for `secret('NAME')` (agents, `tern run`, and global ones on the hub). */
  secrets: Record<string, string>;
  /** TERN_SECRET_KEY: the key (or passphrase) that encrypts the hub's stored secrets. */
  secretKey: string | undefined;
  /** TERN_KAFKA_BRIDGE: the hub's Kafka bridge settings, a file path or inline JSON. */
  kafkaBridge: string | undefined;
  /** TERN_RENDER_MAX_MS, _ITERATIONS, _TEXT, _LIST: the work budget of each render (hub, agent, `tern run`). */
  renderLimits: Partial<RenderLimits>;
  /** TERN_TLS_CERT / TERN_TLS_KEY: the hub's certificate (with its chain) and key, PEM files. */
  tlsCertFile: string | undefined;
  tlsKeyFile: string | undefined;
  /** TERN_CA_FILE: the CA that signed the hub's certificate, for agents and API commands. */
  caFile: string | undefined;
  /** TERN_TLS_PIN: pins of the hub's certificate, comma-separated. */
  tlsPins: string[];
  /** TERN_MQTT_LIMITS: the embedded broker's limits that differ from the defaults, as a JSON object. */
  mqttLimits: string | undefined;
  /** TERN_BROKER_URL: the hub's external MQTT broker, credentials included (kept out of the process list). */
  brokerUrl: string | undefined;
  /** TERN_BRIDGE_BROKER_URL: the Kafka bridge's own login on the hub's external broker. */
  bridgeBrokerUrl: string | undefined;
  /** TERN_BROKER_AUTH_SECRET: what EMQX or VerneMQ send to ask the hub about agents' logins and topics. */
  brokerAuthSecret: string | undefined;
  brokerAdminUrl: string | undefined;
  /** TERN_LEADER_CHECK_MS: how often a hub replica on PostgreSQL tries, or checks, the leader lock. */
  leaderCheckMs: number | undefined;
  /** TERN_TAKE_OVER_GRACE_MS: how old a dead replica's hub execution must be before the leader takes it over. */
  takeOverGraceMs: number | undefined;
}

const RENDER_LIMIT_VARIABLES = {
  TERN_RENDER_MAX_MS: 'maxMillis',
  TERN_RENDER_MAX_ITERATIONS: 'maxIterations',
  TERN_RENDER_MAX_TEXT: 'maxTextLength',
  TERN_RENDER_MAX_LIST: 'maxListLength',
} as const;

/** The render limits set in the environment; checked where they are compiled (`compileRenderLimits`). */
function renderLimits(env: NodeJS.ProcessEnv): Partial<RenderLimits> {
  const limits: Partial<RenderLimits> = {};
  for (const [variable, key] of Object.entries(RENDER_LIMIT_VARIABLES)) {
    const text = env[variable];
    if (text) limits[key] = Number(text);
  }
  return limits;
}

export function readEnvironment(env: NodeJS.ProcessEnv = process.env): CliEnvironment {
  const retention = env.TERN_RETENTION_DAYS ? Number(env.TERN_RETENTION_DAYS) : undefined;
  return {
    runDataDir: env.TERN_DATA_DIR ?? join('.tern', 'run'),
    color: process.stdout.isTTY === true && env.NO_COLOR === undefined && env.TERM !== 'dumb',
    interactive: process.stdout.isTTY === true,
    logLevel: env.TERN_LOG_LEVEL ?? 'info',
    server: env.TERN_SERVER ?? 'http://127.0.0.1:8080',
    token: env.TERN_TOKEN || undefined,
    databaseUrl: env.DATABASE_URL || undefined,
    adminToken: env.TERN_ADMIN_TOKEN || undefined,
    retentionDays: retention,
    agentToken: env.TERN_AGENT_TOKEN || undefined,
    hubKey: env.TERN_HUB_KEY || undefined,
    agentInstallDir: env.TERN_AGENT_INSTALL_DIR || undefined,
    hubApiUrl: env.TERN_HUB_API_URL || undefined,
    envs: envsFrom(env),
    globalsFile: env.TERN_GLOBALS_FILE || undefined,
    secrets: secretsFromEnvironment(env),
    secretKey: env.TERN_SECRET_KEY || undefined,
    kafkaBridge: env.TERN_KAFKA_BRIDGE || undefined,
    renderLimits: renderLimits(env),
    tlsCertFile: env.TERN_TLS_CERT || undefined,
    tlsKeyFile: env.TERN_TLS_KEY || undefined,
    caFile: env.TERN_CA_FILE || undefined,
    tlsPins: (env.TERN_TLS_PIN ?? '')
      .split(',')
      .map((pin) => pin.trim())
      .filter((pin) => pin !== ''),
    mqttLimits: env.TERN_MQTT_LIMITS || undefined,
    brokerUrl: env.TERN_BROKER_URL || undefined,
    bridgeBrokerUrl: env.TERN_BRIDGE_BROKER_URL || undefined,
    brokerAuthSecret: env.TERN_BROKER_AUTH_SECRET || undefined,
    brokerAdminUrl: env.TERN_BROKER_ADMIN_URL || undefined,
    leaderCheckMs: env.TERN_LEADER_CHECK_MS ? Number(env.TERN_LEADER_CHECK_MS) : undefined,
    takeOverGraceMs: env.TERN_TAKE_OVER_GRACE_MS ? Number(env.TERN_TAKE_OVER_GRACE_MS) : undefined,
  };
}

/**
 * The `envs` and `globals` every execution of this process sees; reads
 * TERN_GLOBALS_FILE, and says what is wrong with it.
 */
export function processVariables(env: CliEnvironment): ProcessVariables {
  if (!env.globalsFile) return { envs: env.envs, globals: {} };
  let globals: unknown;
  try {
    globals = parseYaml(readFileSync(env.globalsFile, 'utf8'));
  } catch (err) {
    throw new Error(`TERN_GLOBALS_FILE ${env.globalsFile}: ${(err as Error).message}`);
  }
  if (typeof globals !== 'object' || globals === null || Array.isArray(globals))
    throw new Error(`TERN_GLOBALS_FILE ${env.globalsFile}: must hold a map of names to values`);
  return { envs: env.envs, globals: globals as Record<string, unknown> };
}
