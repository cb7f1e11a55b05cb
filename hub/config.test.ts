import { describe, expect, it } from 'vitest';
import { compileHubOptions } from './config.js';

const tls = { certFile: 'hub.pem', keyFile: 'hub.key' };

describe('compileHubOptions: TLS', () => {
  it('serves plain HTTP and MQTT on every interface without a certificate, as before', () => {
    const options = compileHubOptions({});
    expect([options.tls, options.host, options.mqttHost]).toEqual([undefined, '0.0.0.0', '0.0.0.0']);
  });

  it('with a certificate, adds MQTT over TLS on 8883 and keeps plain MQTT on loopback', () => {
    const options = compileHubOptions({ tls });
    expect([options.tls, options.mqttsPort, options.mqttsHost, options.mqttHost]).toEqual([
      tls,
      8883,
      '0.0.0.0',
      '127.0.0.1',
    ]);
  });

  it('keeps plain MQTT on the interface asked for by name, even with a certificate', () => {
    expect(compileHubOptions({ tls, mqttHost: '10.0.0.5' }).mqttHost).toBe('10.0.0.5');
  });

  it('refuses a certificate without its key, and a key without its certificate', () => {
    expect(() => compileHubOptions({ tls: { certFile: 'hub.pem' } })).toThrow(
      /without its key file \(--tls-key\)/,
    );
    expect(() => compileHubOptions({ tls: { keyFile: 'hub.key' } })).toThrow(
      /without its certificate \(--tls-cert\)/,
    );
  });

  it('refuses an MQTT over TLS port that is not a port', () => {
    expect(() => compileHubOptions({ tls, mqttsPort: 70000 })).toThrow(
      /mqttsPort: 70000 is not a port number/,
    );
  });
});

describe('compileHubOptions: managed broker logins', () => {
  it('takes an admin login for an external broker', () => {
    const options = compileHubOptions({
      brokerUrl: 'mqtt://tern-hub:pw@broker:1883',
      brokerAdminUrl: 'mqtt://tern-admin:pw@broker:1883',
    });
    expect(options.brokerAdminUrl).toBe('mqtt://tern-admin:pw@broker:1883');
  });

  it('refuses one without an external broker, and one that is not an MQTT URL, without echoing it', () => {
    expect(() => compileHubOptions({ brokerAdminUrl: 'mqtt://tern-admin:pw@broker:1883' })).toThrow(
      /brokerAdmin: only with an external broker/,
    );
    expect(() =>
      compileHubOptions({
        brokerUrl: 'mqtt://broker:1883',
        brokerAdminUrl: 'http://tern-admin:secret@broker',
      }),
    ).toThrow(/^brokerAdmin: not an mqtt:\/\/ \(or mqtts:\/\/, ws:\/\/\) URL$/);
  });
});
