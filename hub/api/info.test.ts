/** The URLs `GET /info` gives agents: order, wildcard binds, IPv6, external brokers without credentials. */
import { describe, expect, it } from 'vitest';
import { agentUrls, listenerOfUrl } from './info.js';

describe('agent URLs', () => {
  it('puts TLS listeners first: mqtts, wss, then mqtt and ws', () => {
    const urls = agentUrls(
      [
        { scheme: 'mqtt', host: '10.0.0.5', port: 1883 },
        { scheme: 'wss', host: '10.0.0.5', port: 8443, path: '/mqtt' },
        { scheme: 'mqtts', host: '10.0.0.5', port: 8883 },
      ],
      'ignored',
    );
    expect(urls).toEqual(['mqtts://10.0.0.5:8883', 'wss://10.0.0.5:8443/mqtt', 'mqtt://10.0.0.5:1883']);
  });

  it('names a listener bound to every interface by the host the request was sent to', () => {
    const listeners = [
      { scheme: 'mqtt', host: '0.0.0.0', port: 1883 },
      { scheme: 'ws', host: '::', port: 8080, path: '/mqtt' },
    ] as const;
    expect(agentUrls(listeners, 'hub.plant.lan')).toEqual([
      'mqtt://hub.plant.lan:1883',
      'ws://hub.plant.lan:8080/mqtt',
    ]);
    expect(agentUrls(listeners, '[fd00::1]')).toEqual(['mqtt://[fd00::1]:1883', 'ws://[fd00::1]:8080/mqtt']);
  });

  it('brackets an IPv6 address a listener is bound to', () => {
    expect(agentUrls([{ scheme: 'mqtt', host: 'fd00::2', port: 1883 }], 'x')).toEqual([
      'mqtt://[fd00::2]:1883',
    ]);
  });

  it("takes an external broker's URL without its credentials, with the scheme's default port", () => {
    expect(agentUrls([listenerOfUrl('mqtt://hub:s3cret@broker.lan:1884')], 'x')).toEqual([
      'mqtt://broker.lan:1884',
    ]);
    expect(agentUrls([listenerOfUrl('mqtts://broker.lan')], 'x')).toEqual(['mqtts://broker.lan:8883']);
    expect(agentUrls([listenerOfUrl('wss://user:pw@broker.lan/mqtt')], 'x')).toEqual([
      'wss://broker.lan:443/mqtt',
    ]);
  });
});
