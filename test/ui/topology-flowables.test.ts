/** The topology tab draws Kestra's newer flowable tasks: a dag's tasks labelled with what they wait for, a waitFor loop with its condition. */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { describeWithService } from '../support/services.js';
import { useUiHarness } from './support.js';

const WAIT = { timeout: 15_000, interval: 50 };

describeWithService('TERN_TEST_CHROMIUM', 'topology of dag and waitFor', (chromiumPath) => {
  const ui = useUiHarness(chromiumPath);

  it('shows each dag task in its own branch, labelled with its dependencies', async () => {
    await ui().api('POST', '/flows', { yaml: readFileSync('examples/kestra/flow-dag.yml', 'utf8') });
    const page = await ui().open('/flows/company.team/flow-dag?tab=topology');
    const dag = page.locator('.kind-dag');
    await dag.waitFor(WAIT);
    const labels = await dag.locator('.topo-branch-label').allTextContents();
    expect(labels).toEqual(['first', 'after extract', 'after extract', 'after clean, enrich']);
    for (const id of ['extract', 'clean', 'enrich', 'load'])
      expect(await dag.locator(`[data-task="${id}"]`).count()).toBe(1);
    await page.context().close();
  });

  it('shows a waitFor as a loop with its condition', async () => {
    await ui().api('POST', '/flows', { yaml: readFileSync('examples/kestra/flow-wait-for.yml', 'utf8') });
    const page = await ui().open('/flows/company.team/flow-wait-for?tab=topology');
    const loop = page.locator('.kind-waitFor');
    await loop.waitFor(WAIT);
    expect(await loop.locator('.topo-group-head').textContent()).toContain(
      '↻ until {{ outputs.poll.iterationCount >= 3 }}',
    );
    expect(await loop.locator('[data-task="check"]').count()).toBe(1);
    await page.context().close();
  });
});
