/** Container options of `docker.run` and the docker task runner, named as in Kestra, and their parsing. */
import { type Static, Type as T } from '@sinclair/typebox';
import { TaskError } from '../../protocol/errors.js';

/** Kestra's image pull policies. */
export const PULL_POLICIES = ['IF_NOT_PRESENT', 'ALWAYS', 'NEVER'] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];

const Size = (description: string) =>
  T.Union([T.String({ pattern: '^\\s*\\d+(\\.\\d+)?\\s*[a-zA-Z]*\\s*$' }), T.Integer({ minimum: 0 })], {
    description,
  });

/** Properties every container-based task accepts, spread into a schema. */
export const containerOptions = {
  pullPolicy: T.Optional(
    T.Union(
      PULL_POLICIES.map((p) => T.Literal(p)),
      {
        default: 'IF_NOT_PRESENT',
        description:
          'When to pull the image: IF_NOT_PRESENT (only when it is missing), ALWAYS, ' +
          'or NEVER (fail when it is missing)',
      },
    ),
  ),
  entryPoint: T.Optional(T.Array(T.String(), { description: "Replaces the image's entrypoint" })),
  entrypoint: T.Optional(T.Array(T.String(), { description: 'Same as `entryPoint`' })),
  user: T.Optional(
    T.String({ description: 'User (and group) to run as inside the container, e.g. `1000:1000`' }),
  ),
  networkMode: T.Optional(
    T.String({
      description: "Network mode: 'bridge' (the engine's default), 'host', 'none' or a network name",
    }),
  ),
  volumes: T.Optional(
    T.Array(T.String(), {
      description: 'Extra mounts as `hostPath:containerPath[:ro]` (or a named volume instead of hostPath)',
    }),
  ),
  memory: T.Optional(
    T.Union(
      [
        Size('Memory limit'),
        T.Object(
          {
            memory: Size('Memory limit'),
            memorySwap: T.Optional(
              T.Union([Size('Memory plus swap limit'), T.Literal(-1)], {
                description: 'Memory plus swap limit; -1 for unlimited swap',
              }),
            ),
          },
          { description: "Kestra's form: `{memory: 512MB}`" },
        ),
      ],
      { description: 'Memory limit: bytes, or a size such as `512MB` or `1g` (units of 1024)' },
    ),
  ),
  cpus: T.Optional(T.Number({ exclusiveMinimum: 0, description: 'CPU limit in CPUs, e.g. 1.5' })),
  cpu: T.Optional(
    T.Object(
      { cpus: T.Number({ exclusiveMinimum: 0 }) },
      { description: "Kestra's form of the CPU limit: `{cpus: 1.5}`" },
    ),
  ),
};

const ContainerOptionsSchema = T.Object(containerOptions);
/** The container options as a task reads them. */
export type ContainerOptions = Static<typeof ContainerOptionsSchema>;

const UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

/**
 * Reads a size as Docker does: a byte count, or a number with a unit (k, m,
 * g, t, optionally followed by b or ib, in any case), in units of 1024.
 *
 * @example parseSize('512MB') // 536870912
 */
export function parseSize(value: string | number, what: string): number {
  if (typeof value === 'number') return value;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(value);
  const unit = UNITS[(match?.[2] ?? '').toLowerCase()];
  if (!match?.[1] || unit === undefined) {
    throw new TaskError(`${what}: '${value}' is not a size (e.g. 512MB, 1g or a number of bytes)`, false);
  }
  return Math.round(Number(match[1]) * unit);
}

/** The limits and settings of `options` in the engine API's HostConfig terms. */
export interface ContainerLimits {
  memoryBytes?: number;
  memorySwapBytes?: number;
  nanoCpus?: number;
}

/** Reads the memory and CPU limits, whichever form they were written in. */
export function containerLimits(options: ContainerOptions): ContainerLimits {
  const limits: ContainerLimits = {};
  const memory = options.memory;
  if (memory !== undefined) {
    const spec = typeof memory === 'object' ? memory : { memory };
    limits.memoryBytes = parseSize(spec.memory, 'memory');
    const swap = spec.memorySwap;
    if (swap !== undefined) limits.memorySwapBytes = swap === -1 ? -1 : parseSize(swap, 'memorySwap');
  }
  const cpus = options.cpus ?? options.cpu?.cpus;
  if (cpus !== undefined) limits.nanoCpus = Math.round(cpus * 1e9);
  return limits;
}
