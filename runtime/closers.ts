/** Ordered shutdown: what started registers how to stop, and stops in reverse order, each step once. */
import type { Logger } from '../protocol/logger.js';

/**
 * A stack of named closers. `close()` runs them last-registered first, waits for
 * each, logs a failure and goes on with the next, so one stuck part cannot keep
 * the others open. A start that fails half-way closes what it had started.
 *
 * @example
 * const closers = new Closers(log);
 * const storage = await openStorage(); closers.add('storage', () => storage.close());
 * const server = await listen();       closers.add('server', () => server.close());
 * await closers.close(); // server, then storage
 */
export class Closers {
  private readonly steps: { name: string; close: () => unknown }[] = [];
  private closing: Promise<void> | undefined;

  constructor(private readonly log?: Logger) {}

  add(name: string, close: () => unknown): void {
    this.steps.push({ name, close });
  }

  /** Runs every closer once, newest first; later calls wait for the same run. */
  close(): Promise<void> {
    this.closing ??= this.run();
    return this.closing;
  }

  private async run(): Promise<void> {
    for (const step of this.steps.reverse()) {
      try {
        await step.close();
      } catch (err) {
        this.log?.error({ step: step.name, err: String(err) }, 'closing failed; going on with the rest');
      }
    }
  }
}
