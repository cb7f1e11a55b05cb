/** Makes sure a container's image is there, as its pull policy asks: look locally, pull, or refuse. */
import type Docker from 'dockerode';
import { TaskError } from '../../protocol/errors.js';
import type { TaskLogger } from '../../protocol/plugin.js';
import { engineFailure, isNotFound } from './engine.js';
import type { PullPolicy } from './options.js';

/**
 * An image reference with a tag: without one, the pull API would fetch every
 * tag of the repository. A colon before the last `/` belongs to a registry
 * address (`host:5000/app`), not to a tag.
 *
 * @example withTag('alpine') // 'alpine:latest'
 */
export function withTag(image: string): string {
  if (image.includes('@')) return image;
  const name = image.slice(image.lastIndexOf('/') + 1);
  return name.includes(':') ? image : `${image}:latest`;
}

async function isPresent(docker: Docker, image: string): Promise<boolean> {
  try {
    await docker.getImage(image).inspect();
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw engineFailure(docker, `inspect image '${image}'`, err);
  }
}

async function pull(docker: Docker, image: string, logger: TaskLogger, signal: AbortSignal): Promise<void> {
  const reference = withTag(image);
  logger.info(`pulling image ${reference}`);
  let stream: NodeJS.ReadableStream;
  try {
    stream = await docker.pull(reference);
  } catch (err) {
    throw engineFailure(docker, `pull image '${reference}'`, err);
  }
  const destroy = () => (stream as NodeJS.ReadableStream & { destroy(): void }).destroy();
  signal.addEventListener('abort', destroy, { once: true });
  try {
    await new Promise<void>((resolve, reject) => {
      let failed: Error | undefined;
      // The engine reports a failed pull (no registry, unknown image) as an event in a stream that ends well.
      const onEvent = (event: { error?: string; errorDetail?: { message?: string } }) => {
        const message = event.errorDetail?.message ?? event.error;
        if (message && !failed) failed = new Error(message);
      };
      docker.modem.followProgress(
        stream,
        (err: Error | null) => (err || failed ? reject(err ?? failed) : resolve()),
        onEvent,
      );
    });
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    throw engineFailure(docker, `pull image '${reference}'`, err);
  } finally {
    signal.removeEventListener('abort', destroy);
  }
}

/**
 * Ensures `image` is available to create a container from: IF_NOT_PRESENT
 * pulls only a missing image, ALWAYS pulls every time, NEVER fails (without
 * retry) when the image is missing.
 */
export async function ensureImage(
  docker: Docker,
  image: string,
  policy: PullPolicy,
  logger: TaskLogger,
  signal: AbortSignal,
): Promise<void> {
  if (policy === 'ALWAYS') return pull(docker, image, logger, signal);
  if (await isPresent(docker, image)) return;
  if (policy === 'NEVER') {
    throw new TaskError(`image '${image}' is not present and pullPolicy is NEVER`, false);
  }
  await pull(docker, image, logger, signal);
}
