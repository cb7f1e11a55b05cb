/** Watching a started container: its output line by line, and its exit code. */
import { Readable, Writable } from 'node:stream';
import type Docker from 'dockerode';
import { LineSplitter } from '../script/line-splitter.js';

/** How long the log stream may lag behind the container's exit before it is cut. */
const LOG_DRAIN_MS = 2_000;

/** How often the container's state is checked, besides the engine's wait. */
const EXIT_POLL_MS = 1_000;

/** A writable end that feeds a line splitter: what dockerode's demuxer writes each stream to. */
function lineSink(splitter: LineSplitter): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      splitter.push(chunk);
      done();
    },
  });
}

type LogStream = NodeJS.ReadableStream & { destroy(): void };

/** Resolves after `ms`, or at once when `cancel` is called; never holds the process open. */
function pause(ms: number): { done: Promise<void>; cancel(): void } {
  let cancel = () => {};
  const done = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    cancel = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  return { done, cancel };
}

/**
 * Streams the container's stdout and stderr, from its start, to `onLine`.
 * Resolves once the stream has ended, or `LOG_DRAIN_MS` after `exited`
 * settles if it has not (or if the engine has not even answered): a stream
 * the engine keeps open must not hold the task.
 */
export async function streamLogs(
  docker: Docker,
  container: Docker.Container,
  onLine: (stream: 'stdout' | 'stderr', line: string) => void,
  exited: Promise<unknown>,
): Promise<void> {
  const deliver = (stream: 'stdout' | 'stderr') => (line: string) => {
    try {
      onLine(stream, line);
    } catch {
      // A failing consumer must not stop the stream and leave the container unwatched.
    }
  };
  const out = new LineSplitter(deliver('stdout'));
  const err = new LineSplitter(deliver('stderr'));
  let stream: LogStream | undefined;
  let cut = false;
  const pump = (async () => {
    const opened = await openLogs(container, exited);
    if (cut) return opened.destroy();
    stream = opened;
    docker.modem.demuxStream(opened, lineSink(out), lineSink(err));
    await new Promise<void>((resolve) => {
      opened.on('end', resolve);
      opened.on('close', resolve);
      opened.on('error', () => resolve());
    });
  })();
  const grace = pause(LOG_DRAIN_MS);
  const after = exited.then(
    () => grace.done,
    () => grace.done,
  );
  try {
    await Promise.race([pump, after]);
  } finally {
    cut = true;
    grace.cancel();
    stream?.destroy();
    out.end();
    err.end();
  }
}

/**
 * The container's log stream, followed. Podman refuses to follow the logs of
 * a container that is exiting at that very moment (a 500, "read
 * /proc/PID/cgroup: no such process"); nothing has been read then, so the
 * whole log is read once the container has stopped.
 */
async function openLogs(container: Docker.Container, exited: Promise<unknown>): Promise<LogStream> {
  try {
    return (await container.logs({ follow: true, stdout: true, stderr: true })) as LogStream;
  } catch (error) {
    await exited.catch(() => undefined);
    const whole = await container.logs({ follow: false, stdout: true, stderr: true }).catch(() => {
      throw error;
    });
    return Readable.from([whole], { objectMode: false }) as LogStream;
  }
}

/**
 * Resolves with the exit code once the container has stopped. The engine's
 * wait is the quick path, backed by a look at the container's state every
 * `EXIT_POLL_MS`: Podman's Docker-compatible wait can miss the exit of a
 * short-lived container, and can answer before it.
 */
export async function waitForExit(container: Docker.Container): Promise<number> {
  let waited: Promise<unknown> = container.wait().catch(() => undefined);
  for (;;) {
    const poll = pause(EXIT_POLL_MS);
    await Promise.race([waited, poll.done]);
    poll.cancel();
    // The engine's answer counts once; after that, only the polling paces the loop.
    waited = new Promise(() => {});
    const { State: state } = await container.inspect();
    if (!state.Running && !state.Paused && !state.Restarting) return state.ExitCode;
  }
}
