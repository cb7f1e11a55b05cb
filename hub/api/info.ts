/**
 * `GET /info`: what the hub is and where agents reach it, so that a client
 * (the web UI's agent registration) can print the exact `tern agent --hub …`
 * command for a device.
 */
import type { RouteTable } from './route.js';
import { InfoSchema } from './schemas.js';
import type { HubServices } from './services.js';

/** A way into the hub's MQTT broker for agents. */
export interface BrokerListener {
  scheme: 'mqtt' | 'mqtts' | 'ws' | 'wss';
  /** The address it is bound to; a wildcard (`0.0.0.0`, `::`) means every interface. */
  host: string;
  port: number;
  /** A WebSocket listener's path (`/mqtt`). */
  path?: string;
}

const WILDCARDS = new Set(['', '0.0.0.0', '::', '[::]']);
const PREFERENCE: BrokerListener['scheme'][] = ['mqtts', 'wss', 'mqtt', 'ws'];

/**
 * The listeners as URLs, preferred first; `requestHost` (a host name, or a
 * bracketed IPv6 address, as in a URL) stands in for a wildcard bind.
 *
 * @example agentUrls([{ scheme: 'mqtt', host: '0.0.0.0', port: 1883 }], 'hub.example.com')
 * // ['mqtt://hub.example.com:1883']
 */
export function agentUrls(listeners: readonly BrokerListener[], requestHost: string): string[] {
  const hostOf = (host: string) =>
    WILDCARDS.has(host) ? requestHost : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return [...listeners]
    .sort((a, b) => PREFERENCE.indexOf(a.scheme) - PREFERENCE.indexOf(b.scheme))
    .map((l) => `${l.scheme}://${hostOf(l.host)}:${l.port}${l.path ?? ''}`);
}

/** The listener an external broker's URL names, its credentials left out. */
export function listenerOfUrl(url: string): BrokerListener {
  const parsed = new URL(url);
  const scheme = parsed.protocol.replace(/:$/, '') as BrokerListener['scheme'];
  const defaults = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 };
  const path = parsed.pathname && parsed.pathname !== '/' ? parsed.pathname : undefined;
  return {
    scheme,
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : (defaults[scheme] ?? 1883),
    ...(path && { path }),
  };
}

/** Registers `GET /info`. */
export function infoRoutes(table: RouteTable, services: HubServices, version: string): void {
  table.add(
    {
      method: 'get',
      path: '/info',
      operationId: 'hubInfo',
      tag: 'operations',
      summary: 'The hub and where agents reach it',
      description:
        'Read-only. `agentUrls` are what `tern agent --hub` takes on a device; the web UI prints the command with the first one when an agent is registered.',
      responses: { 200: { description: 'The hub', schema: InfoSchema } },
    },
    (c) => {
      const listeners = services.brokerListeners?.() ?? [];
      return c.json({ version, agentUrls: agentUrls(listeners, new URL(c.req.url).hostname) });
    },
  );
}
