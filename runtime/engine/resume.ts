/** The inputs a paused execution is resumed with, checked against its paused tasks' `onResume` declarations. */
import { InputValidationError } from '../../protocol/errors.js';
import { type Flow, findTask, type Input } from '../../protocol/flow.js';
import { resolveInputs } from './inputs.js';

const APPROVAL_TYPES = new Set(['approval', 'io.kestra.plugin.core.flow.Approval']);

/** The `onResume` inputs the paused tasks declare (an approval's `inputs`). */
export function onResumeInputs(flow: Flow, pausedTaskIds: readonly string[]): Input[] {
  const declared: Input[] = [];
  for (const taskId of pausedTaskIds) {
    const task = findTask([flow.tasks, flow.errors, flow.finally], taskId);
    // An approval takes its reviewer `inputs` on a plain resume too (which approves it), as Kestra's does.
    const onResume = APPROVAL_TYPES.has(String(task?.type)) ? task?.inputs : task?.onResume;
    if (Array.isArray(onResume)) declared.push(...(onResume as Input[]));
  }
  return declared;
}

/**
 * Validates resume inputs as flow inputs are validated (types, defaults,
 * required), against the `onResume` inputs of the paused tasks. A name no
 * paused task declares is refused: it would be silently lost.
 *
 * @example resumeInputs(flow, ['approve'], { approved: 'true' }) // { approved: true }
 */
export function resumeInputs(
  flow: Flow,
  pausedTaskIds: readonly string[],
  given: Record<string, unknown>,
): Record<string, unknown> {
  const declared = onResumeInputs(flow, pausedTaskIds);
  const unknown = Object.keys(given).filter((name) => !declared.some((input) => input.id === name));
  if (unknown.length > 0)
    throw new InputValidationError(
      unknown.map((name) => ({
        path: `onResume.${name}`,
        message:
          declared.length > 0
            ? `no paused task takes this input (declared: ${declared.map((i) => i.id).join(', ')})`
            : 'no paused task takes inputs on resume',
      })),
    );
  return resolveInputs(declared, given);
}
