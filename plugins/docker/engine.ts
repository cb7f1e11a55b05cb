/** The container engine a runtime talks to: one dockerode client, found the way the Docker CLI finds it. */
import { createRequire } from 'node:module';
import type Docker from 'dockerode';
import { TaskError } from '../../protocol/errors.js';
import type { PluginHost, SharedResource } from '../../protocol/plugin.js';
import { lazyModule } from '../lazy.js';

// Named `require` with a literal id so that the agent's bundler (scripts/build-agent.mjs) bundles the driver.
const require = createRequire(import.meta.url);

const dockerode = lazyModule<typeof Docker>(() => require('dockerode'));

/** Key of the client in `PluginHost.shared`. */
export const ENGINE_KEY = 'docker.engine';

/** Codes of a socket that cannot be reached: the engine is down, elsewhere, or not ours to use. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** A dockerode client shared by every container task of a runtime; it holds no connection to close. */
class ContainerEngine implements SharedResource {
  readonly docker: Docker;
  constructor() {
    // docker-modem reads DOCKER_HOST (unix://, tcp://, ssh://), DOCKER_TLS_VERIFY and DOCKER_CERT_PATH,
    // and otherwise uses the default socket, as the Docker CLI does.
    this.docker = new (dockerode())();
  }
  close(): void {}
}

/**
 * The runtime's container engine client: `DOCKER_HOST`, or the default socket.
 *
 * @example const docker = containerEngine(ctx.host);
 */
export function containerEngine(host: PluginHost): Docker {
  try {
    return host.shared(ENGINE_KEY, () => new ContainerEngine()).docker;
  } catch (err) {
    throw new TaskError(`container engine: ${(err as Error).message}`, false, { cause: err });
  }
}

/** Where the client connects, for messages: a socket path or host:port. */
export function engineAddress(docker: Docker): string {
  const modem = docker.modem as { socketPath?: unknown; host?: string; port?: string | number };
  if (typeof modem.socketPath === 'string') return modem.socketPath;
  if (modem.host) return `${modem.host}:${modem.port ?? ''}`;
  return 'the default socket';
}

interface EngineError extends Error {
  code?: string;
  statusCode?: number;
  json?: { message?: string } | null;
}

/**
 * Turns a failed engine call into a TaskError: an unreachable engine or a
 * server error may pass (retryable); a request the engine refuses will not.
 */
export function engineFailure(docker: Docker, doing: string, err: unknown): TaskError {
  if (err instanceof TaskError) return err;
  const e = err as EngineError;
  if (e.code && UNREACHABLE.has(e.code)) {
    return new TaskError(
      `cannot reach the container engine at ${engineAddress(docker)} (${e.code}) while trying to ${doing}: ` +
        'is Docker or Podman running? DOCKER_HOST selects another engine',
      true,
      { cause: err },
    );
  }
  const detail = (e.json?.message ?? e.message ?? String(err)).trim();
  const retryable = e.statusCode === undefined || e.statusCode >= 500;
  return new TaskError(`could not ${doing}: ${detail}`, retryable, { cause: err });
}

/** True when an engine call failed because the object does not exist. */
export const isNotFound = (err: unknown): boolean => (err as EngineError).statusCode === 404;
