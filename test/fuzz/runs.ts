/** How many cases each fuzz property tries: reproducible by default, FUZZ_SEED and FUZZ_RUNS to explore further. */

const SEED = Number(process.env.FUZZ_SEED ?? 14);
const SCALE = Number(process.env.FUZZ_RUNS ?? 1);

/**
 * fast-check options for a property that tries `n` cases (times FUZZ_RUNS) from the fixed seed (or FUZZ_SEED).
 *
 * @example fc.assert(fc.property(fc.string(), check), runs(300));
 */
export const runs = (n: number) => ({ seed: SEED, numRuns: Math.max(1, Math.round(n * SCALE)) });
