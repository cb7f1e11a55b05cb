/** The fleet: every agent with its labels, connection, version (and the one asked for), revisions, drift and outbox; live. */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { type Agent, call, callAll, type HubInfo } from '../api.js';
import { AgentVersion, OnlinePill, Revisions } from '../components/agent-bits.js';
import {
  Card,
  Empty,
  ErrorBox,
  LabelChips,
  Modal,
  RelTime,
  useAsync,
  usePageTitle,
} from '../components/common.js';
import { CopyButton } from '../components/copy-button.js';
import { bytes } from '../format.js';
import { useHubEvents } from '../live.js';
import { Link, seg, setQuery, useLocation } from '../router.js';

/**
 * `tern agent …` as a device runs it; the values are ids, URLs, tokens and keys, which need no shell
 * quoting. With the hub's key the agent refuses, from its first message on, anything the hub did not sign.
 */
const agentCommand = (hubUrl: string, id: string, token: string, hubKey?: string) =>
  `tern agent --hub ${hubUrl} --id ${id} --token ${token}${hubKey ? ` --hub-key ${hubKey}` : ''}`;

interface Registration {
  id: string;
  token: string;
  /** The hub's public signing key, as registration gives it. */
  hubKey?: string;
}

/** After registration: the token, shown once, and the command to run on the device, each to copy. */
function Registered({ id, token, hubKey, onClose }: Registration & { onClose(): void }): JSX.Element {
  const info = useAsync((signal) => call<HubInfo>('/info', { signal }), []);
  const urls = info.data?.agentUrls ?? [];
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  const hubUrl = chosen ?? urls[0] ?? '<the hub’s MQTT URL>';
  const command = agentCommand(hubUrl, id, token, hubKey);
  const secure = /^(mqtts|wss):/.test(hubUrl);
  return (
    <div class="form">
      <p>
        <b>{id}</b> is registered. Its token is shown only now:
      </p>
      <div class="copy-field">
        <code data-testid="agent-token">{token}</code>
        <CopyButton text={token} label="Copy token" />
      </div>
      <p>On the device, run:</p>
      {urls.length > 1 && (
        <label>
          The hub, as the device reaches it
          <select value={hubUrl} onChange={(e) => setChosen(e.currentTarget.value)}>
            {urls.map((u) => (
              <option key={u} value={u}>
                {u}
              </option>
            ))}
          </select>
        </label>
      )}
      <div class="copy-field">
        <code data-testid="agent-command">{command}</code>
        <CopyButton text={command} label="Copy command" />
      </div>
      <ErrorBox error={info.error} />
      <p class="muted small">
        {secure && (
          <>
            Add <code>--ca-file ca.pem</code> when the hub’s certificate comes from your own CA.{' '}
          </>
        )}
        <code>TERN_AGENT_TOKEN</code> in the environment instead of <code>--token</code> keeps the token out
        of the device’s process list.
      </p>
      <button type="button" class="primary" onClick={onClose}>
        Done
      </button>
    </div>
  );
}

function RegisterDialog({ onClose }: { onClose(): void }): JSX.Element {
  const [id, setId] = useState('');
  const [labels, setLabels] = useState('');
  const [registered, setRegistered] = useState<Registration | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const submit = async (e: Event) => {
    e.preventDefault();
    try {
      const pairs = labels
        .split(',')
        .map((p) => p.trim())
        .filter((p) => p.includes('='));
      const res = await call<{ agent: Agent; token: string; hubKey?: string }>('/agents', {
        json: {
          id: id.trim(),
          labels: Object.fromEntries(
            pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]),
          ),
        },
      });
      setRegistered({ id: res.agent.id, token: res.token, ...(res.hubKey && { hubKey: res.hubKey }) });
    } catch (err) {
      setError(err);
    }
  };
  return (
    <Modal title="Register an agent" onClose={onClose}>
      {registered ? (
        <Registered {...registered} onClose={onClose} />
      ) : (
        <form class="form" onSubmit={submit}>
          <label>
            Id
            <input
              value={id}
              onInput={(e) => setId(e.currentTarget.value)}
              required
              pattern="[a-zA-Z0-9][a-zA-Z0-9._\-]*"
            />
          </label>
          <label>
            Labels <span class="muted small">key=value, …</span>
            <input value={labels} onInput={(e) => setLabels(e.currentTarget.value)} />
          </label>
          <ErrorBox error={error} />
          <button type="submit" class="primary">
            Register
          </button>
        </form>
      )}
    </Modal>
  );
}

export function AgentsPage(): JSX.Element {
  usePageTitle('Agents');
  const { query } = useLocation();
  const labels = query.getAll('labels');
  const online = query.get('online') ?? '';
  const showAll = query.get('all') === '1';
  const [registering, setRegistering] = useState(false);
  const agents = useAsync(() => callAll<Agent>('/agents', { labels }), [labels.join('|')]);
  useHubEvents((e) => {
    if (e.type === 'ready') agents.reload();
    if (e.type !== 'agent') return;
    agents.set((list) => {
      if (!list) return list;
      return list.some((a) => a.id === e.data.id)
        ? list.map((a) => (a.id === e.data.id ? e.data : a))
        : [...list, e.data];
    });
  });
  const shown = (agents.data ?? []).filter(
    (a) => (showAll || !a.decommissioned) && (!online || (online === 'online') === a.online),
  );
  return (
    <div class="page">
      <header class="page-head">
        <h1>Agents</h1>
        <button type="button" class="primary" onClick={() => setRegistering(true)}>
          Register agent
        </button>
      </header>
      {registering && (
        <RegisterDialog
          onClose={() => {
            setRegistering(false);
            agents.reload();
          }}
        />
      )}
      <Card>
        <div class="filters">
          <input
            type="search"
            placeholder="Labels key:value, …"
            aria-label="Labels"
            value={labels.join(', ')}
            onChange={(e) =>
              setQuery({
                labels: e.currentTarget.value
                  .split(',')
                  .map((s) => s.trim())
                  .filter((s) => s.includes(':')),
              })
            }
          />
          <select
            aria-label="Connection"
            value={online}
            onChange={(e) => setQuery({ online: e.currentTarget.value })}
          >
            <option value="">Online and offline</option>
            <option value="online">Online</option>
            <option value="offline">Offline</option>
          </select>
          <label class="inline">
            <input
              type="checkbox"
              checked={showAll}
              onChange={(e) => setQuery({ all: e.currentTarget.checked ? '1' : undefined })}
            />{' '}
            Decommissioned too
          </label>
        </div>
        <ErrorBox error={agents.error} />
        {agents.data && agents.data.length === 0 && labels.length === 0 && (
          <Empty testId="agents-empty">
            No agents yet —{' '}
            <button type="button" class="link" onClick={() => setRegistering(true)}>
              register one
            </button>
            , then run the <code>tern agent</code> command it gives on the device.
          </Empty>
        )}
        {agents.data && shown.length === 0 && (agents.data.length > 0 || labels.length > 0) && (
          <Empty>No agent matches these filters.</Empty>
        )}
        {shown.length > 0 && (
          <div class="table-wrap">
            <table class="table" data-testid="agents-table">
              <thead>
                <tr>
                  <th>Agent</th>
                  <th>State</th>
                  <th>Labels</th>
                  <th>Last seen</th>
                  <th>Version</th>
                  <th>Flows</th>
                  <th>Outbox</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((a) => (
                  <tr key={a.id} data-agent={a.id}>
                    <td>
                      <Link href={`/agents/${seg(a.id)}`}>
                        <b>{a.id}</b>
                      </Link>
                    </td>
                    <td>
                      <OnlinePill agent={a} />
                    </td>
                    <td>
                      <LabelChips labels={a.labels} />
                    </td>
                    <td>
                      <RelTime iso={a.lastSeenAt} />
                    </td>
                    <td>
                      <AgentVersion agent={a} />
                    </td>
                    <td>
                      <Revisions agent={a} />
                    </td>
                    <td>
                      {a.status.outbox?.depth ?? 0}{' '}
                      <span class="muted small">{bytes(a.status.outbox?.bytes)}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}
