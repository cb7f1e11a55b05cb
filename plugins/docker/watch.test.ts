/**
 * streamLogs when the engine refuses to follow a container's logs. Podman does
 * so when the container exits at that very moment, a race that cannot be
 * brought about on demand: the container here is a stand-in that answers the
 * way Podman then does. Everything else is tested on Podman in run.test.ts.
 */
import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { streamLogs } from './watch.js';

/** Docker's multiplexed log format: an 8-byte header (stream 1 or 2, then the size) per frame. */
function frame(stream: 1 | 2, text: string): Buffer {
  const payload = Buffer.from(text);
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}

const PODMAN_RACE = new Error(
  "(HTTP code 500) server error - failed to obtain logs for Container 'c0ffee': read /proc/9393/cgroup: no such process",
);

/** A container whose followed logs fail as Podman's do; `whole` is what a plain read gives, or its failure. */
function exitingContainer(whole: Buffer | Error): Docker.Container {
  const logs = async (options: { follow?: boolean }) => {
    if (options.follow) throw PODMAN_RACE;
    if (whole instanceof Error) throw whole;
    return whole;
  };
  return { logs } as unknown as Docker.Container;
}

describe('streamLogs, when following the logs is refused', () => {
  it('reads the whole log once the container has stopped, each line once', async () => {
    const container = exitingContainer(
      Buffer.concat([frame(1, 'one\n'), frame(2, 'two\n'), frame(1, 'three\n')]),
    );
    const lines: string[] = [];
    await streamLogs(
      new Docker(),
      container,
      (stream, line) => lines.push(`${stream} ${line}`),
      Promise.resolve(0),
    );
    expect(lines).toEqual(['stdout one', 'stderr two', 'stdout three']);
  });

  it('fails with the engine’s first answer when the plain read fails too', async () => {
    const container = exitingContainer(new Error('no such container'));
    await expect(streamLogs(new Docker(), container, () => {}, Promise.resolve(0))).rejects.toBe(PODMAN_RACE);
  });
});
