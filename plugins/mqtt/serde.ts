/** How MQTT payloads become values and back (Kestra's `serdeType`: JSON or STRING). */
import { Type as T } from '@sinclair/typebox';

export const SerdeTypeSchema = T.Union([T.Literal('JSON'), T.Literal('STRING')], {
  description: 'JSON: payloads are JSON documents; STRING: payloads are text',
  default: 'JSON',
});
export type SerdeType = 'JSON' | 'STRING';

/**
 * A received payload as a value. Throws an Error saying why when a JSON
 * payload does not parse.
 *
 * @example decodePayload(Buffer.from('{"celsius": 9}'), 'JSON') // { celsius: 9 }
 */
export function decodePayload(payload: Buffer, serde: SerdeType): unknown {
  const text = payload.toString('utf8');
  if (serde === 'STRING') return text;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const shown = text.length > 80 ? `${text.slice(0, 77)}...` : text;
    throw new Error(
      `payload is not valid JSON (serdeType: JSON): ${(err as Error).message}; payload: ${shown}`,
    );
  }
}

/**
 * A value to publish as bytes: a string is sent as it is, anything else
 * (map, list, number, boolean, null) as JSON text.
 *
 * @example encodePayload({ celsius: 9 }) // '{"celsius":9}'
 */
export function encodePayload(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? null);
}
