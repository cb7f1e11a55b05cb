/** `tern flows|executions|agents|token …`: the hub's API from the command line. */
import type { Execution, LogLine, TaskRun } from '../../protocol/execution.js';
import { isFailure } from '../../protocol/states.js';
import { type ApiClient, enc } from '../client.js';
import { EXIT_FAILED, EXIT_OK } from '../errors.js';
import { duration, type Printer } from '../format.js';
import { parseInputs } from './run.js';

interface FlowRow {
  namespace: string;
  id: string;
  revision: number;
  source: string;
  deleted: boolean;
  updatedAt: string;
}

export interface Output {
  printer: Printer;
  json: boolean;
}

/** Prints `data` as JSON with `--json`, else calls `human`. */
export function emit(out: Output, data: unknown, human: () => void): number {
  if (out.json) process.stdout.write(`${JSON.stringify(data)}\n`);
  else human();
  return EXIT_OK;
}

export async function flowsList(client: ApiClient, out: Output, namespace?: string): Promise<number> {
  const flows = await client.all<FlowRow>(`/flows${namespace ? `?namespace=${enc(namespace)}` : ''}`);
  return emit(out, flows, () => {
    for (const f of flows) out.printer.line(`${f.namespace}.${f.id}  revision ${f.revision}  ${f.updatedAt}`);
    out.printer.line(`${flows.length} flow(s)`);
  });
}

export async function flowsShow(
  client: ApiClient,
  out: Output,
  namespace: string,
  id: string,
): Promise<number> {
  const flow = await client.get<FlowRow>(`/flows/${enc(namespace)}/${enc(id)}`);
  return emit(out, flow, () =>
    process.stdout.write(flow.source.endsWith('\n') ? flow.source : `${flow.source}\n`),
  );
}

export async function executionsRun(
  client: ApiClient,
  out: Output,
  namespace: string,
  flowId: string,
  opts: { input: string[]; wait: boolean; agent?: string },
): Promise<number> {
  const inputs = parseInputs(opts.input);
  if (opts.agent) {
    const r = (await client.request<{ executionIds: string[] }>(
      'POST',
      `/executions/${enc(namespace)}/${enc(flowId)}?agent=${enc(opts.agent)}`,
      { json: inputs },
    )) as { executionIds: string[] };
    return emit(out, r, () => {
      for (const id of r.executionIds)
        out.printer.line(`${namespace}.${flowId} ${id} sent to agent ${opts.agent}`);
    });
  }
  const e = (await client.request<Execution>(
    'POST',
    `/executions/${enc(namespace)}/${enc(flowId)}${opts.wait ? '?wait=true' : ''}`,
    {
      json: inputs,
    },
  )) as Execution;
  if (!opts.wait) {
    return emit(out, e, () =>
      out.printer.line(`${e.namespace}.${e.flowId} ${e.id} ${out.printer.state(e.state)}`),
    );
  }
  // Waited for: what it did, as `tern executions show` prints it — task runs, their errors, the outputs.
  if (out.json) emit(out, e, () => {});
  else await executionsShow(client, out, e.id);
  return isFailure(e.state) ? EXIT_FAILED : EXIT_OK;
}

export async function executionsList(
  client: ApiClient,
  out: Output,
  filter: { namespace?: string; flowId?: string; state?: string; limit: string },
): Promise<number> {
  const q = new URLSearchParams({ limit: filter.limit });
  if (filter.namespace) q.set('namespace', filter.namespace);
  if (filter.flowId) q.set('flowId', filter.flowId);
  if (filter.state) q.set('state', filter.state);
  const page = await client.get<{ items: Execution[] }>(`/executions?${q}`);
  return emit(out, page.items, () => {
    for (const e of page.items) {
      out.printer.line(
        `${e.id}  ${e.namespace}.${e.flowId}  ${out.printer.state(e.state)}  ${e.startDate}  ${duration(e.startDate, e.endDate)}${e.agentId ? `  agent ${e.agentId}` : ''}`,
      );
    }
  });
}

export async function executionsShow(client: ApiClient, out: Output, id: string): Promise<number> {
  const data = await client.get<{ execution?: Execution; taskRuns?: TaskRun[] } & Execution>(
    `/executions/${enc(id)}`,
  );
  const execution = data.execution ?? data;
  const taskRuns = data.taskRuns ?? [];
  return emit(out, data, () => out.printer.summary(execution, taskRuns));
}

export async function executionsLogs(
  client: ApiClient,
  out: Output,
  id: string,
  follow: boolean,
): Promise<number> {
  const lines = await client.all<LogLine>(`/executions/${enc(id)}/logs`);
  if (out.json) process.stdout.write(`${JSON.stringify(lines)}\n`);
  else for (const l of lines) out.printer.log(l);
  if (!follow) return EXIT_OK;
  // Live tail through the server-sent events of /follow; lines already printed are skipped.
  const printed = new Set(lines.map((l) => `${l.timestamp}|${l.taskRunId}|${l.message}`));
  for await (const event of client.events(`/executions/${enc(id)}/follow`)) {
    if (event.event === 'log') {
      const l = JSON.parse(event.data) as LogLine;
      const key = `${l.timestamp}|${l.taskRunId}|${l.message}`;
      if (printed.has(key)) continue;
      printed.add(key);
      if (out.json) process.stdout.write(`${JSON.stringify(l)}\n`);
      else out.printer.log(l);
    }
    if (event.event === 'end') break;
  }
  return EXIT_OK;
}

export async function tokenCreate(client: ApiClient, out: Output, name: string): Promise<number> {
  const r = (await client.request<{ token: string; info?: { id: string } }>('POST', '/tokens', {
    json: { name },
  })) as {
    token: string;
  };
  return emit(out, r, () => out.printer.line(r.token));
}

export async function tokenList(client: ApiClient, out: Output): Promise<number> {
  const r = await client.get<unknown>('/tokens');
  const items = (Array.isArray(r) ? r : ((r as { items?: unknown[] }).items ?? [])) as {
    id: string;
    name: string;
    prefix: string;
    createdAt: string;
    revokedAt: string | null;
  }[];
  return emit(out, items, () => {
    for (const t of items)
      out.printer.line(`${t.id}  ${t.name}  ${t.prefix}…  ${t.createdAt}${t.revokedAt ? '  revoked' : ''}`);
  });
}

export async function tokenRevoke(client: ApiClient, out: Output, id: string): Promise<number> {
  await client.request('DELETE', `/tokens/${enc(id)}`);
  return emit(out, { revoked: id }, () => out.printer.line(`revoked ${id}`));
}
