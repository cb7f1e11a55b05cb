/**
 * The web UI end to end: headless Chromium on a real hub (PGlite, embedded
 * broker, engine) and a real agent, through the public API and its live streams.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWithService } from '../support/services.js';
import { setEditorText, useUiHarness } from './support.js';

const WAIT = { timeout: 15_000, interval: 50 };

/** The flow as first typed: `mesage` is a typo the editor must point at (line 13). */
const TYPED = `id: greet
namespace: e2e.ui
description: Greets, then waits for a gate file
inputs:
  - id: name
    type: STRING
  - id: gate
    type: STRING
tasks:
  - id: hello
    type: log
    level: INFO
    mesage: "Hello, {{ inputs.name }}!"
  - id: wait
    type: shell
    commands:
      - 'while [ ! -f "{{ inputs.gate }}" ]; do sleep 0.05; done'
  - id: bye
    type: log
    message: done waiting
`;

describeWithService('TERN_TEST_CHROMIUM', 'web UI end to end', (chromiumPath) => {
  const ui = useUiHarness(chromiumPath);

  it('loads every page, the flow editor and the API docs under the Content-Security-Policy with no violation', async () => {
    const page = await ui().open('/');
    const response = await page.reload();
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    // The theme script (a file, no longer inline) ran before the app.
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('light');
    await page.locator('nav.sidebar').waitFor(WAIT);
    for (const path of ['/flows', '/executions', '/agents']) {
      await page.goto(ui().hub.url + path);
      await page.locator('h1').waitFor(WAIT);
    }
    await page.goto(`${ui().hub.url}/flows/new`);
    await page.locator('.cm-content').waitFor(WAIT);
    await setEditorText(
      page,
      'id: csp\nnamespace: e2e.ui\ntasks:\n  - id: a\n    type: log\n    message: hi\n',
    );
    await expect.poll(() => page.getByTestId('validity').textContent(), WAIT).toBe('valid');
    await page.goto(`${ui().hub.url}/api/docs`);
    await expect
      .poll(() => page.locator('.swagger-ui .info .title').textContent(), WAIT)
      .toContain('Tern hub API');
    await page.locator('.opblock').first().click();
    await page.locator('.opblock-body').first().waitFor(WAIT);
    await page.context().close();
    expect(ui().cspViolations).toEqual([]);
  });

  it('writes a flow, fixes the error it shows, saves, executes it with inputs, watches it end live, reads its logs', async () => {
    const page = await ui().open('/flows/new');
    await page.locator('.cm-content').waitFor();
    await setEditorText(page, TYPED);

    // The hub's validation is shown at its line, in the gutter and in the list.
    const problems = page.getByTestId('problems');
    await expect.poll(() => problems.textContent(), WAIT).toMatch(/Line 13.*mesage/);
    await expect.poll(() => page.locator('.cm-lint-marker-error').count(), WAIT).toBeGreaterThan(0);
    expect(await page.getByRole('button', { name: 'Create' }).isDisabled()).toBe(true);

    await setEditorText(page, TYPED.replace('mesage:', 'message:'));
    await expect.poll(() => page.getByTestId('validity').textContent(), WAIT).toBe('valid');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL('**/flows/e2e.ui/greet', WAIT);
    await expect.poll(() => page.locator('h1').textContent(), WAIT).toContain('revision 1');

    // Execute through the form generated from the typed inputs.
    const gate = join(ui().root, 'gate');
    await page.getByRole('button', { name: '▶ Execute' }).click();
    const form = page.getByTestId('execute-form');
    await form.locator('#input-name').fill('Tern');
    await form.locator('#input-gate').fill(gate);
    await form.getByRole('button', { name: 'Execute' }).click();
    await page.waitForURL('**/executions/*', WAIT);
    const id = page.url().split('/executions/')[1]!.split('?')[0]!;
    const state = page.locator('h1 .badge');
    await expect.poll(() => state.textContent(), WAIT).toBe('RUNNING');
    await expect.poll(() => page.locator('[data-taskrun="wait"]').count(), WAIT).toBe(1);

    // The execution ends while the page is open: the follow stream brings it, no reload.
    writeFileSync(gate, '');
    await expect.poll(() => state.textContent(), WAIT).toBe('SUCCESS');
    expect(page.url()).toContain(id);
    await expect.poll(() => page.locator('[data-taskrun="bye"] .badge').textContent(), WAIT).toBe('SUCCESS');
    const stored = await ui().api('GET', `/executions/${id}`);
    expect(stored.inputs).toEqual({ name: 'Tern', gate });

    await page.getByRole('tab', { name: 'Logs' }).click();
    expect(page.url()).toContain('tab=logs');
    await expect.poll(() => page.getByTestId('logs').textContent(), WAIT).toContain('Hello, Tern!');
    await page.getByLabel('Task').selectOption('bye');
    await expect.poll(() => page.getByTestId('logs').textContent(), WAIT).not.toContain('Hello, Tern!');
    expect(page.url()).toContain('task=bye');
    await page.context().close();
  });

  it('resumes a paused execution through the Resume form, with its onResume inputs checked', async () => {
    await ui().api('POST', '/flows', {
      yaml: `id: approval
namespace: e2e.ui
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - { id: approved, type: BOOLEAN }
      - { id: note, type: STRING, validator: "[a-z]+" }
  - { id: after, type: log, message: "{{ outputs.wait.onResume.note }}" }
`,
    });
    const started = await ui().api('POST', '/executions/e2e.ui/approval', { json: {} });
    const page = await ui().open(`/executions/${started.id}`);
    const state = page.locator('h1 .badge');
    await expect.poll(() => state.textContent(), WAIT).toBe('PAUSED');
    await page.getByRole('button', { name: 'Resume' }).click();
    const form = page.getByTestId('resume-form');
    await form.locator('#input-note').fill('NO');
    await form.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => form.locator('.field-error').textContent(), WAIT).toContain('does not match');
    await form.locator('#input-note').fill('fine');
    await form.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => state.textContent(), WAIT).toBe('SUCCESS');
    const stored = await ui().api('GET', `/executions/${started.id}`);
    expect(stored.taskRuns.find((t: { taskId: string }) => t.taskId === 'wait').outputs).toEqual({
      onResume: { approved: false, note: 'fine' },
    });
    await page.context().close();
  });

  it('shows where a trigger runs and what it did, and disables and enables it', async () => {
    await ui().api('POST', '/flows', {
      yaml: `id: tick
namespace: e2e.ui
triggers:
  - id: every-second
    type: schedule
    cron: "* * * * * *"
    withSeconds: true
tasks:
  - id: hello
    type: log
    message: tick
`,
    });
    const page = await ui().open('/flows/e2e.ui/tick?tab=triggers');
    const trigger = page.locator('[data-trigger="every-second"]');
    const fired = trigger.locator('[data-runtime="hub"] [data-testid="fired"]');
    // The hub's runtime, updated live as the schedule fires.
    await expect.poll(async () => Number(await fired.textContent()), WAIT).toBeGreaterThanOrEqual(2);
    await trigger.getByRole('link', { name: 'execution' }).waitFor(WAIT);

    await trigger.getByRole('button', { name: 'Disable' }).click();
    const state = trigger.getByTestId('trigger-state');
    await expect.poll(() => state.textContent(), WAIT).toBe('disabled');
    await expect.poll(() => page.locator('h1').textContent(), WAIT).toContain('revision 2');
    const disabled = await ui().api('GET', '/flows/e2e.ui/tick');
    expect([disabled.revision, disabled.triggers[0].disabled]).toEqual([2, true]);
    expect(disabled.source).toMatch(/disabled: true/);

    await trigger.getByRole('button', { name: 'Enable' }).click();
    await expect.poll(() => state.textContent(), WAIT).toBe('enabled');
    await expect.poll(() => page.locator('h1').textContent(), WAIT).toContain('revision 3');
    expect((await ui().api('GET', '/flows/e2e.ui/tick')).triggers[0].disabled).toBe(false);
    await ui().api('DELETE', '/flows/e2e.ui/tick');
    await page.context().close();
  });

  it('shows an agent go offline when it stops and come back when it starts', async () => {
    const agent = await ui().startAgent('gw-e2e', { site: 'e2e' });
    const page = await ui().open('/agents');
    const pill = page.locator('[data-agent="gw-e2e"] [data-testid="online"]');
    await expect.poll(() => pill.getAttribute('data-online'), WAIT).toBe('true');
    await page.locator('[data-live="live"]').waitFor(WAIT);

    await agent.close();
    await expect.poll(() => pill.getAttribute('data-online'), WAIT).toBe('false');
    await expect.poll(() => pill.textContent(), WAIT).toBe('offline');

    await ui().startAgent('gw-e2e');
    await expect.poll(() => pill.getAttribute('data-online'), WAIT).toBe('true');
    await page.context().close();
  });

  it("shows an agent's footprint on its page: memory, heap, event loop delay and start-up time", async () => {
    const agent = await ui().startAgent('gw-footprint', { site: 'foot' });
    const page = await ui().open('/agents/gw-footprint');
    const footprint = page.locator('[data-testid="agent-footprint"]');
    await expect
      .poll(() => footprint.textContent(), WAIT)
      .toMatch(
        /^[\d.]+ [KMG]i?B resident, heap [\d.]+ [KMG]i?B of [\d.]+ [KMG]i?B, event loop delay p99 [\d.]+ ms, ready [\d.]+ m?s after start$/,
      );
    await agent.close();
    await page.context().close();
  });
});
