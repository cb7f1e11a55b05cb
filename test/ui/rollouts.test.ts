/**
 * The web UI's Rollouts page end to end: headless Chromium on a real hub and real agents, a rollout
 * followed live from the events stream and approved from its page.
 */
import { expect, it } from 'vitest';
import { describeWithService } from '../support/services.js';
import { useUiHarness } from './support.js';

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
});
