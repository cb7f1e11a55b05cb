/** Whether the agent takes new work: refused while it stops, once decommissioned, or while a full outbox pauses triggers. */

/** What the intake asks of the rest of the agent. */
export interface IntakeSources {
  agentId: string;
  /** True once the hub decommissioned the agent. */
  decommissioned(): boolean;
  /** True while the outbox is full under `pause-triggers`. */
  outboxFull(): boolean;
}

/**
 * The agent's one answer to "may new work start now?", shared by triggers, webhooks and commands.
 *
 * @example
 * const intake = new Intake({ agentId: 'gw-01', decommissioned: () => false, outboxFull: () => false });
 * intake.refusal(); // undefined
 * intake.stop();
 * intake.refusal(); // 'agent gw-01 is stopping'
 */
export class Intake {
  private stopped = false;

  constructor(private readonly sources: IntakeSources) {}

  /** From now on no new execution starts; commands already taken are postponed to the next start. */
  stop(): void {
    this.stopped = true;
  }

  get stopping(): boolean {
    return this.stopped;
  }

  /** Why a new execution may not start now, or undefined. */
  readonly refusal = (): string | undefined => {
    const { agentId } = this.sources;
    if (this.stopped) return `agent ${agentId} is stopping`;
    if (this.sources.decommissioned()) return `agent ${agentId} is decommissioned`;
    if (this.sources.outboxFull())
      return 'the outbox is full (pause-triggers): no new execution until the hub catches up';
    return undefined;
  };

  /** Why no command may be taken now (decommissioned), or undefined. */
  readonly commandRefusal = (): string | undefined =>
    this.sources.decommissioned() ? `agent ${this.sources.agentId} is decommissioned` : undefined;
}
