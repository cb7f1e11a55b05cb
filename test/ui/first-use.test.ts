/**
 * What a new user meets in the web UI, in headless Chromium on a real hub and
 * real agents: empty pages that say what to do, registering an agent with the
 * command to run on the device, a dashboard axis that counts, triggers shown
 * disabled where they run, execution pages named by their flow, the message
 * after creating a flow, and tabs usable from the keyboard.
 */
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, expect, it } from 'vitest';
import { type Agent, startAgent } from '../../agent/agent.js';
import { describeWithService } from '../support/services.js';
import { setEditorText, useUiHarness } from './support.js';

const WAIT = { timeout: 15_000, interval: 50 };

const HELLO = `id: hello
namespace: e2e.first
tasks:
  - id: say
    type: log
    message: hello
`;

/** The text of an element, '' when it has none. */
const text = async (locator: Locator) => (await locator.textContent()) ?? '';

/** The text of the page's main area. */
const mainText = (page: Page) => text(page.locator('main'));

describeWithService('TERN_TEST_CHROMIUM', 'web UI for a first user', (chromiumPath) => {
  const ui = useUiHarness(chromiumPath);
  const agents: Agent[] = [];

  afterAll(async () => {
    for (const agent of agents) await agent.close();
  }, 30_000);

  // First: the hub is empty only until the next test.
  it('says what to do on an empty hub: create or deploy a flow, register an agent; no failures', async () => {
    const page = await ui().open('/flows');
    const empty = page.getByTestId('flows-empty');
    await empty.waitFor(WAIT);
    expect(await text(empty)).toMatch(/^No flows yet — create one, or tern deploy a folder/);
    expect(await empty.locator('code').allTextContents()).toContain('tern deploy');
    expect(await mainText(page)).not.toContain('No flow matches');
    await empty.getByRole('link', { name: 'create one' }).click();
    await page.waitForURL('**/flows/new', WAIT);

    await page.goto(`${ui().hub.url}/agents`);
    const noAgents = page.getByTestId('agents-empty');
    await noAgents.waitFor(WAIT);
    expect(await text(noAgents)).toMatch(/^No agents yet/);
    expect(await noAgents.locator('code').allTextContents()).toContain('tern agent');
    expect(await mainText(page)).not.toContain('`');

    await page.goto(`${ui().hub.url}/executions`);
    await expect.poll(() => mainText(page), WAIT).toContain('No executions yet');

    await page.goto(`${ui().hub.url}/`);
    const failures = page.locator('section.card', {
      has: page.getByRole('heading', { name: 'Recent failures' }),
    });
    await expect.poll(() => text(failures), WAIT).toContain('No failures');
    await page.context().close();
  });

  it('keeps "No flow matches" for a search that hides the flows there are', async () => {
    await ui().api('POST', '/flows', { yaml: HELLO });
    const page = await ui().open('/flows?q=nothing-like-this');
    await expect.poll(() => mainText(page), WAIT).toContain('No flow matches');
    expect(await page.getByTestId('flows-empty').count()).toBe(0);
    await page.context().close();
  });

  it("labels the dashboard chart's count axis with distinct whole numbers from 0", async () => {
    // One execution: the highest bar is 1, where rounding halves used to print "0, 1, 1".
    await ui().api('POST', '/executions/e2e.first/hello?wait=true', { json: {} });
    const page = await ui().open('/');
    const counts = page.locator('.chart text.axis[text-anchor="end"]');
    await expect.poll(() => counts.allTextContents(), WAIT).toEqual(['0', '1']);
    // Two more (same hour, or the next): the top tick still covers the highest bar.
    await ui().api('POST', '/executions/e2e.first/hello?wait=true', { json: {} });
    await ui().api('POST', '/executions/e2e.first/hello?wait=true', { json: {} });
    await expect
      .poll(async () => (await counts.allTextContents()).map(Number), WAIT)
      .toSatisfy(
        (ticks: number[]) => ticks[0] === 0 && ticks.length >= 3 && new Set(ticks).size === ticks.length,
      );
    const ticks = (await counts.allTextContents()).map(Number);
    expect(ticks).toEqual([...ticks].sort((a, b) => a - b));
    expect(ticks.every(Number.isInteger)).toBe(true);
    await page.context().close();
  });

  it('registers an agent and gives the token and the command to run on the device, each with a copy button', async () => {
    const page = await ui().open('/agents', { permissions: ['clipboard-read', 'clipboard-write'] });
    await page.getByRole('button', { name: 'Register agent' }).click();
    const dialog = page.getByRole('dialog', { name: 'Register an agent' });
    await dialog.getByLabel('Id').fill('gw-first-01');
    await dialog.getByLabel(/Labels/).fill('site=lab');
    await dialog.getByRole('button', { name: 'Register' }).click();

    const token = (await text(dialog.getByTestId('agent-token'))).trim();
    expect(token).toMatch(/^tern_\S+$/);
    const hubUrl = `mqtt://127.0.0.1:${ui().hub.mqttPort}`;
    const hubKey = (await ui().api('GET', '/signing-keys')).current;
    const expected = `tern agent --hub ${hubUrl} --id gw-first-01 --token ${token} --hub-key ${hubKey}`;
    // The hub's broker address comes with the hub's info, which may arrive after the dialog shows.
    const commandShown = async () => (await text(dialog.getByTestId('agent-command'))).trim();
    await expect.poll(commandShown, WAIT).toBe(expected);
    const command = await commandShown();
    const clipboard = () => page.evaluate('navigator.clipboard.readText()');
    await dialog.getByRole('button', { name: 'Copy command' }).click();
    await expect.poll(clipboard, WAIT).toBe(command);
    await dialog.getByRole('button', { name: 'Copied' }).waitFor(WAIT);
    await dialog.getByRole('button', { name: 'Copy token' }).click();
    await expect.poll(clipboard, WAIT).toBe(token);
    await dialog.getByRole('button', { name: 'Done' }).click();

    // The command works: an agent given its --hub, --id and --token comes online.
    const args = command.split(' ');
    const arg = (name: string) => args[args.indexOf(name) + 1]!;
    agents.push(
      await startAgent({
        id: arg('--id'),
        token: arg('--token'),
        hubUrl: arg('--hub'),
        dataDir: join(ui().root, 'agents', 'gw-first-01'),
        closeGraceMs: 2000,
        sync: { reconnectMinMs: 20, reconnectMaxMs: 200, lingerMs: 1 },
      }),
    );
    const pill = page.locator('[data-agent="gw-first-01"] [data-testid="online"]');
    await expect.poll(() => pill.getAttribute('data-online'), WAIT).toBe('true');
    await page.context().close();
  });

  it('shows a disabled trigger as disabled, with the revision that disabled it, on the hub and on every agent', async () => {
    await ui().startAgent('gw-first-a', { site: 'first-triggers' });
    await ui().startAgent('gw-first-b', { site: 'first-triggers' });
    const yearly = `triggers:
  - id: new-year
    type: schedule
    cron: "0 0 1 1 *"
tasks:
  - id: say
    type: log
    message: happy new year
`;
    await ui().api('POST', '/flows', { yaml: `id: on-hub\nnamespace: e2e.first\n${yearly}` });
    await ui().api('POST', '/flows', {
      yaml: `id: on-agents\nnamespace: e2e.first\nrunsOn:\n  labels:\n    site: first-triggers\n${yearly}`,
    });
    for (const [flow, runtimes] of [
      ['on-hub', ['hub']],
      ['on-agents', ['gw-first-a', 'gw-first-b']],
    ] as const) {
      const page = await ui().open(`/flows/e2e.first/${flow}?tab=triggers`);
      const trigger = page.locator('[data-trigger="new-year"]');
      const row = (runtime: string) => trigger.locator(`[data-runtime="${runtime}"]`);
      const state = (runtime: string) => row(runtime).getByTestId('runtime-state');
      const revision = (runtime: string) => row(runtime).getByTestId('runtime-revision');
      for (const runtime of runtimes) {
        await expect.poll(() => state(runtime).textContent(), WAIT).toBe('running');
        expect(await revision(runtime).textContent()).toBe('1');
      }
      await trigger.getByRole('button', { name: 'Disable' }).click();
      await expect.poll(() => trigger.getByTestId('trigger-state').textContent(), WAIT).toBe('disabled');
      // Each runtime tells it has stopped it, at revision 2; the page follows without a reload.
      for (const runtime of runtimes) {
        await expect.poll(() => state(runtime).textContent(), WAIT).toBe('disabled');
        expect(await revision(runtime).textContent()).toBe('2');
      }
      await page.context().close();
    }
  });

  it("names the execution's flow in the page's title and heading", async () => {
    const execution = await ui().api('POST', '/executions/e2e.first/hello?wait=true', { json: {} });
    const page = await ui().open(`/executions/${execution.id}`);
    await expect.poll(() => text(page.locator('h1')), WAIT).toContain('e2e.first.hello');
    expect(await page.title()).toMatch(/^e2e\.first\.hello · execution \S+ · Tern$/);
    expect(await mainText(page)).toContain(execution.id);
    await page.context().close();
  });

  it('still says the flow was created once the page has moved to the new flow', async () => {
    const page = await ui().open('/flows/new');
    await page.locator('.cm-content').waitFor(WAIT);
    await setEditorText(page, HELLO.replace('id: hello', 'id: created'));
    await expect.poll(() => page.getByTestId('validity').textContent(), WAIT).toBe('valid');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL('**/flows/e2e.first/created', WAIT);
    await expect.poll(() => page.locator('h1').textContent(), WAIT).toContain('revision 1');
    await expect.poll(() => page.getByTestId('saved').textContent(), WAIT).toBe('Created revision 1');
    expect(await page.title()).toBe('e2e.first.created · Tern');
    await page.context().close();
  });

  it('makes the flow and execution views accessible tabs: roles, selection, one tab stop, arrow keys', async () => {
    const execution = await ui().api('POST', '/executions/e2e.first/hello?wait=true', { json: {} });
    for (const [path, names] of [
      ['/flows/e2e.first/hello', ['Editor', 'Topology', 'Triggers', 'Revisions', 'Executions']],
      [`/executions/${execution.id}`, ['Gantt', 'Topology', 'Logs', 'Inputs & outputs']],
    ] as const) {
      const page = await ui().open(path);
      const list = page.getByRole('tablist');
      await list.waitFor(WAIT);
      expect(await list.getAttribute('aria-label')).toBeTruthy();
      const tabs = list.getByRole('tab');
      expect(await tabs.allTextContents()).toEqual(names);
      const selected = async () => {
        const flags = await Promise.all((await tabs.all()).map((t) => t.getAttribute('aria-selected')));
        const stops = await Promise.all((await tabs.all()).map((t) => t.getAttribute('tabindex')));
        const at = flags.indexOf('true');
        // Exactly one selected tab, the only one in the tab order, focused, naming the panel.
        expect(flags.filter((f) => f === 'true')).toHaveLength(1);
        expect(stops.filter((s) => s === '0')).toHaveLength(1);
        expect(stops[at]).toBe('0');
        const tab = tabs.nth(at);
        const panel = page.getByRole('tabpanel');
        expect(await panel.getAttribute('aria-labelledby')).toBe(await tab.getAttribute('id'));
        expect(await tab.getAttribute('aria-controls')).toBe(await panel.getAttribute('id'));
        return names[at];
      };
      expect(await selected()).toBe(names[0]);
      await tabs.first().focus();
      await page.keyboard.press('ArrowRight');
      await expect.poll(selected, WAIT).toBe(names[1]);
      expect(await page.locator(':focus').getAttribute('id')).toBe(await tabs.nth(1).getAttribute('id'));
      expect(page.url()).toContain('tab=topology');
      await page.keyboard.press('End');
      await expect.poll(selected, WAIT).toBe(names[names.length - 1]);
      await page.keyboard.press('Home');
      await expect.poll(selected, WAIT).toBe(names[0]);
      await page.keyboard.press('ArrowLeft');
      await expect.poll(selected, WAIT).toBe(names[names.length - 1]);
      expect(await page.locator(':focus').getAttribute('id')).toBe(await tabs.last().getAttribute('id'));
      await page.context().close();
    }
  });
});
