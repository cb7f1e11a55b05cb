/** How a flow revision reaches its agents in stages (a flow's `rollout:` and `POST /rollouts`): schema, defaults. */
import { type Static, Type as T } from '@sinclair/typebox';
import { DURATION_PATTERN } from './duration.js';

const Duration = T.String({ pattern: DURATION_PATTERN, description: 'ISO-8601 duration, e.g. PT30S' });
const Percent = T.Number({ exclusiveMinimum: 0, maximum: 100 });
/** A number of agents or executions: at least one, and far below where a JavaScript number loses precision. */
const Count = T.Integer({ minimum: 1, maximum: 1_000_000_000 });

/** The first stage: a few agents that get the revision before everyone else. */
export const CanarySchema = T.Union(
  [
    T.Object({ count: Count }, { additionalProperties: false }),
    T.Object({ percent: Percent }, { additionalProperties: false }),
    T.Object(
      { labels: T.Record(T.String(), T.String(), { minProperties: 1 }) },
      { additionalProperties: false },
    ),
  ],
  {
    description:
      'A number of agents, a percentage of them (rounded up), or the agents with every label given',
  },
);

/** The stages after the canary: the remaining agents, split into waves. */
export const WavesSchema = T.Union(
  [
    T.Object({ size: Count }, { additionalProperties: false }),
    T.Object({ percent: Percent }, { additionalProperties: false }),
  ],
  { description: 'Agents per wave, or a percentage of all target agents per wave (rounded up)' },
);

export const RolloutOptionsSchema = T.Object(
  {
    canary: T.Optional(CanarySchema),
    waves: T.Optional(WavesSchema),
    pause: T.Optional(
      T.Union([Duration, T.Literal('APPROVAL')], {
        description:
          'Between stages: a duration, or APPROVAL to wait for `POST /rollouts/{id}/approve`. Default PT0S',
      }),
    ),
    gates: T.Optional(
      T.Object(
        {
          appliedWithin: T.Optional(Duration),
          failureRate: T.Optional(
            T.Object(
              {
                max: T.Number({ minimum: 0, maximum: 1, description: 'Failed executions / executions' }),
                window: T.Optional(Duration),
                minExecutions: T.Optional(Count),
              },
              { additionalProperties: false },
            ),
          ),
          online: T.Optional(T.Boolean()),
        },
        { additionalProperties: false },
      ),
    ),
    onFailure: T.Optional(T.Union([T.Literal('STOP'), T.Literal('ROLLBACK')])),
  },
  { additionalProperties: false, description: 'Stages, gates and failure handling of a rollout' },
);
export type RolloutOptions = Static<typeof RolloutOptionsSchema>;

/** Options with every default filled in: what a rollout keeps and follows. */
export interface ResolvedRolloutOptions {
  canary: Static<typeof CanarySchema>;
  waves: Static<typeof WavesSchema>;
  /** Milliseconds, or 'APPROVAL'. */
  pause: number | 'APPROVAL';
  gates: {
    appliedWithinMs: number;
    failureRate: { max: number; windowMs: number; minExecutions: number };
    online: boolean;
  };
  onFailure: 'STOP' | 'ROLLBACK';
}

/** The defaults: one canary, then waves of a third each, each gate on, stop on failure. */
export const ROLLOUT_DEFAULTS = {
  canary: { count: 1 },
  waves: { percent: 34 },
  pause: 0,
  gates: {
    appliedWithinMs: 5 * 60_000,
    failureRate: { max: 0.2, windowMs: 60_000, minExecutions: 1 },
    online: true,
  },
  onFailure: 'STOP',
} as const satisfies ResolvedRolloutOptions;
