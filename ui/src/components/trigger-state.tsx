/** How a runtime (the hub, an agent) holds a trigger, as it reported it. */
import type { JSX } from 'preact';

/** "running", or "disabled" when the revision the runtime holds disables the trigger (or the flow). */
export function RuntimeStatePill({ disabled }: { disabled: boolean | undefined }): JSX.Element {
  return (
    <span class={disabled ? 'pill off' : 'pill on'} data-testid="runtime-state">
      {disabled ? 'disabled' : 'running'}
    </span>
  );
}
