/**
 * Kestra's Kafka serde types (STRING, JSON, INTEGER …): how a key or value
 * becomes record bytes and back, with the Java client's encodings (numbers
 * big-endian, as Kafka's IntegerSerializer and friends write them).
 */
import { Type as T } from '@sinclair/typebox';

export const SERDE_TYPES = [
  'STRING',
  'JSON',
  'INTEGER',
  'LONG',
  'SHORT',
  'FLOAT',
  'DOUBLE',
  'BYTE_ARRAY',
  'BYTE_BUFFER',
  'VOID',
] as const;
export type KafkaSerdeType = (typeof SERDE_TYPES)[number];

/** Schema of a serializer or deserializer property; `description` says which. */
export function SerdeTypeSchema(description: string) {
  return T.Union(
    SERDE_TYPES.map((t) => T.Literal(t)),
    { description: `${description}; default STRING (bytes as base64 for BYTE_ARRAY)`, default: 'STRING' },
  );
}

function numberOf(value: unknown, type: KafkaSerdeType): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n))
    throw new Error(`${JSON.stringify(value)} is not a number (serializer ${type})`);
  if (['INTEGER', 'SHORT', 'LONG'].includes(type) && !Number.isInteger(n))
    throw new Error(`${n} is not a whole number (serializer ${type})`);
  return n;
}

/**
 * A key or value as record bytes; `null` stays null (a tombstone value, or no key).
 *
 * @example serialize({ t: 21.5 }, 'JSON') // Buffer '{"t":21.5}'
 * @example serialize(7, 'INTEGER')        // Buffer 00 00 00 07
 */
export function serialize(value: unknown, type: KafkaSerdeType): Buffer | null {
  if (value === null || value === undefined || type === 'VOID') return null;
  switch (type) {
    case 'STRING':
      return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8');
    case 'JSON':
      return Buffer.from(JSON.stringify(value), 'utf8');
    case 'INTEGER': {
      const buf = Buffer.alloc(4);
      buf.writeInt32BE(numberOf(value, type));
      return buf;
    }
    case 'SHORT': {
      const buf = Buffer.alloc(2);
      buf.writeInt16BE(numberOf(value, type));
      return buf;
    }
    case 'LONG': {
      const buf = Buffer.alloc(8);
      buf.writeBigInt64BE(typeof value === 'bigint' ? value : BigInt(numberOf(value, type)));
      return buf;
    }
    case 'FLOAT': {
      const buf = Buffer.alloc(4);
      buf.writeFloatBE(numberOf(value, type));
      return buf;
    }
    case 'DOUBLE': {
      const buf = Buffer.alloc(8);
      buf.writeDoubleBE(numberOf(value, type));
      return buf;
    }
    case 'BYTE_ARRAY':
    case 'BYTE_BUFFER':
      if (typeof value === 'string') return Buffer.from(value, 'base64');
      if (Array.isArray(value) && value.every((b) => Number.isInteger(b) && b >= 0 && b < 256))
        return Buffer.from(value as number[]);
      throw new Error(`serializer ${type} takes base64 text or a list of bytes`);
  }
}

/**
 * Record bytes as a value: the inverse of {@link serialize}. Throws an Error
 * saying why when the bytes do not fit the type (JSON that does not parse,
 * a number of the wrong width).
 */
export function deserialize(bytes: Buffer | null, type: KafkaSerdeType): unknown {
  if (bytes === null || type === 'VOID') return null;
  const width = (n: number) => {
    if (bytes.length !== n) throw new Error(`${bytes.length} bytes cannot be a ${type} (${n} bytes)`);
  };
  switch (type) {
    case 'STRING':
      return bytes.toString('utf8');
    case 'JSON': {
      const text = bytes.toString('utf8');
      try {
        return JSON.parse(text) as unknown;
      } catch (err) {
        const shown = text.length > 80 ? `${text.slice(0, 77)}...` : text;
        throw new Error(`not valid JSON (deserializer JSON): ${(err as Error).message}; record: ${shown}`);
      }
    }
    case 'INTEGER':
      width(4);
      return bytes.readInt32BE();
    case 'SHORT':
      width(2);
      return bytes.readInt16BE();
    case 'LONG': {
      width(8);
      const n = bytes.readBigInt64BE();
      return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(n)
        : n.toString();
    }
    case 'FLOAT':
      width(4);
      return bytes.readFloatBE();
    case 'DOUBLE':
      width(8);
      return bytes.readDoubleBE();
    case 'BYTE_ARRAY':
    case 'BYTE_BUFFER':
      return bytes.toString('base64');
  }
}
