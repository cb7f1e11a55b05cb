/**
 * The security half of Kestra's Kafka properties: SASL credentials and TLS
 * trust and key stores, as kafkajs options. Used by `client.ts`.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import type { KafkaProperties } from './client.js';

const text = (value: string | number | boolean | undefined): string | undefined =>
  value === undefined ? undefined : String(value).trim();

/** Credentials from Kestra's `sasl.jaas.config` (`… username="u" password="p";`) or `sasl.username`/`sasl.password`. */
export function saslOptions(properties: KafkaProperties): SASLOptions {
  const mechanism = (text(properties['sasl.mechanism']) ?? 'PLAIN').toUpperCase();
  const jaas = text(properties['sasl.jaas.config']) ?? '';
  const field = (name: string) => new RegExp(`${name}\\s*=\\s*"((?:[^"\\\\]|\\\\.)*)"`).exec(jaas)?.[1];
  const username = field('username') ?? text(properties['sasl.username']);
  const password = field('password') ?? text(properties['sasl.password']);
  if (username === undefined || password === undefined)
    throw new Error(
      'properties: SASL needs a username and password: `sasl.jaas.config` (… username="u" password="p";) or `sasl.username` and `sasl.password`',
    );
  switch (mechanism) {
    case 'PLAIN':
      return { mechanism: 'plain', username, password };
    case 'SCRAM-SHA-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'SCRAM-SHA-512':
      return { mechanism: 'scram-sha-512', username, password };
    default:
      throw new Error(
        `properties.sasl.mechanism: '${mechanism}' is not supported (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)`,
      );
  }
}

/** TLS options from the trust and key store properties; PEM files or text, or a PKCS12 key store. JKS is refused. */
export function tlsOptions(properties: KafkaProperties): ConnectionOptions {
  const tls: ConnectionOptions = {};
  const read = (name: string) => {
    const path = text(properties[name]);
    if (!path) return undefined;
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`properties.${name}: cannot read '${path}': ${(err as Error).message}`);
    }
  };
  for (const store of ['truststore', 'keystore'] as const) {
    const type = (text(properties[`ssl.${store}.type`]) ?? 'PEM').toUpperCase();
    if (type === 'JKS' && properties[`ssl.${store}.location`] !== undefined)
      throw new Error(
        `properties.ssl.${store}.type: JKS stores cannot be read here; convert it to PEM (keytool -exportcert -rfc) or PKCS12`,
      );
  }
  const trustType = (text(properties['ssl.truststore.type']) ?? 'PEM').toUpperCase();
  if (trustType === 'PKCS12' && properties['ssl.truststore.location'] !== undefined)
    throw new Error('properties.ssl.truststore.type: give the trusted CA as PEM (ssl.truststore.type: PEM)');
  const ca = text(properties['ssl.truststore.certificates']) ?? read('ssl.truststore.location');
  if (ca !== undefined) tls.ca = [ca];
  const keyType = (text(properties['ssl.keystore.type']) ?? 'PEM').toUpperCase();
  const keyPassword = text(properties['ssl.key.password']) ?? text(properties['ssl.keystore.password']);
  if (keyType === 'PKCS12') {
    const pfx = read('ssl.keystore.location');
    if (pfx) tls.pfx = [{ buf: pfx, passphrase: text(properties['ssl.keystore.password']) }];
  } else {
    const inlineKey = text(properties['ssl.keystore.key']);
    const inlineChain = text(properties['ssl.keystore.certificate.chain']);
    const file = read('ssl.keystore.location');
    const key = inlineKey ?? file;
    const cert = inlineChain ?? file;
    if (key !== undefined) tls.key = [{ pem: key, passphrase: keyPassword }];
    if (cert !== undefined) tls.cert = cert;
  }
  if (text(properties['ssl.endpoint.identification.algorithm']) === '')
    tls.checkServerIdentity = () => undefined;
  return tls;
}
