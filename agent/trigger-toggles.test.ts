/** trigger.Toggle's switches on an agent: over the hub's revisions, and read back from the outbox after a restart. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtinRegistry } from '../plugins/builtin.js';
import { TernError } from '../protocol/errors.js';
import type { TriggerToggle } from '../protocol/messages.js';
import type { FlowRecord } from '../runtime/engine/ports.js';
import { parseFlow } from '../runtime/flow-loader.js';
import { openSqliteStore, type SqliteStore } from './store/sqlite-store.js';
import { TriggerToggles } from './trigger-toggles.js';

const TICKER = parseFlow(
  `id: ticker
namespace: plant
triggers:
  - id: yearly
    type: schedule
    cron: "0 0 1 1 *"
tasks:
  - id: say
    type: log
    message: tick
`,
  builtinRegistry(),
).flow!;
const ticker = (revision: number): FlowRecord => ({ revision, flow: TICKER });

const disabledOf = (records: FlowRecord[]) => records.map((r) => r.flow.triggers?.[0]?.disabled === true);

let dir: string;
let store: SqliteStore | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tern-toggles-'));
});
afterEach(() => {
  store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The toggles over a store reopened at `dir`, with the flow the agent runs and the records it restarts triggers with. */
function toggles(current: FlowRecord) {
  store?.close();
  store = openSqliteStore({ path: join(dir, 'tern.db'), outbox: true });
  const opened = store;
  const updated: FlowRecord[] = [];
  const t = new TriggerToggles({
    database: opened.database,
    flow: (namespace, id) => (namespace === 'plant' && id === 'ticker' ? current : undefined),
    append: (toggle: TriggerToggle) => opened.appendOutboxRecord('triggerToggle', toggle),
    update: async (record) => void updated.push(record),
  });
  return { t, updated, opened };
}

describe('trigger.Toggle on an agent', () => {
  it('switches the trigger of the revision it runs, and queues the record for the hub', async () => {
    const { t, updated, opened } = toggles(ticker(4));
    await t.setDisabled('plant', 'ticker', 'yearly', true, { executionId: 'e1' });
    expect(disabledOf(updated)).toEqual([true]);
    await opened.flush();
    const rows = opened.database.prepare("SELECT payload FROM outbox WHERE kind = 'triggerToggle'").all() as {
      payload: string;
    }[];
    expect(rows.map((r) => JSON.parse(r.payload))).toEqual([
      {
        namespace: 'plant',
        flowId: 'ticker',
        triggerId: 'yearly',
        disabled: true,
        revision: 4,
        executionId: 'e1',
      },
    ]);
  });

  it('keeps the switch after a restart while the record waits in the outbox, until the hub sends a new revision', async () => {
    const first = toggles(ticker(4));
    await first.t.setDisabled('plant', 'ticker', 'yearly', true, { executionId: 'e1' });
    await first.opened.flush();
    const { t } = toggles(ticker(4));
    expect(disabledOf(t.over([ticker(4)]))).toEqual([true]);
    // The hub's revision 5 carries the switch, or a later change of the flow: it is the hub's word now.
    expect(disabledOf(t.over([ticker(5)]))).toEqual([false]);
    expect(disabledOf(t.over([ticker(4)]))).toEqual([false]);
  });

  it('refuses a flow that does not run here, or a trigger the flow lacks, and queues nothing', async () => {
    const { t, updated, opened } = toggles(ticker(1));
    await expect(t.setDisabled('plant', 'other', 'yearly', true)).rejects.toThrow(
      /flow plant\.other does not run on this agent.*PUT \/flows\/plant\/other\/triggers\/yearly/,
    );
    await expect(t.setDisabled('plant', 'ticker', 'hourly', true)).rejects.toThrow(
      new TernError('NOT_FOUND', 'flow plant.ticker has no trigger hourly'),
    );
    await opened.flush();
    expect(opened.database.prepare('SELECT count(*) AS n FROM outbox').get()).toEqual({ n: 0 });
    expect(updated).toEqual([]);
  });
});
