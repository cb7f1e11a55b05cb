/**
 * Gathers the bridge's records for a few milliseconds and writes them to the
 * durable queue in one transaction: one insert per burst, not per event.
 */
import type { Logger } from '../../protocol/logger.js';
import type { BridgeRecord, BridgeRepository } from '../store/types.js';

export interface EnqueuerOptions {
  /** How long a record waits for company. */
  lingerMs?: number;
  /** Records written per transaction, at most. */
  batchSize?: number;
  /** Records held in memory while the database refuses them; beyond, new records are dropped (and counted). */
  maxBuffered?: number;
  /** Called after each write, so that the sender looks at the queue at once. */
  written?: () => void;
  dropped?: (count: number) => void;
}

export class Enqueuer {
  private buffer: BridgeRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private retryMs = 100;
  private readonly lingerMs: number;
  private readonly batchSize: number;
  private readonly maxBuffered: number;

  constructor(
    private readonly repository: BridgeRepository,
    private readonly log: Logger,
    private readonly options: EnqueuerOptions = {},
  ) {
    this.lingerMs = options.lingerMs ?? 10;
    this.batchSize = options.batchSize ?? 1000;
    this.maxBuffered = options.maxBuffered ?? 100_000;
  }

  add(record: BridgeRecord): void {
    if (this.buffer.length >= this.maxBuffered) {
      this.options.dropped?.(1);
      return;
    }
    this.buffer.push(record);
    if (this.buffer.length >= this.batchSize) this.schedule(0);
    else this.timer ??= this.schedule(this.lingerMs);
  }

  /** Resolves once every record added so far is in the queue (or failed to be written, which is logged). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.write();
    await this.writing;
  }

  private schedule(ms: number): NodeJS.Timeout {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.write();
    }, ms);
    return this.timer;
  }

  /** Writes what is buffered after the previous write, in order. */
  private write(): void {
    this.writing = this.writing.then(async () => {
      while (this.buffer.length > 0) {
        const batch = this.buffer.slice(0, this.batchSize);
        try {
          await this.repository.enqueue(batch);
        } catch (err) {
          this.log.error(
            { err: String(err), buffered: this.buffer.length },
            'kafka bridge: records not queued; will retry',
          );
          this.timer ??= this.schedule(this.retryMs);
          this.retryMs = Math.min(this.retryMs * 2, 10_000);
          return;
        }
        this.retryMs = 100;
        this.buffer.splice(0, batch.length);
        this.options.written?.();
      }
    });
  }
}
