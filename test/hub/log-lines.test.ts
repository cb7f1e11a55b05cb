/** Log lines are capped in size on the hub: those its engine makes and those agents send. */
import { expect, it } from 'vitest';
import { checkRecord } from '../../hub/fleet/ingest.js';
import type { LogLine } from '../../protocol/execution.js';
import { MAX_LOG_LINE_BYTES } from '../../protocol/log-cap.js';
import { describeApi } from '../support/hub-api.js';

const NS = 'logs.cap';

const FLOW = `id: chatty
namespace: ${NS}
inputs:
  - id: text
    type: STRING
tasks:
  - id: say
    type: log
    message: "{{ inputs.text }}"
`;

/** The kept length and the dropped byte count of a capped ASCII message. */
function cut(message: string): { kept: number; dropped: number } {
  const [, kept, dropped] = /^([a-z]+) … \[truncated (\d+) bytes\]$/.exec(message) ?? [];
  return { kept: kept?.length ?? -1, dropped: Number(dropped) };
}

describeApi(
  'log line cap',
  (hub) => {
    it('cuts a 500 KB line logged by a hub execution to 64 KiB, marked with the bytes dropped', async () => {
      const api = hub();
      expect((await api.call('POST', '/flows', { yaml: FLOW })).status).toBe(201);
      const text = 'h'.repeat(500_000);
      const run = await api.call('POST', `/executions/${NS}/chatty?wait=true`, { json: { text } });
      expect(run.body.state).toBe('SUCCESS');
      const logs = await api.call('GET', `/executions/${run.body.id}/logs?taskId=say`);
      const [line] = logs.body.items as LogLine[];
      expect(Buffer.byteLength(line!.message)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
      const { kept, dropped } = cut(line!.message);
      expect(kept + dropped).toBe(text.length);
    });

    it("cuts an agent's over-long log line when it is stored, marked with the bytes dropped", async () => {
      const api = hub();
      const at = new Date().toISOString();
      const text = 'a'.repeat(2_000_000);
      const execution = {
        id: 'exec-chatty-agent',
        namespace: NS,
        flowId: 'chatty',
        flowRevision: 1,
        state: 'RUNNING',
        inputs: {},
        outputs: {},
        labels: {},
        trigger: null,
        originalId: 'exec-chatty-agent',
        agentId: 'agent-1',
        startDate: at,
      };
      const line = {
        executionId: execution.id,
        taskRunId: null,
        taskId: 'say',
        attempt: 1,
        level: 'INFO',
        message: text,
        timestamp: at,
      };
      // The agent reports an execution of a flow it was assigned: only such records are stored.
      await api.storage.agents.register('agent-1', {});
      await api.storage.agents.updateStatus('agent-1', { status: { assignedFlows: [`${NS}/chatty`] } });
      await api.storage.sync.ingest('agent-1', {
        after: 0,
        records: [
          checkRecord({ seq: 1, kind: 'execution', at, data: execution }),
          checkRecord({ seq: 2, kind: 'log', at, data: line }),
        ],
      });
      const logs = await api.call('GET', `/executions/${execution.id}/logs`);
      const [stored] = logs.body.items as LogLine[];
      expect(Buffer.byteLength(stored!.message)).toBeLessThanOrEqual(MAX_LOG_LINE_BYTES);
      const { kept, dropped } = cut(stored!.message);
      expect(kept + dropped).toBe(text.length);
    });
  },
  { bodyLimitBytes: 1024 * 1024 },
);
