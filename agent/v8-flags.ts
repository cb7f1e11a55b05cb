/** The V8 heap settings an agent runs with on a small device, from the device's memory. */
import { totalmem } from 'node:os';

/** Young generation: one 1 MB semi-space instead of V8's 16 MB, since an agent's garbage is small and short-lived. */
const SEMI_SPACE_MB = 1;
/** The old generation's cap: a quarter of the device's memory, within these bounds. */
const MIN_OLD_SPACE_MB = 64;
const MAX_OLD_SPACE_MB = 256;

/**
 * The Node options `tern agent` should start with: V8 sizes its heap when the
 * process starts, so they go on the command line or in `NODE_OPTIONS`, not in
 * code (`v8.setFlagsFromString` comes too late for the heap's limits). The
 * agent's service definition and B7 start it with these; docs/decisions/agent.md
 * gives the measurements.
 *
 * @example agentNodeOptions(512 * 1024 ** 2) // ['--max-semi-space-size=1', '--max-old-space-size=128']
 */
export function agentNodeOptions(deviceMemoryBytes = totalmem()): string[] {
  const quarter = Math.floor(deviceMemoryBytes / 1024 ** 2 / 4);
  const oldSpace = Math.min(MAX_OLD_SPACE_MB, Math.max(MIN_OLD_SPACE_MB, quarter));
  return [`--max-semi-space-size=${SEMI_SPACE_MB}`, `--max-old-space-size=${oldSpace}`];
}
