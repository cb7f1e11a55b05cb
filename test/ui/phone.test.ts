/**
 * The web UI at phone width (390×844) in headless Chromium, on a real hub and
 * agent: every page fits the width, the navigation is a menu, tables scroll
 * inside their card, the Gantt chart and the dashboard's axis stay readable,
 * and every tab can be reached.
 */
import type { Locator, Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { describeWithService } from '../support/services.js';
import { DESKTOP, PHONE, useUiHarness } from './support.js';

const WAIT = { timeout: 15_000, interval: 50 };

/** A hub flow with long names, inputs, a trigger and nested tasks: what makes pages wide. */
const FLOW = `id: collect-line-readings
namespace: plant.line1.sensors
description: Reads the line's sensors, checks the temperature, and reports what it found.
labels:
  team: operations
  site: plant-one
inputs:
  - id: threshold
    type: FLOAT
    defaults: 80
triggers:
  - id: every-new-year
    type: schedule
    cron: "0 0 1 1 *"
tasks:
  - id: read-every-sensor
    type: parallel
    tasks:
      - id: temperature-probe
        type: output
        values:
          celsius: 72
      - id: vibration-sensor
        type: output
        values:
          rms: 0.4
  - id: report-the-readings
    type: log
    message: "the line's readings are in, threshold {{ inputs.threshold }}"
`;

/** A flow for the agent, so that the agent's page lists a flow and a trigger. */
const AGENT_FLOW = `id: gateway-heartbeat
namespace: plant.line1.sensors
runsOn:
  labels:
    site: phone-test
triggers:
  - id: hourly-heartbeat
    type: schedule
    cron: "0 * * * *"
tasks:
  - id: beat
    type: log
    message: alive
`;

const FLOW_PATH = '/flows/plant.line1.sensors/collect-line-readings';

/** The document's width beyond the window: 0 when the page fits. */
const overflow = (page: Page): Promise<number> =>
  page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');

/** The text of the element that has the focus. */
const focused = (page: Page) => page.locator(':focus').textContent();

const box = async (locator: Locator) => {
  const b = await locator.boundingBox();
  if (!b) throw new Error('not visible');
  return b;
};

describeWithService('TERN_TEST_CHROMIUM', 'web UI at phone width', (chromiumPath) => {
  let executionId = '';
  let rolloutId = '';
  const ui = useUiHarness(chromiumPath, async (started) => {
    await started.api('POST', '/flows', { yaml: FLOW });
    // A second revision, for the diff.
    await started.api('PUT', '/flows/plant.line1.sensors/collect-line-readings', {
      yaml: FLOW.replace('defaults: 80', 'defaults: 75'),
    });
    await started.api('POST', '/flows', { yaml: AGENT_FLOW });
    await started.startAgent('gw-phone-line1-gateway', { site: 'phone-test', role: 'gateway' });
    // A rollout of the agent's flow, so that the Rollouts pages list and show one.
    const rollout = await started.api('POST', '/rollouts', {
      json: { namespace: 'plant.line1.sensors', flowId: 'gateway-heartbeat' },
    });
    rolloutId = rollout.id;
    const path = '/executions/plant.line1.sensors/collect-line-readings?wait=true';
    const execution = await started.api('POST', path, { json: {} });
    expect(execution.state).toBe('SUCCESS');
    executionId = execution.id;
  });

  it('fits every page, dialog and tab in 390 px, with every table inside a scrolling box', async () => {
    const pages: [string, string][] = [
      ['/', '.chart svg'],
      ['/flows', '[data-testid="flows-table"]'],
      ['/flows/new', '.cm-content'],
      [FLOW_PATH, '.cm-content'],
      [`${FLOW_PATH}?tab=topology`, '[data-testid="topology"]'],
      [`${FLOW_PATH}?tab=triggers`, '[data-runtime="hub"]'],
      [`${FLOW_PATH}?tab=revisions`, '.cm-mergeView'],
      [`${FLOW_PATH}?tab=executions`, '[data-testid="executions-table"]'],
      ['/executions', '[data-testid="executions-table"]'],
      [`/executions/${executionId}`, '[data-testid="gantt"]'],
      [`/executions/${executionId}?tab=topology`, '[data-testid="topology"]'],
      [`/executions/${executionId}?tab=logs`, '.log'],
      [`/executions/${executionId}?tab=io`, '.json'],
      ['/agents', '[data-agent="gw-phone-line1-gateway"] [data-online="true"]'],
      ['/agents/gw-phone-line1-gateway', '[data-testid="agent-flows"]'],
      ['/namespaces?namespace=plant.line1.sensors', '[data-testid="upload"]'],
      ['/rollouts', '[data-testid="rollouts-table"]'],
      [`/rollouts/${rolloutId}`, '[data-testid="rollout-summary"]'],
    ];
    const page = await ui().open('/', { viewport: PHONE });
    const tooWide: Record<string, number> = {};
    const unwrapped: Record<string, number> = {};
    const check = async (name: string) => {
      const beyond = await overflow(page);
      if (beyond > 0) tooWide[name] = PHONE.width + beyond;
      const bare = await page.locator('table:not(.table-wrap > table)').count();
      if (bare > 0) unwrapped[name] = bare;
    };
    for (const [path, ready] of pages) {
      await page.goto(ui().hub.url + path);
      await page.locator(ready).first().waitFor(WAIT);
      await check(path);
    }
    await page.goto(ui().hub.url + FLOW_PATH);
    await page.getByRole('button', { name: '▶ Execute' }).click();
    await page.getByTestId('execute-form').waitFor(WAIT);
    await check('execute dialog');
    await page.goto(`${ui().hub.url}/agents`);
    await page.getByRole('button', { name: 'Register agent' }).click();
    await page.getByRole('dialog').waitFor(WAIT);
    await check('register dialog');
    await page.context().close();

    const signIn = await ui().open('/', { viewport: PHONE, signedOut: true });
    await signIn.locator('form.login-card').waitFor(WAIT);
    if ((await overflow(signIn)) > 0) tooWide['sign-in'] = PHONE.width + (await overflow(signIn));
    await signIn.context().close();

    expect(tooWide).toEqual({});
    expect(unwrapped).toEqual({});
  });

  it('collapses the navigation into a menu button that opens it, by pointer and by keyboard', async () => {
    const page = await ui().open('/', { viewport: PHONE });
    const menu = page.getByRole('button', { name: 'Menu' });
    const nav = page.getByRole('navigation', { name: 'Main' });
    const flows = nav.getByRole('link', { name: 'Flows', exact: true });
    const agents = nav.getByRole('link', { name: 'Agents', exact: true });
    await menu.waitFor(WAIT);
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    const controlled = await menu.getAttribute('aria-controls');
    expect(controlled).toBeTruthy();
    expect(await page.locator(`#${controlled}`).isVisible()).toBe(false);
    expect(await flows.isVisible()).toBe(false);

    await menu.click();
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    expect(await flows.isVisible()).toBe(true);
    await flows.click();
    await page.waitForURL('**/flows', WAIT);
    await page.locator('h1', { hasText: 'Flows' }).waitFor(WAIT);
    // Going somewhere closes it.
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    expect(await flows.isVisible()).toBe(false);

    // Keyboard: Enter opens, Tab walks into the links, Enter follows one.
    await menu.focus();
    await page.keyboard.press('Enter');
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      if ((await focused(page)) === 'Agents') break;
    }
    expect(await agents.getAttribute('href')).toBe(await page.locator(':focus').getAttribute('href'));
    await page.keyboard.press('Enter');
    await page.waitForURL('**/agents', WAIT);
    expect(await menu.getAttribute('aria-expanded')).toBe('false');

    // Escape closes it and gives the focus back to the button.
    await menu.click();
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    await page.keyboard.press('Escape');
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    expect(await page.locator(':focus').getAttribute('aria-controls')).toBe(controlled);
    await page.context().close();
  });

  it('shows the links, not the menu button, on a desktop', async () => {
    const page = await ui().open('/', { viewport: DESKTOP });
    await page.locator('nav.sidebar').waitFor(WAIT);
    expect(await page.getByRole('button', { name: 'Menu' }).isVisible()).toBe(false);
    for (const name of ['Dashboard', 'Flows', 'Executions', 'Agents'])
      expect(
        await page
          .getByRole('navigation', { name: 'Main' })
          .getByRole('link', { name, exact: true })
          .isVisible(),
      ).toBe(true);
    await page.context().close();
  });

  it('scrolls a wide table inside its card, not the page', async () => {
    const page = await ui().open('/executions', { viewport: PHONE });
    const table = page.getByTestId('executions-table');
    await table.waitFor(WAIT);
    const wrap = page.locator('.table-wrap', { has: table });
    const card = page.locator('.card', { has: table });
    const [scrollWidth, clientWidth] = await wrap.evaluate((el) => [el.scrollWidth, el.clientWidth]);
    expect(scrollWidth).toBeGreaterThan(clientWidth);
    expect((await box(card)).x + (await box(card)).width).toBeLessThanOrEqual(PHONE.width);
    // Its last column comes into view by scrolling the box.
    const last = table.locator('th').last();
    expect((await box(last)).x).toBeGreaterThan(PHONE.width);
    await wrap.evaluate((el) => {
      el.scrollLeft = el.scrollWidth;
    });
    const shown = await box(last);
    expect(shown.x + shown.width).toBeLessThanOrEqual(PHONE.width);
    expect(await overflow(page)).toBe(0);
    await page.context().close();
  });

  it('keeps the Gantt chart readable: whole task names, bars across most of the width, ticks apart', async () => {
    const page = await ui().open(`/executions/${executionId}`, { viewport: PHONE });
    const rows = page.locator('[data-taskrun]');
    await expect.poll(() => rows.count(), WAIT).toBe(4);
    for (const label of await page.locator('[data-taskrun] .gantt-label').all()) {
      const [scrollWidth, clientWidth] = await label.evaluate((el) => [el.scrollWidth, el.clientWidth]);
      expect(scrollWidth, (await label.textContent()) ?? '').toBeLessThanOrEqual(clientWidth);
      expect((await box(label)).height).toBeGreaterThanOrEqual(12);
    }
    for (const track of await page.locator('[data-taskrun] .gantt-track').all()) {
      const t = await box(track);
      expect(t.width).toBeGreaterThanOrEqual(0.75 * PHONE.width);
      const bar = await box(track.locator('.gantt-bar').first());
      expect(bar.x).toBeGreaterThanOrEqual(t.x - 0.5);
      expect(bar.x + bar.width).toBeLessThanOrEqual(t.x + t.width + 0.5);
    }
    const ticks = await Promise.all((await page.locator('.gantt-axis .tick').all()).map(box));
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < ticks.length; i++)
      expect(ticks[i]!.x).toBeGreaterThanOrEqual(ticks[i - 1]!.x + ticks[i - 1]!.width);
    await page.context().close();
  });

  it("draws the dashboard chart's axis labels at a readable size", async () => {
    const page = await ui().open('/', { viewport: PHONE });
    const labels = page.locator('.chart text.axis');
    await expect.poll(() => labels.count(), WAIT).toBeGreaterThan(3);
    for (const label of await labels.all())
      expect((await box(label)).height, (await label.textContent()) ?? '').toBeGreaterThanOrEqual(10);
    await page.context().close();
  });

  it('reaches every tab of the flow and execution pages, each shown whole when chosen', async () => {
    const page = await ui().open(FLOW_PATH, { viewport: PHONE });
    for (const path of [FLOW_PATH, `/executions/${executionId}`]) {
      await page.goto(ui().hub.url + path);
      const tabs = page.getByRole('tablist').getByRole('tab');
      await expect.poll(() => tabs.count(), WAIT).toBeGreaterThanOrEqual(4);
      for (const tab of await tabs.all()) {
        await tab.click();
        await expect.poll(() => tab.getAttribute('aria-selected'), WAIT).toBe('true');
        const b = await box(tab);
        expect(b.x).toBeGreaterThanOrEqual(0);
        expect(b.x + b.width).toBeLessThanOrEqual(PHONE.width);
      }
      expect(await overflow(page)).toBe(0);
    }
    await page.context().close();
  });
});
