/** The flow fault tests run in bursts: short pauses and log lines, so that executions are mid-way when a fault strikes. */

/**
 * A flow run on one agent: logs, then `steps` rounds of a pause and a log
 * line, then logs again. Its retry policy runs an attempt a crash interrupted
 * once more, so executions end SUCCESS whatever befalls them.
 */
export function burstFlow(agentId: string, steps = 4, pause = 'PT0.3S'): string {
  return `id: burst
namespace: faults
runsOn:
  agents: [${agentId}]
retry:
  type: constant
  interval: PT0.05S
  maxAttempts: 3
tasks:
  - id: begin
    type: log
    message: "begin {{ execution.id }}"
  - id: steps
    type: foreach
    values: [${Array.from({ length: steps }, (_, i) => i + 1).join(', ')}]
    tasks:
      - id: wait
        type: pause
        delay: ${pause}
      - id: tick
        type: log
        message: "tick {{ taskrun.value }} of {{ execution.id }}"
  - id: end
    type: log
    message: "end {{ execution.id }}"
`;
}
