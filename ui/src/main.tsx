/** The Tern hub's web UI: sign-in, layout, and the pages by path. */
import './styles.css';
import { type JSX, render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { getToken } from './api.js';
import { Layout } from './components/layout.js';
import { startLive, stopLive } from './live.js';
import { AgentPage } from './pages/agent.js';
import { AgentsPage } from './pages/agents.js';
import { DashboardPage } from './pages/dashboard.js';
import { ExecutionPage } from './pages/execution.js';
import { ExecutionsPage } from './pages/executions.js';
import { FlowsPage } from './pages/flows.js';
import { LoginPage } from './pages/login.js';
import { NamespaceFilesPage } from './pages/namespace-files.js';
import { RolloutPage, RolloutsPage } from './pages/rollouts.js';
import { match, useLocation } from './router.js';

type FlowPageModule = typeof import('./pages/flow.js');

/** The flow page carries the editor (CodeMirror): loaded on first use, not with the first page. */
function LazyFlowPage(props: { namespace?: string; id?: string }): JSX.Element {
  const [mod, setMod] = useState<FlowPageModule | undefined>(undefined);
  useEffect(() => {
    void import('./pages/flow.js').then(setMod);
  }, []);
  if (!mod) return <div class="loading">Loading the editor…</div>;
  return <mod.FlowPage {...props} />;
}

const ROUTES: [string, (params: Record<string, string>) => JSX.Element][] = [
  ['/', () => <DashboardPage />],
  ['/flows', () => <FlowsPage />],
  ['/flows/new', () => <LazyFlowPage />],
  ['/flows/:namespace/:id', (p) => <LazyFlowPage namespace={p.namespace} id={p.id} />],
  ['/executions', () => <ExecutionsPage />],
  ['/executions/:id', (p) => <ExecutionPage id={p.id!} />],
  ['/agents', () => <AgentsPage />],
  ['/agents/:id', (p) => <AgentPage id={p.id!} />],
  ['/rollouts', () => <RolloutsPage />],
  ['/rollouts/:id', (p) => <RolloutPage id={p.id!} />],
  ['/namespaces', () => <NamespaceFilesPage />],
];

function App(): JSX.Element {
  const [signedIn, setSignedIn] = useState(getToken() !== null);
  const location = useLocation();
  useEffect(() => {
    const out = () => setSignedIn(false);
    window.addEventListener('tern:signed-out', out);
    return () => window.removeEventListener('tern:signed-out', out);
  }, []);
  useEffect(() => {
    if (signedIn) startLive();
    else stopLive();
  }, [signedIn]);
  if (!signedIn) return <LoginPage onSignedIn={() => setSignedIn(true)} />;
  for (const [pattern, page] of ROUTES) {
    const params = match(pattern, location.path);
    if (params) {
      // A new key per path remounts the page, so no state leaks from one flow to another.
      return (
        <Layout path={location.path}>
          <div key={location.path}>{page(params)}</div>
        </Layout>
      );
    }
  }
  return (
    <Layout path={location.path}>
      <div class="empty">No page at {location.path}.</div>
    </Layout>
  );
}

render(<App />, document.getElementById('app')!);
