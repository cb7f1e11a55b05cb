/**
 * Runs B5 in a process of its own, so that the hub's memory is the hub's and
 * not what earlier benchmarks left behind; the figures go to the parent over IPC.
 */
import { fleetSweep } from './fleet-bench.js';
import { benchPgUrl } from './pg.js';

process.send?.(await fleetSweep(benchPgUrl()), () => process.exit(0));
