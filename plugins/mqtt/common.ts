/** Properties shared by the `mqtt` trigger and `mqtt.publish`, and where they connect. */
import { Type as T } from '@sinclair/typebox';
import { parseDuration } from '../../protocol/duration.js';
import type { PluginHost, PropertyProblem } from '../../protocol/plugin.js';
import { type ConnectionSettings, serverUrlProblem } from './connections.js';

export const QosSchema = T.Union([T.Literal(0), T.Literal(1), T.Literal(2)], {
  description: 'MQTT quality of service',
  default: 1,
});

/** Connection properties, as Kestra's MQTT plugin names them. */
export const connectionProperties = {
  server: T.Optional(
    T.String({
      minLength: 1,
      description:
        'Broker URL: tcp://, mqtt://, ssl://, mqtts://, ws:// or wss://. Default on an agent: its local broker (--local-broker)',
    }),
  ),
  clientId: T.Optional(T.String({ minLength: 1, description: 'Client id; default: generated' })),
  username: T.Optional(T.String()),
  password: T.Optional(T.String({ description: "Use {{ secret('NAME') }} rather than the password itself" })),
  version: T.Optional(
    T.Union([T.Literal('V_3_1_1'), T.Literal('V_5')], {
      description: 'MQTT protocol version',
      default: 'V_3_1_1',
    }),
  ),
  connectionTimeout: T.Optional(
    T.String({ description: 'How long to wait for the broker, ISO-8601 (default PT10S)' }),
  ),
};

export interface ConnectionProps {
  server?: string;
  clientId?: string;
  username?: string;
  password?: string;
  version?: 'V_3_1_1' | 'V_5';
  connectionTimeout?: string;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Where to connect: the given server, or the runtime's default broker (with
 * its credentials unless others are given). Throws when there is neither.
 */
export function connectionSettings(props: ConnectionProps, host: PluginHost): ConnectionSettings {
  const fallback = props.server === undefined ? host.mqtt : undefined;
  const url = props.server ?? fallback?.url;
  if (url === undefined) {
    throw new Error(
      'no `server` given, and this runtime has no local broker: give `server`, or start the agent with --local-broker',
    );
  }
  const problem = serverUrlProblem(url);
  if (problem) throw new Error(problem);
  return {
    url,
    clientId: props.clientId,
    username: props.username ?? fallback?.username,
    password: props.password ?? fallback?.password,
    protocolVersion: props.version === 'V_5' ? 5 : 4,
  };
}

/** The connection timeout in ms. */
export function connectTimeoutMs(props: ConnectionProps): number {
  return props.connectionTimeout === undefined
    ? DEFAULT_CONNECT_TIMEOUT_MS
    : (parseDuration(props.connectionTimeout) ?? DEFAULT_CONNECT_TIMEOUT_MS);
}

const templated = (value: unknown): boolean => typeof value === 'string' && value.includes('{{');

/** Problems of the literal connection properties (a bad URL or duration). */
export function connectionProblems(props: ConnectionProps): PropertyProblem[] {
  const problems: PropertyProblem[] = [];
  if (props.server !== undefined && !templated(props.server)) {
    const problem = serverUrlProblem(props.server);
    if (problem) problems.push({ path: 'server', message: problem });
  }
  if (
    props.connectionTimeout !== undefined &&
    !templated(props.connectionTimeout) &&
    parseDuration(props.connectionTimeout) === undefined
  )
    problems.push({ path: 'connectionTimeout', message: 'must be an ISO-8601 duration such as PT10S' });
  return problems;
}
