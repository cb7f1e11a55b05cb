/** `tern agents versions upload|list` and `tern agents set-version`: agent bundles for agents to update themselves. */
import { readFileSync } from 'node:fs';
import { type ApiClient, enc } from '../client.js';
import { CliError, EXIT_USAGE } from '../errors.js';
import { emit, type Output } from './remote.js';

interface AgentVersionRow {
  version: string;
  sha256: string;
  size: number;
  createdAt: string;
}

const line = (v: AgentVersionRow) => `${v.version}  ${v.size} bytes  sha256 ${v.sha256}  ${v.createdAt}`;

/** Uploads a bundle archive (`npm run build:agent -- --version V` writes one) as agent version `version`. */
export async function versionsUpload(
  client: ApiClient,
  out: Output,
  file: string,
  version: string,
): Promise<number> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new CliError(`${file}: ${(err as Error).message}`, EXIT_USAGE);
  }
  const row = await client.request<AgentVersionRow>('PUT', `/agent-versions/${enc(version)}`, { bytes });
  return emit(out, row, () => out.printer.line(`uploaded ${line(row!)}`));
}

export async function versionsList(client: ApiClient, out: Output): Promise<number> {
  const rows = (await client.get<AgentVersionRow[]>('/agent-versions')) ?? [];
  return emit(out, rows, () => {
    for (const r of rows) out.printer.line(line(r));
    out.printer.line(`${rows.length} version(s)`);
  });
}

/** Asks an agent to run `version` (`none`: whatever it runs). */
export async function setVersion(
  client: ApiClient,
  out: Output,
  agentId: string,
  version: string,
): Promise<number> {
  const agent = await client.request<unknown>('PUT', `/agents/${enc(agentId)}/version`, {
    json: { version: version === 'none' ? null : version },
  });
  return emit(out, agent, () =>
    out.printer.line(
      version === 'none'
        ? `agent ${agentId}: no version asked for`
        : `agent ${agentId}: asked to run ${version}; its status.update says how it went`,
    ),
  );
}
