/**
 * Client libraries loaded on first use rather than at import: a plugin's
 * definition and schema stay eager, but a process whose flows never use Kafka,
 * MySQL, PostgreSQL or containers never loads (nor keeps in memory) their drivers.
 */

/**
 * A loader for a package's CommonJS entry: `load` runs on the first call, then Node's cache answers.
 * Each caller passes its own `require` (made with `createRequire`) and a literal id, so that the
 * agent's bundler (scripts/build-agent.mjs) sees and bundles the package.
 *
 * @example
 * const require = createRequire(import.meta.url);
 * const kafkajs = lazyModule<typeof import('kafkajs')>(() => require('kafkajs'));
 * new (kafkajs().Kafka)(config);
 */
export function lazyModule<T>(load: () => unknown): () => T {
  return () => load() as T;
}
