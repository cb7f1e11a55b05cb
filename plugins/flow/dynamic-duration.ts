/** A duration property that may also be written as an expression, as Kestra's `Property<Duration>` allows. */
import { Type as T } from '@sinclair/typebox';
import { durationMs } from '../../protocol/duration.js';
import { TaskError } from '../../protocol/errors.js';
import { DurationSchema } from '../../protocol/flow.js';

/** An ISO-8601 duration (`PT5S`), or an expression rendering to one (`{{ inputs.wait }}`), checked when rendered. */
export const DynamicDuration = (description: string, defaultValue?: string) =>
  T.Union(
    [
      DurationSchema,
      T.String({ pattern: '\\{\\{|\\{%', description: 'An expression rendering to an ISO-8601 duration' }),
    ],
    { description, ...(defaultValue === undefined ? {} : { default: defaultValue }) },
  );

/** A rendered duration property in milliseconds; a value that is not a duration fails the task without retry. */
export function renderedDurationMs(value: string, property: string): number {
  try {
    return durationMs(value, property);
  } catch (err) {
    throw new TaskError((err as Error).message, false);
  }
}
