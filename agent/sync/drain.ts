/**
 * Drains the outbox over one hub session: events batches in seq order, at
 * most `maxInFlight` unacknowledged, more on each ack, everything
 * unacknowledged again when acks stop coming.
 */

import type { Logger } from '../../protocol/logger.js';
import type { SyncTuning } from '../config.js';
import { encodeEvents, type Outbox } from './outbox.js';

/** Sends one events message; delivery is confirmed by the hub's ack, not here. */
export type PublishEvents = (payload: string, lastSeq: number) => void;

export interface DrainStats {
  batchesSent: number;
  recordsSent: number;
  /** Times unacknowledged batches were sent again after `ackTimeoutMs` without an ack. */
  resends: number;
  /** Events batches sent and not yet acknowledged. */
  inFlight: number;
  /** Highest seq sent on the current session. */
  sentSeq: number;
  /** Acks refused because they named a seq above any this process sent. */
  refusedAcks: number;
}

type Tuning = Pick<
  SyncTuning,
  'batchMaxRecords' | 'batchMaxBytes' | 'lingerMs' | 'maxInFlight' | 'ackTimeoutMs'
>;

/**
 * The drain of one agent. {@link begin} on each session that reaches ACTIVE
 * (sending from the acked seq again, since the hub deduplicates), {@link end}
 * when it is lost.
 */
export class Drain {
  private publish: PublishEvents | undefined;
  private sentSeq = 0;
  /**
   * Highest seq sent to the hub by this process, on any session: an ack above it cannot be true (the
   * hub cannot have stored what it never received), so it is refused rather than trimming the outbox.
   */
  private highestSent: number;
  /** Last seq of each unacknowledged batch, oldest first. */
  private inFlight: number[] = [];
  private lingerTimer: NodeJS.Timeout | undefined;
  private ackTimer: NodeJS.Timeout | undefined;
  private readonly counters = { batchesSent: 0, recordsSent: 0, resends: 0, refusedAcks: 0 };

  constructor(
    private readonly outbox: Outbox,
    private readonly tuning: Tuning,
    private readonly log: Logger,
  ) {
    this.highestSent = outbox.ackedSeq;
  }

  /** A session is up: send everything not acknowledged, from the acked seq on. */
  begin(publish: PublishEvents): void {
    this.publish = publish;
    this.sentSeq = this.outbox.ackedSeq;
    this.inFlight = [];
    this.pump();
  }

  /** The session is gone: what was in flight is sent again on the next one. */
  end(): void {
    this.publish = undefined;
    this.inFlight = [];
    clearTimeout(this.lingerTimer);
    clearTimeout(this.ackTimer);
    this.lingerTimer = this.ackTimer = undefined;
  }

  /** New records were committed: send them after `lingerMs`, with whatever else arrives meanwhile. */
  schedule(): void {
    if (this.lingerTimer || !this.publish || this.inFlight.length >= this.tuning.maxInFlight) return;
    this.lingerTimer = setTimeout(() => this.pump(), this.tuning.lingerMs);
  }

  /**
   * The hub stored everything up to `seq`: trim, and send more. Stale or repeated acks change nothing.
   * An ack above every seq this process sent is refused and logged, the outbox untouched: a hub (or a
   * client with a stolen hub login) acking what it never received would otherwise delete records that
   * were never stored. After a restart, an ack of records the previous process sent is refused too; the
   * records go again and the hub, which deduplicates them, acks them again.
   */
  acked(seq: number): void {
    if (seq > this.highestSent) {
      this.counters.refusedAcks++;
      this.log.warn(
        { ackSeq: seq, highestSent: this.highestSent, ackedSeq: this.outbox.ackedSeq },
        'ack above every record sent; refused, outbox untouched',
      );
      return;
    }
    const before = this.outbox.ackedSeq;
    this.outbox.trim(seq);
    const acked = this.outbox.ackedSeq;
    if (acked <= before) return;
    this.inFlight = this.inFlight.filter((lastSeq) => lastSeq > acked);
    // Acks of an earlier session (kept by the broker) cover records not yet sent again on this one.
    if (this.sentSeq < acked) this.sentSeq = acked;
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    this.pump();
  }

  /** Sends batches until `maxInFlight` are unacknowledged or the outbox has nothing more. */
  pump(): void {
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    const publish = this.publish;
    if (!publish) return;
    const { batchMaxRecords, batchMaxBytes, maxInFlight } = this.tuning;
    while (this.inFlight.length < maxInFlight) {
      const batch = this.outbox.read(this.sentSeq, batchMaxRecords, batchMaxBytes);
      if (!batch) break;
      publish(encodeEvents(batch.rows, this.sentSeq, this.outbox.storeId), batch.lastSeq);
      this.inFlight.push(batch.lastSeq);
      this.sentSeq = batch.lastSeq;
      this.highestSent = Math.max(this.highestSent, batch.lastSeq);
      this.counters.batchesSent++;
      this.counters.recordsSent += batch.rows.length;
    }
    if (this.inFlight.length > 0) this.armAckTimer();
  }

  stats(): DrainStats {
    return { ...this.counters, inFlight: this.inFlight.length, sentSeq: this.sentSeq };
  }

  /** Without progress for `ackTimeoutMs`, sends everything unacknowledged again: the hub may have missed it. */
  private armAckTimer(): void {
    if (this.ackTimer) return;
    this.ackTimer = setTimeout(() => {
      this.ackTimer = undefined;
      if (this.inFlight.length === 0 || !this.publish) return;
      this.log.warn(
        { inFlight: this.inFlight.length, ackedSeq: this.outbox.ackedSeq },
        'no ack from the hub; sending unacknowledged records again',
      );
      this.counters.resends++;
      this.sentSeq = this.outbox.ackedSeq;
      this.inFlight = [];
      this.pump();
    }, this.tuning.ackTimeoutMs);
    this.ackTimer.unref();
  }
}
