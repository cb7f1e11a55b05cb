/** The hub's commands to an agent (run, kill, restart, replay, ping), each answered with a `command` outbox record. */
import { formatProblem, InputValidationError } from '../../protocol/errors.js';
import type { Logger } from '../../protocol/logger.js';
import type { Command, CommandResult } from '../../protocol/messages.js';
import type { Engine } from '../../runtime/engine/engine.js';
import type { FlowSource } from '../../runtime/engine/ports.js';

export interface CommandHandlerOptions {
  agentId: string;
  engine: Engine;
  flows: FlowSource;
  /** Where answers go: the outbox, so they reach the hub exactly once, in order with the records before them. */
  answer(result: CommandResult): void;
  /** Why a new execution may not start now (outbox full, decommissioned), or undefined. */
  refuseStart(): string | undefined;
  /** Why no command other than ping is taken now, or undefined. */
  refuseCommands(): string | undefined;
  /**
   * True while commands must wait for the agent's next start (it is
   * stopping): they are neither handled nor answered, and left
   * unacknowledged for the broker to deliver again.
   */
  postpone(): boolean;
  logger: Logger;
}

/** Command ids remembered to drop redeliveries (QoS 1 is at least once). */
const REMEMBERED_IDS = 1024;

/**
 * Runs commands one at a time in arrival order, so that a `run` repeated with
 * the same `executionId` sees the execution its first copy created.
 */
export class CommandHandler {
  private chain: Promise<void> = Promise.resolve();
  /** The handling of each recent command, by id: a redelivery waits for the first copy's. */
  private readonly seen = new Map<string, Promise<boolean>>();
  private readonly log: Logger;

  constructor(private readonly options: CommandHandlerOptions) {
    this.log = options.logger.child({ component: 'commands' });
  }

  /**
   * Queues `command`. Resolves true once its answer is appended to the outbox
   * (for a redelivered command, once its first copy's is), false when it was
   * postponed: then it must come again.
   */
  handle(command: Command): Promise<boolean> {
    const earlier = this.seen.get(command.id);
    if (earlier) {
      this.log.debug({ commandId: command.id }, 'command delivered again; already handled');
      return earlier;
    }
    const answered = this.chain.then(async () => {
      if (this.options.postpone()) {
        this.seen.delete(command.id);
        this.log.info({ commandId: command.id, type: command.type }, 'command left for the next start');
        return false;
      }
      const result = await this.execute(command).catch(
        (err: unknown): CommandResult => ({ commandId: command.id, ok: false, error: messageOf(err) }),
      );
      this.log.info(
        { commandId: command.id, type: command.type, ok: result.ok, error: result.error },
        'command handled',
      );
      try {
        this.options.answer(result);
      } catch (err) {
        this.log.error({ commandId: command.id, err: messageOf(err) }, 'command answer not recorded');
      }
      return true;
    });
    this.chain = answered.then(() => undefined);
    this.remember(command.id, answered);
    return answered;
  }

  /** Resolves once every command queued so far is answered. */
  idle(): Promise<void> {
    return this.chain;
  }

  private async execute(c: Command): Promise<CommandResult> {
    const ok = (executionId?: string): CommandResult =>
      executionId === undefined ? { commandId: c.id, ok: true } : { commandId: c.id, ok: true, executionId };
    const fail = (error: string): CommandResult => ({ commandId: c.id, ok: false, error });
    if (c.type === 'ping') return ok();
    const refused = this.options.refuseCommands();
    if (refused) return fail(refused);
    const { engine } = this.options;
    switch (c.type) {
      case 'run':
        return this.run(c, ok, fail);
      case 'kill':
        return engine.kill(c.executionId!)
          ? ok(c.executionId)
          : fail(`execution ${c.executionId} is not running`);
      case 'resume':
        try {
          return engine.resume(c.executionId!, c.inputs ?? {})
            ? ok(c.executionId)
            : fail(`execution ${c.executionId} is not running`);
        } catch (err) {
          return fail(
            err instanceof InputValidationError
              ? err.problems.map(formatProblem).join('; ')
              : (err as Error).message,
          );
        }
      case 'restart': {
        const cannot = this.options.refuseStart();
        if (cannot) return fail(cannot);
        return ok((await engine.restart(c.executionId!)).id);
      }
      case 'replay': {
        const cannot = this.options.refuseStart();
        if (cannot) return fail(cannot);
        return ok((await engine.replay(c.executionId!, c.fromTaskId)).id);
      }
    }
  }

  private async run(
    c: Command,
    ok: (executionId?: string) => CommandResult,
    fail: (error: string) => CommandResult,
  ): Promise<CommandResult> {
    const { engine, flows } = this.options;
    // The hub names the execution so that a command sent twice (a retry, a redelivery) runs it once.
    if (c.executionId !== undefined && (await engine.store.getExecution(c.executionId)))
      return ok(c.executionId);
    const record = await flows.getFlow(c.namespace!, c.flowId!);
    if (!record)
      return fail(`flow ${c.namespace}.${c.flowId} is not assigned to agent ${this.options.agentId}`);
    const cannot = this.options.refuseStart();
    if (cannot) return fail(cannot);
    try {
      const execution = await engine.start(record, {
        inputs: c.inputs,
        labels: c.labels,
        executionId: c.executionId,
      });
      return ok(execution.id);
    } catch (err) {
      if (err instanceof InputValidationError) return fail(err.problems.map(formatProblem).join('; '));
      throw err;
    }
  }

  private remember(id: string, handled: Promise<boolean>): void {
    this.seen.set(id, handled);
    if (this.seen.size > REMEMBERED_IDS) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
