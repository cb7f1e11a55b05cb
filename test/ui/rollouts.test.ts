/**
 * The web UI's Rollouts page end to end: headless Chromium on a real hub and real agents, a rollout
 * followed live from the events stream and approved from its page; a rollout of an agent version, and
 * each agent's version and the one asked for on the Agents page; a set of flows and a label change.
 */
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { describeWithService } from '../support/services.js';
import { ADMIN_TOKEN, useUiHarness } from './support.js';

const WAIT = { timeout: 20_000 };

const flow = (rollout: string, message: string) =>
  `id: job\nnamespace: ui.rollout\nrunsOn: {labels: {site: ui-rollout}}\n${rollout}tasks:\n  - { id: say, type: log, message: ${message} }\n`;

describeWithService('TERN_TEST_CHROMIUM', 'web UI rollouts', (chromiumPath) => {
  const ui = useUiHarness(chromiumPath);

  it('lists a rollout, shows its stages and agents live, and starts the next stage on approval', async () => {
    const agents = [
      await ui().startAgent('gw-ui-r1', { site: 'ui-rollout' }),
      await ui().startAgent('gw-ui-r2', { site: 'ui-rollout' }),
    ];
    await ui().api('POST', '/flows', { yaml: flow('', 'first') });
    await expect.poll(() => agents.map((a) => a.appliedFlows()[0]?.revision), WAIT).toEqual([1, 1]);

    const page = await ui().open('/rollouts');
    await page.getByTestId('rollouts-empty').waitFor(WAIT);
    await ui().api('PUT', '/flows/ui.rollout/job', {
      yaml: flow(
        'rollout: {pause: APPROVAL, waves: {size: 1}, gates: {failureRate: {max: 0, window: PT0.1S}}}\n',
        'second',
      ),
    });
    const row = page.getByTestId('rollouts-table').locator('tr[data-rollout]');
    await row.waitFor(WAIT);
    await row.getByRole('link').click();
    await page.locator('h1', { hasText: 'ui.rollout.job' }).waitFor(WAIT);

    const approve = page.getByRole('button', { name: 'Approve next stage' });
    await approve.waitFor(WAIT);
    const canary = page.locator('section.card', { hasText: 'canary' });
    expect(await canary.locator('.pill').first().textContent()).toBe('PASSED');
    expect(await canary.locator('tr[data-agent] .pill').textContent()).toBe('applied');
    expect(
      await page.locator('section.card', { hasText: 'wave 1' }).locator('tr[data-agent] .pill').textContent(),
    ).toBe('pending');

    await approve.click();
    await page.getByTestId('rollout-summary').getByText('SUCCEEDED').waitFor(WAIT);
    expect(
      await page.locator('section.card', { hasText: 'wave 1' }).locator('tr[data-agent] .pill').textContent(),
    ).toBe('applied');
    await expect.poll(() => agents.map((a) => a.appliedFlows()[0]?.revision), WAIT).toEqual([2, 2]);
    await page.context().close();
  });

  it('shows an agent version rollout, its failed canary and its rollback, and the versions on the Agents page', async () => {
    for (const version of ['1.0.0', '2.0.0']) {
      const res = await fetch(`${ui().hub.url}/api/v1/agent-versions/${version}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/octet-stream' },
        body: gzipSync(`bundle ${version}`),
      });
      expect(res.status).toBe(201);
    }
    // It reports 1.0.0 through the real protocol, and refuses to swap: no launcher made its install folder.
    await ui().startAgent(
      'gw-ui-v1',
      { site: 'ui-version' },
      { version: '1.0.0', update: { installDir: join(ui().root, 'no-launcher'), hubApiUrl: ui().hub.url } },
    );
    await expect.poll(async () => (await ui().api('GET', '/agents/gw-ui-v1')).version, WAIT).toBe('1.0.0');
    const started = await ui().api('POST', '/rollouts', {
      json: { agentVersion: '2.0.0', labels: { site: 'ui-version' } },
    });

    const page = await ui().open(`/rollouts/${started.id}`);
    await page.locator('h1', { hasText: 'agent version 2.0.0' }).waitFor(WAIT);
    const summary = page.getByTestId('rollout-summary');
    await summary.getByText('FAILED').waitFor(WAIT);
    expect(await summary.textContent()).toContain('Agent version 2.0.0 on agents labelled site=ui-version');
    const agentRow = page.locator('tr[data-agent="gw-ui-v1"]');
    expect(await agentRow.locator('.pill').textContent()).toBe('failed');
    expect(await agentRow.textContent()).toContain('previous version 1.0.0');

    const agents = await page.context().newPage();
    await agents.goto(`${ui().hub.url}/agents`);
    const version = agents.locator('tr[data-agent="gw-ui-v1"]').getByTestId('agent-version');
    await version.getByTestId('desired-version').waitFor(WAIT);
    expect(await version.textContent()).toBe('1.0.0 → 2.0.0refused');

    await page.getByRole('button', { name: 'Roll back' }).click();
    await summary.getByText('ROLLED BACK').waitFor(WAIT);
    // Live on the Agents page: the version asked for is the one it runs again.
    await version.getByTestId('desired-version').waitFor({ ...WAIT, state: 'detached' });
    expect(await version.textContent()).toBe('1.0.0');

    const list = await page.context().newPage();
    await list.goto(`${ui().hub.url}/rollouts`);
    const row = list.locator(`tr[data-rollout="${started.id}"]`);
    await row.waitFor(WAIT);
    expect(await row.getByRole('link').textContent()).toBe('agent version 2.0.0');
    await page.context().close();
  });

  it('shows the flows of a set rollout and a label change, with what each agent had before', async () => {
    const agent = await ui().startAgent('gw-ui-s1', { site: 'ui-set' });
    const setFlow = (id: string, message: string) =>
      `id: ${id}\nnamespace: ui.set\nrunsOn: {labels: {site: ui-set}}\ntasks:\n  - { id: say, type: log, message: ${message} }\n`;
    for (const id of ['a', 'b']) await ui().api('POST', '/flows', { yaml: setFlow(id, 'first') });
    await expect.poll(() => agent.appliedFlows().map((f) => f.revision), WAIT).toEqual([1, 1]);
    for (const id of ['a', 'b'])
      await ui().api('PUT', `/flows/ui.set/${id}?hold=true`, { yaml: setFlow(id, 'second') });
    const set = await ui().api('POST', '/rollouts', {
      json: {
        flows: [
          { namespace: 'ui.set', flowId: 'a' },
          { namespace: 'ui.set', flowId: 'b' },
        ],
        options: { gates: { failureRate: { max: 0.2, window: 'PT0.1S' } } },
      },
    });
    const page = await ui().open(`/rollouts/${set.id}`);
    await page.locator('h1', { hasText: 'flows ui.set.a, ui.set.b' }).waitFor(WAIT);
    const summary = page.getByTestId('rollout-summary');
    await summary.getByText('SUCCEEDED').waitFor(WAIT);
    expect(await page.getByTestId('rollout-flows').textContent()).toBe(
      'ui.set.a revision 2 (from 1), ui.set.b revision 2 (from 1)',
    );
    expect(await page.locator('tr[data-agent="gw-ui-s1"]').textContent()).toContain(
      'previous revisions ui.set/a 1, ui.set/b 1',
    );

    const labels = await ui().api('POST', '/rollouts', {
      json: { labels: { set: { ring: 'b' } }, agents: { site: 'ui-set' } },
    });
    await page.goto(`${ui().hub.url}/rollouts/${labels.id}`);
    await page.locator('h1', { hasText: 'labels: set ring=b' }).waitFor(WAIT);
    expect(await summary.textContent()).toContain('Labels: set ring=b on agents labelled site=ui-set');
    await page.locator('tr[data-agent="gw-ui-s1"]', { hasText: 'previous labels site=ui-set' }).waitFor(WAIT);
    await page.context().close();
  });
});
