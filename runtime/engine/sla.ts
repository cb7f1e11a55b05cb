/** Kestra's flow SLAs: what a breach does to the execution (fail, cancel, or only label it). */
import { labelMap, type Sla } from '../../protocol/flow.js';

/** What a breached SLA asks of the execution. */
export interface SlaBreach {
  /** FAILED or CANCELLED; undefined for `behavior: NONE` (labels only). */
  state: 'FAILED' | 'CANCELLED' | undefined;
  labels: Record<string, string>;
  message: string;
}

/** The breach of one SLA, described for the execution's labels, state and error. */
export function slaBreach(sla: Sla, why: string): SlaBreach {
  const behavior = sla.behavior ?? 'FAIL';
  return {
    state: behavior === 'FAIL' ? 'FAILED' : behavior === 'CANCEL' ? 'CANCELLED' : undefined,
    labels: labelMap(sla.labels),
    message: `SLA '${sla.id}' breached: ${why}`,
  };
}

/** The flow's MAX_DURATION SLA that ends first, if any, with its limit in milliseconds. */
export function firstMaxDuration(
  slas: readonly Sla[] | undefined,
  durationMs: (text: string) => number,
): { sla: Sla; ms: number } | undefined {
  let first: { sla: Sla; ms: number } | undefined;
  for (const sla of slas ?? []) {
    if (sla.type !== 'MAX_DURATION' || !sla.duration) continue;
    const ms = durationMs(sla.duration);
    if (!first || ms < first.ms) first = { sla, ms };
  }
  return first;
}
