/**
 * What an agent reports of itself (its outbox, triggers, footprint, applied and refused flows): schemas and
 * their types, free of Node imports so the web UI type-checks against them.
 */
import { type Static, Type as T } from '@sinclair/typebox';
import { Count, Iso, Name, Revision, SeqMark } from './wire-scalars.js';

export const OutboxStatusSchema = T.Object({
  depth: Count,
  bytes: Count,
  oldestAgeMs: Count,
  dropped: Count,
  highSeq: SeqMark,
  ackedSeq: SeqMark,
  full: T.Boolean(),
});
export type OutboxStatus = Static<typeof OutboxStatusSchema>;

/** How one running trigger is doing, as its runtime (an agent, or the hub) sees it. */
export const TriggerStatusSchema = T.Object({
  namespace: Name,
  flowId: Name,
  triggerId: Name,
  type: T.String(),
  revision: Revision,
  /** That revision disables the trigger (or the whole flow): it does not run. */
  disabled: T.Optional(T.Boolean()),
  /** When it last started an execution, and which one. */
  lastFiredAt: T.Optional(Iso),
  lastExecutionId: T.Optional(T.String()),
  /** When it plans to fire next (schedule). */
  next: T.Optional(Iso),
  /** The last error or warning it logged (a broker it cannot reach, inputs that do not fit …). */
  lastError: T.Optional(T.Object({ at: Iso, message: T.String() })),
  /** Executions it started since the runtime started. */
  fired: Count,
  /** Events dropped because the trigger queue was full (see `--trigger-queue-full`). */
  dropped: Count,
});
export type TriggerStatus = Static<typeof TriggerStatusSchema>;

/** What an agent costs the device it runs on, as of its status message. */
export const FootprintSchema = T.Object({
  /** Resident memory of the process (threads included). */
  rssBytes: Count,
  /** The main thread's V8 heap: in use, and the cap the old generation may grow to. */
  heapUsedBytes: Count,
  heapLimitBytes: Count,
  /** The 99th percentile of the event loop's delay since the previous status, in milliseconds. */
  eventLoopDelayP99Ms: T.Number({ minimum: 0 }),
  /** From process start to connected with its flows applied, the first time, in milliseconds. */
  readyMs: T.Optional(T.Number({ minimum: 0 })),
});
export type Footprint = Static<typeof FootprintSchema>;

/** What names one revision of a flow. */
const flowRevision = { namespace: Name, id: Name, revision: Revision };

/** A flow revision an agent runs, with the hash of its source. */
export const AppliedFlowSchema = T.Object({ ...flowRevision, hash: T.String() });
export type AppliedFlow = Static<typeof AppliedFlowSchema>;

/** A flow revision an agent would not run, and why. */
export const RefusedFlowSchema = T.Object({ ...flowRevision, reason: T.String() });
export type RefusedFlow = Static<typeof RefusedFlowSchema>;
