/** Downloads an agent bundle from the hub's HTTP API into a file, hashing it as it streams, never past its announced size. */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TlsClientOptions } from '../hub-trust.js';

export interface BundleFetch {
  url: string;
  /** The agent's own token (its broker password), sent as a bearer token. */
  token: string | undefined;
  /** Bytes the desired state announced: a longer answer is cut off and refused. */
  size: number;
  /** How the hub's certificate is verified on https://. */
  tls?: TlsClientOptions;
  timeoutMs: number;
}

/**
 * Writes the answer's body to `file` and returns its SHA-256. Throws with what went wrong: an HTTP
 * status other than 200 (with the hub's message), a body over `size`, a network failure, a timeout.
 */
export async function fetchBundle(options: BundleFetch, file: string): Promise<Buffer> {
  const response = await get(options);
  if (response.statusCode !== 200) {
    const text = await readSome(response);
    throw new Error(`the hub answered ${response.statusCode} for ${options.url}: ${text}`);
  }
  const hash = createHash('sha256');
  let received = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      if (received > options.size)
        return done(new Error(`the bundle is larger than the ${options.size} bytes announced`));
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(response, count, createWriteStream(file));
  return hash.digest();
}

function get(options: BundleFetch): Promise<IncomingMessage> {
  const url = new URL(options.url);
  const headers = options.token ? { authorization: `Bearer ${options.token}` } : {};
  return new Promise((resolve, reject) => {
    const request =
      url.protocol === 'https:'
        ? httpsRequest(url, { headers, ...options.tls, timeout: options.timeoutMs }, resolve)
        : httpRequest(url, { headers, timeout: options.timeoutMs }, resolve);
    request.on('timeout', () =>
      request.destroy(new Error(`no answer from ${url.origin} in ${options.timeoutMs} ms`)),
    );
    request.on('error', reject);
    request.end();
  });
}

/** The first kilobyte of an error answer, for the message. */
async function readSome(response: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of response) {
    text += String(chunk);
    if (text.length > 1024) break;
  }
  response.destroy();
  return text.slice(0, 1024);
}
