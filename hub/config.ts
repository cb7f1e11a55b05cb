/** The hub's options, compiled once: every default lives here. */

import { join } from 'node:path';
import { compileLimits, HUB_BROKER_DEFAULTS, type HubBrokerLimits } from '../runtime/broker-guard/limits.js';
import type { ProcessVariables } from '../runtime/engine/process-variables.js';
import { compileRenderLimits, type RenderLimits } from '../runtime/expr/index.js';
import { compileTriggerQueue, type TriggerQueueOptions } from '../runtime/triggers/queue.js';
import { type BridgeSettings, compileBridgeSettings } from './bridge/config.js';
import { normaliseSharedPrefix } from './broker/access.js';
import type { TlsFiles } from './tls/certificates.js';

export interface HubOptions {
  /** HTTP port (API, UI, MQTT over WebSocket at /mqtt), HTTPS with `tls`; 0 picks a free one. */
  port: number;
  host: string;
  /** Embedded broker TCP port (plain MQTT); 0 picks a free one. Ignored with `brokerUrl`. */
  mqttPort: number;
  /** Interface of the plain MQTT listener: `host`, or loopback with `tls` so that no token crosses a network in clear. */
  mqttHost: string;
  /**
   * Certificate and key files: the HTTP port serves HTTPS (and WebSocket over
   * TLS at /mqtt) and the embedded broker listens for MQTT over TLS on
   * `mqttsPort`. The files are watched and a renewed pair is taken without a restart.
   */
  tls?: TlsFiles;
  /** The embedded broker's MQTT-over-TLS port, with `tls`; 0 picks a free one. */
  mqttsPort: number;
  mqttsHost: string;
  /** The embedded broker's packet sizes, connect timeout and caps on unauthenticated connections. */
  mqttLimits: HubBrokerLimits;
  /** PGlite data and files live here; files too when PostgreSQL is used. */
  dataDir: string;
  /** PostgreSQL URL; without it the embedded PGlite database is used. */
  dbUrl?: string;
  /** External MQTT broker; without it an embedded one runs. */
  brokerUrl?: string;
  /**
   * The Kafka bridge's own login on the external broker (`mqtt://user:password@host`): its MQTT routes
   * connect as a second client, and a broker that ties client ids to logins (Mosquitto's
   * `use_username_as_clientid`) would otherwise let the two sessions of one login push each other out.
   */
  bridgeBrokerUrl?: string;
  /**
   * The secret an external broker (EMQX, VerneMQ) sends to ask the hub about agents' logins and topics
   * (`/api/v1/broker/…`); without it those routes refuse every call.
   */
  brokerAuthSecret?: string;
  /**
   * A login on the external Mosquitto with its dynamic-security plugin's admin role
   * (`mqtt://user:password@host`): the hub then keeps agents' logins and topic rights in the broker
   * itself (docs/mosquitto.md).
   */
  brokerAdminUrl?: string;
  /** Admin token to create at first start instead of a random one. */
  adminToken?: string;
  /** Executions and logs older than this are purged; undefined keeps everything. */
  retentionDays?: number;
  bodyLimitBytes: number;
  /** Topic prefix every agent may use for shared data. */
  sharedDataPrefix: string;
  logLevel: string;
  /** TERN_SECRET_KEY as given: the key (or passphrase) that encrypts stored secrets; without it none can be stored. */
  secretKey?: string;
  /** Global secrets from the hub's TERN_SECRET_* variables, by name. */
  secretEnvironment: Record<string, string>;
  /** The Kafka bridge, when configured. */
  bridge?: BridgeSettings;
  /** The bounded queue between the hub's triggers and its executions. */
  triggerQueue: TriggerQueueOptions;
  /** The work budget of each render of the hub's flows and webhooks. */
  renderLimits: RenderLimits;
  /**
   * With PostgreSQL, how often a replica tries to become the one that runs schedules and retention,
   * and the one that does checks it still is (ms): the longest a dead leader's work waits for another.
   */
  leaderCheckMs: number;
  /**
   * With PostgreSQL, the age below which an unfinished hub execution is never taken over from a
   * replica gone (ms): the time its replica has to claim it after it starts.
   */
  takeOverGraceMs: number;
  /** `envs` and `globals` for every execution on the hub. */
  variables?: ProcessVariables;
}

export type HubOptionsInput = Partial<
  Omit<HubOptions, 'bridge' | 'triggerQueue' | 'tls' | 'mqttLimits' | 'renderLimits'>
> & {
  /** Both files, or neither. */
  tls?: Partial<TlsFiles>;
  triggerQueue?: Partial<TriggerQueueOptions>;
  /** Limits that differ from the defaults (`--mqtt-limits`, TERN_MQTT_LIMITS); unknown keys are refused. */
  mqttLimits?: Readonly<Record<string, unknown>>;
  renderLimits?: Partial<RenderLimits>;
  /** The Kafka bridge's settings document (YAML or JSON, parsed), compiled here. */
  kafkaBridge?: unknown;
};

/** Fills defaults and checks values; throws an Error naming the bad option. */
export function compileHubOptions(input: HubOptionsInput): HubOptions {
  const tls = compileTls(input.tls);
  const options: HubOptions = {
    port: input.port ?? 8080,
    host: input.host ?? '0.0.0.0',
    mqttPort: input.mqttPort ?? 1883,
    mqttHost: input.mqttHost ?? (tls ? '127.0.0.1' : (input.host ?? '0.0.0.0')),
    tls,
    mqttsPort: input.mqttsPort ?? 8883,
    mqttsHost: input.mqttsHost ?? input.host ?? '0.0.0.0',
    mqttLimits: compileLimits(input.mqttLimits, HUB_BROKER_DEFAULTS, 'mqttLimits'),
    dataDir: input.dataDir ?? join('.tern', 'hub'),
    dbUrl: input.dbUrl || undefined,
    brokerUrl: input.brokerUrl || undefined,
    bridgeBrokerUrl: input.bridgeBrokerUrl || undefined,
    brokerAuthSecret: input.brokerAuthSecret || undefined,
    brokerAdminUrl: input.brokerAdminUrl || undefined,
    adminToken: input.adminToken || undefined,
    retentionDays: input.retentionDays,
    bodyLimitBytes: input.bodyLimitBytes ?? 4 * 1024 * 1024,
    sharedDataPrefix: input.sharedDataPrefix ?? 'tern/v1/data/',
    logLevel: input.logLevel ?? 'info',
    secretKey: input.secretKey || undefined,
    secretEnvironment: { ...input.secretEnvironment },
    triggerQueue: compileTriggerQueue(input.triggerQueue),
    renderLimits: compileRenderLimits(input.renderLimits),
    leaderCheckMs: input.leaderCheckMs ?? 2000,
    takeOverGraceMs: input.takeOverGraceMs ?? 10_000,
    variables: input.variables,
  };
  for (const key of ['port', 'mqttPort', 'mqttsPort'] as const) {
    const v = options[key];
    if (!Number.isInteger(v) || v < 0 || v > 65535) throw new Error(`${key}: ${v} is not a port number`);
  }
  if (!(options.leaderCheckMs >= 10)) {
    throw new Error(`leaderCheckMs: must be at least 10 ms, got ${options.leaderCheckMs}`);
  }
  if (!(options.takeOverGraceMs >= 0)) {
    throw new Error(`takeOverGraceMs: must be 0 ms or more, got ${options.takeOverGraceMs}`);
  }
  if (options.retentionDays !== undefined && !(options.retentionDays > 0)) {
    throw new Error(`retentionDays: must be a positive number of days, got ${options.retentionDays}`);
  }
  if (options.dbUrl && !/^postgres(ql)?:\/\//.test(options.dbUrl)) {
    throw new Error(`db: '${options.dbUrl}' is not a postgres:// URL`);
  }
  if (options.brokerUrl && !/^(mqtts?|tcp|ssl|wss?):\/\//.test(options.brokerUrl)) {
    throw new Error(`broker: '${options.brokerUrl}' is not an mqtt:// (or mqtts://, ws://) URL`);
  }
  if (options.bridgeBrokerUrl && !options.brokerUrl) {
    throw new Error('bridgeBroker: only with an external broker (broker); the embedded one needs no login');
  }
  if (options.bridgeBrokerUrl && !/^(mqtts?|tcp|ssl|wss?):\/\//.test(options.bridgeBrokerUrl)) {
    // Not echoed: it holds a password.
    throw new Error('bridgeBroker: not an mqtt:// (or mqtts://, ws://) URL');
  }
  if (options.brokerAdminUrl && !options.brokerUrl) {
    throw new Error(
      'brokerAdmin: only with an external broker (broker); the embedded one checks agents itself',
    );
  }
  if (options.brokerAdminUrl && !/^(mqtts?|tcp|ssl|wss?):\/\//.test(options.brokerAdminUrl)) {
    // Not echoed: it holds a password.
    throw new Error('brokerAdmin: not an mqtt:// (or mqtts://, ws://) URL');
  }
  if (input.kafkaBridge !== undefined)
    options.bridge = compileBridgeSettings(
      input.kafkaBridge,
      normaliseSharedPrefix(options.sharedDataPrefix),
    );
  return options;
}

/** Both files or none: a certificate without its key (or the reverse) is a mistake worth stopping for. */
function compileTls(tls: Partial<TlsFiles> | undefined): TlsFiles | undefined {
  const certFile = tls?.certFile || undefined;
  const keyFile = tls?.keyFile || undefined;
  if (!certFile && !keyFile) return undefined;
  if (!certFile) throw new Error('tls: a key file was given without its certificate (--tls-cert)');
  if (!keyFile) throw new Error('tls: a certificate was given without its key file (--tls-key)');
  return { certFile, keyFile };
}
