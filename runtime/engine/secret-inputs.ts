/** Inputs that hold secrets: stored and shown masked, handed to the execution's run as they are. */
import type { Execution } from '../../protocol/execution.js';
import type { Input } from '../../protocol/flow.js';
import { SecretMask } from './secret-mask.js';

/** An execution's inputs as it stores them, and the mask its run starts with. */
export interface SplitInputs {
  /** What the execution stores, shows and syncs: every secret masked. */
  stored: Record<string, unknown>;
  /** Names of the inputs whose stored value is masked. */
  masked: string[];
  /** The secrets of the SECRET inputs and the inherited ones: the run masks them everywhere. */
  mask: SecretMask;
}

/**
 * Splits resolved inputs: the values of `SECRET` inputs, and `inherited`
 * secrets (those a parent execution or a trigger read) wherever they occur,
 * are masked in the stored copy.
 *
 * @example splitSecretInputs([{ id: 'pin', type: 'SECRET' }], { pin: '98765' }, []).stored // { pin: '******' }
 */
export function splitSecretInputs(
  declared: readonly Input[] | undefined,
  inputs: Record<string, unknown>,
  inherited: readonly string[],
): SplitInputs {
  const mask = new SecretMask();
  for (const input of declared ?? []) {
    const value = inputs[input.id];
    if (input.type === 'SECRET' && typeof value === 'string') mask.add(value);
  }
  for (const secret of inherited) mask.add(secret);
  if (mask.within(inputs).length === 0) return { stored: inputs, masked: [], mask };
  const stored: Record<string, unknown> = {};
  const masked: string[] = [];
  for (const [id, value] of Object.entries(inputs)) {
    stored[id] = mask.value(value);
    if (stored[id] !== value) masked.push(id);
  }
  return { stored, masked, mask };
}

/**
 * Why an execution cannot run again from what is stored (resumed after a
 * restart, restarted, replayed): inputs that held secrets are stored masked,
 * and their values were kept in memory only. Undefined when it can.
 */
export function lostSecretInputs(execution: Execution): string | undefined {
  const names = execution.secretInputs ?? [];
  if (names.length === 0) return undefined;
  return `input${names.length > 1 ? 's' : ''} ${names.join(', ')} held secrets, which are never stored: start a new execution`;
}
