/**
 * B2's cost per execution, a figure that holds on a busy machine where exec/s does not: CPU time
 * of the process and of its main thread per execution. `node dist/bench/b2-cost.js [executions]`.
 */
import { readFileSync } from 'node:fs';
import { executionBatch } from './engine-bench.js';

/** The main thread's CPU time so far in microseconds (Linux: /proc), or undefined elsewhere. */
function mainThreadMicros(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the command's closing parenthesis; utime and stime are the 12th and 13th, in clock ticks (10 ms).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return undefined;
  }
}

const executions = Number(process.argv[2] ?? 60_000);
await executionBatch(10_000); // warm-up
const cpuBefore = process.cpuUsage();
const mainBefore = mainThreadMicros();
const { completed, seconds } = await executionBatch(executions);
const cpu = process.cpuUsage(cpuBefore);
const mainAfter = mainThreadMicros();
const perExecution = (micros: number) => `${(micros / completed).toFixed(1)} µs`;
console.log(
  [
    `${Math.round(completed / seconds)} exec/s`,
    `process CPU ${perExecution(cpu.user + cpu.system)}/exec`,
    mainBefore !== undefined && mainAfter !== undefined
      ? `main thread ${perExecution(mainAfter - mainBefore)}/exec`
      : 'main thread: not measured (no /proc)',
  ].join(', '),
);
