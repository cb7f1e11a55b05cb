/**
 * Client libraries loaded on first use rather than at import: a plugin's
 * definition and schema stay eager, but a process whose flows never use Kafka,
 * MySQL, PostgreSQL or containers never loads (nor keeps in memory) their drivers.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A loader for a package's CommonJS entry: `require`d on the first call, then cached by Node.
 *
 * @example
 * const kafkajs = lazyModule<typeof import('kafkajs')>('kafkajs');
 * new (kafkajs().Kafka)(config);
 */
export function lazyModule<T>(id: string): () => T {
  return () => require(id) as T;
}
