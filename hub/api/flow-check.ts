/**
 * Checks submitted flows without holding the hub's event loop: a small flow at once, a large one
 * on a worker thread. Parsing and validating a flow at the size limits takes about a second of
 * CPU, and no request may keep health checks, other requests and running flows waiting that long.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Registry } from '../../plugins/registry.js';
import type { Renderer } from '../../runtime/expr/index.js';
import { type CheckedFlow, checkSubmission, type FlowSubmission } from './flow-source.js';

/** Checks submitted flows, each with every problem located. */
export interface FlowChecker {
  check(submission: FlowSubmission): Promise<CheckedFlow>;
  /** Stops the worker, if one runs. */
  close(): Promise<void>;
}

/** The hub's checker, or one on the event loop when it has none. */
export function flowCheckerOf(services: {
  flowChecker?: FlowChecker;
  registry: Registry;
  renderer: Renderer;
}): FlowChecker {
  return services.flowChecker ?? inlineFlowChecker(services.registry, services.renderer);
}

/** A checker on the event loop: for tests and tools, where nothing else waits. */
export function inlineFlowChecker(registry: Registry, renderer: Renderer): FlowChecker {
  return {
    check: async (submission) => checkSubmission(submission, registry, renderer),
    close: async () => {},
  };
}

/** Submissions shorter than this are checked at once: they take a few milliseconds. */
export const INLINE_BELOW_CHARS = 64 * 1024;
/** A check still running after this long is given up and its worker replaced; within the flow limits none takes a tenth of it. */
const CHECK_TIMEOUT_MS = 30_000;
/** A worker idle for this long ends; the next large flow starts another. */
const IDLE_MS = 60_000;
/** The worker's heap: a check that needs more fails alone instead of taking the hub's memory. */
const WORKER_HEAP_MB = 512;

interface Job {
  id: number;
  submission: FlowSubmission;
  resolve(checked: CheckedFlow): void;
}

type Reply = { id: number; checked?: CheckedFlow; error?: string };

function sizeOf(submission: FlowSubmission): number {
  return submission.kind === 'yaml'
    ? submission.text.length
    : (JSON.stringify(submission.value)?.length ?? 0);
}

/** A submission refused because checking it failed: the reason as its one problem. */
function refused(message: string): CheckedFlow {
  return { source: '', problems: [{ path: '', message, line: 1, column: 1 }], malformed: false };
}

/**
 * One lazily started worker thread, with the built-in plugins, checking large submissions in
 * the order they come. Without the compiled worker file (running from TypeScript sources) every
 * check runs at once on the event loop.
 *
 * @example
 * const checker = new FlowCheckPool(builtinRegistry(), renderer);
 * const checked = await checker.check({ kind: 'yaml', text: source });
 */
export class FlowCheckPool implements FlowChecker {
  private worker: Worker | undefined;
  private readonly queue: Job[] = [];
  private nextId = 1;
  private timer: NodeJS.Timeout | undefined;
  private readonly workerFile: URL | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly renderer: Renderer,
    workerFile = new URL('./flow-check-worker.js', import.meta.url),
  ) {
    this.workerFile = existsSync(fileURLToPath(workerFile)) ? workerFile : undefined;
  }

  check(submission: FlowSubmission): Promise<CheckedFlow> {
    if (!this.workerFile || sizeOf(submission) < INLINE_BELOW_CHARS)
      return Promise.resolve(checkSubmission(submission, this.registry, this.renderer));
    return new Promise((resolve) => {
      const job = { id: this.nextId++, submission, resolve };
      this.queue.push(job);
      this.start().postMessage({ id: job.id, submission });
      if (this.queue.length === 1) this.startClock();
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    clearTimeout(this.timer);
    for (const job of this.queue.splice(0)) job.resolve(refused('the hub is stopping'));
    await worker?.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.workerFile!, {
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    worker.unref();
    worker.on('message', (reply: Reply) => {
      const job = this.queue[0];
      if (this.worker !== worker || job?.id !== reply.id) return;
      this.queue.shift();
      job.resolve(reply.checked ?? refused(`the flow could not be checked: ${reply.error}`));
      this.startClock();
    });
    worker.on('error', (err) => this.lost(worker, `the flow could not be checked: ${err.message}`));
    worker.on('exit', () => this.lost(worker, 'the flow could not be checked: the checker stopped'));
    this.worker = worker;
    return worker;
  }

  /** Times the job in progress, or the idleness of the worker when there is none. */
  private startClock(): void {
    clearTimeout(this.timer);
    const inProgress = this.queue.length > 0;
    this.timer = setTimeout(
      () => {
        const worker = this.worker;
        if (!worker) return;
        if (inProgress) this.lost(worker, `checking the flow took longer than ${CHECK_TIMEOUT_MS / 1000} s`);
        else {
          this.worker = undefined;
          void worker.terminate();
        }
      },
      inProgress ? CHECK_TIMEOUT_MS : IDLE_MS,
    );
    this.timer.unref();
  }

  /** The worker failed on the job in progress: that one is refused, the others go to a new worker. */
  private lost(worker: Worker, reason: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    void worker.terminate();
    this.queue.shift()?.resolve(refused(reason));
    if (this.queue.length === 0) return;
    const next = this.start();
    for (const job of this.queue) next.postMessage({ id: job.id, submission: job.submission });
    this.startClock();
  }
}
