/**
 * `npm run screenshots`: starts a hub with example data (flows, executions,
 * one agent online and one offline) on loopback, visits every page of the web
 * UI in headless Chromium, and writes a PNG of each to docs/screenshots/: at
 * desktop width, and at phone width (390 px) as `*-phone.png`.
 *
 * Chromium: TERN_TEST_CHROMIUM, else /usr/bin/chromium (`deploy/dev/services.sh up chromium`).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { startAgent } from '../agent/agent.js';
import { startHub } from '../hub/hub.js';

const TOKEN = 'tern_screenshots_admin_token_0123456789';
const root = join(import.meta.dirname, '..', '..');
const out = join(root, 'docs', 'screenshots');

const PLANT_FLOW = `id: collect
namespace: plant.line1
description: Read the line's sensors, check the temperature, report.
labels:
  team: ops
runsOn:
  labels:
    site: plant1
inputs:
  - id: threshold
    type: FLOAT
    defaults: 80
  - id: mode
    type: SELECT
    values: [normal, maintenance]
    defaults: normal
triggers:
  - id: every-minute
    type: schedule
    cron: "* * * * *"
tasks:
  - id: read
    type: parallel
    tasks:
      - id: temperature
        type: output
        values:
          celsius: 72
      - id: vibration
        type: output
        values:
          rms: 0.4
  - id: check
    type: if
    condition: "{{ outputs.temperature.values.celsius > inputs.threshold }}"
    then:
      - id: alert
        type: log
        level: WARN
        message: too hot
    else:
      - id: fine
        type: log
        message: "{{ outputs.temperature.values.celsius }} °C is fine"
  - id: route
    type: switch
    value: "{{ inputs.mode }}"
    cases:
      maintenance:
        - id: skip
          type: log
          message: in maintenance
    defaults:
      - id: report
        type: log
        message: reported
`;

const FAILING = `id: nightly-export
namespace: plant.reports
description: "Exports the day's readings (it fails, the target is missing)."
tasks:
  - id: prepare
    type: log
    message: preparing the export
  - id: export
    type: shell
    retry:
      type: constant
      interval: PT0.2S
      maxAttempts: 3
    commands:
      - echo "writing to /nonexistent/export.csv"
      - test -d /nonexistent
errors:
  - id: notify
    type: log
    level: ERROR
    message: "export failed: {{ error.message }}"
`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tern-screenshots-'));
  const hub = await startHub({
    port: 0,
    host: '127.0.0.1',
    mqttPort: 0,
    mqttHost: '127.0.0.1',
    dataDir: join(dir, 'hub'),
    adminToken: TOKEN,
  });
  const call = async (method: string, path: string, body?: { json?: unknown; yaml?: string }) => {
    const res = await fetch(`${hub.url}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body?.json !== undefined && { 'content-type': 'application/json' }),
        ...(body?.yaml !== undefined && { 'content-type': 'application/x-yaml' }),
      },
      body: body?.json !== undefined ? JSON.stringify(body.json) : body?.yaml,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  const agents: Awaited<ReturnType<typeof startAgent>>[] = [];
  const browser = await chromium.launch({
    executablePath: process.env.TERN_TEST_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    for (const name of [
      'hello',
      'foreach',
      'parallel',
      'retries-and-errors',
      'typed-inputs',
      'kestra-syntax',
    ]) {
      await call('POST', '/flows', { yaml: readFileSync(join(root, 'examples', `${name}.yml`), 'utf8') });
    }
    await call('POST', '/flows', { yaml: FAILING });
    // Namespace files: a script and a query the plant's flows use (raw bodies, as `tern deploy` sends them).
    for (const [path, text] of [
      ['scripts/clean.py', 'import sys\nfor line in sys.stdin:\n    print(line.strip().lower())\n'],
      ['queries/latest.sql', 'SELECT sensor, value FROM readings ORDER BY at DESC LIMIT 10;\n'],
    ]) {
      const res = await fetch(`${hub.url}/api/v1/namespaces/plant.line1/files?path=${path}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/octet-stream' },
        body: text,
      });
      if (!res.ok) throw new Error(`PUT namespace file ${path}: ${res.status} ${await res.text()}`);
    }
    await call('POST', '/flows', { yaml: PLANT_FLOW.replace('defaults: 80', 'defaults: 75') });
    await call('PUT', '/flows/plant.line1/collect', { yaml: PLANT_FLOW });

    const { token } = await call('POST', '/agents', {
      json: { id: 'gw-plant1-a', labels: { site: 'plant1', role: 'gateway' } },
    });
    await call('POST', '/agents', { json: { id: 'gw-plant2-b', labels: { site: 'plant2' } } });
    agents.push(
      await startAgent({
        id: 'gw-plant1-a',
        token,
        hubUrl: `mqtt://127.0.0.1:${hub.mqttPort}`,
        dataDir: join(dir, 'agent'),
        sync: { lingerMs: 1 },
      }),
    );

    for (const [flow, inputs] of [
      ['tern.examples/hello', { name: 'Ada' }],
      ['tern.examples/foreach', {}],
      ['tern.examples/parallel', {}],
      ['tern.examples/retries-and-errors', {}],
      ['plant.reports/nightly-export', {}],
      ['tern.examples/hello', { name: 'Grace' }],
    ] as const) {
      await call('POST', `/executions/${flow}?wait=true`, { json: inputs }).catch(() => undefined);
    }
    const run = await call('POST', '/executions/plant.line1/collect?agent=gw-plant1-a', {
      json: { threshold: 70 },
    });
    const agentExecution = run.executionIds[0] as string;
    const failed = (await call('GET', '/executions?flowId=nightly-export')).items[0].id as string;
    const retried = (await call('GET', '/executions?flowId=retries-and-errors')).items[0].id as string;
    for (let i = 0; i < 200; i++) {
      const e = await call('GET', `/executions/${agentExecution}`).catch(() => undefined);
      if (e && ['SUCCESS', 'WARNING', 'FAILED'].includes(e.state)) break;
      await new Promise((r) => setTimeout(r, 100));
    }

    // A rollout of the agent's flow, with health gates, for the Rollouts pages.
    const rollout = await call('POST', '/rollouts', {
      json: {
        namespace: 'plant.line1',
        flowId: 'collect',
        options: { gates: { appliedWithin: 'PT5M', online: true } },
      },
    });

    mkdirSync(out, { recursive: true });
    const shoot = async (
      name: string,
      path: string,
      theme: 'light' | 'dark',
      ready?: (page: Page) => Promise<void>,
    ) => {
      const phone = name.endsWith('-phone');
      const context = await browser.newContext({
        viewport: phone ? { width: 390, height: 844 } : { width: 1400, height: 900 },
        deviceScaleFactor: 1,
      });
      // A string, not a function: this file is type-checked for Node, where there is no localStorage.
      const token = name.startsWith('sign-in') ? '' : TOKEN;
      await context.addInitScript(
        `if (${JSON.stringify(token)}) localStorage.setItem('tern.token', ${JSON.stringify(token)});
         localStorage.setItem('tern.theme', ${JSON.stringify(theme)});`,
      );
      const page = await context.newPage();
      await page.goto(hub.url + path);
      if (!name.startsWith('sign-in')) await page.locator('[data-live="live"]').waitFor({ timeout: 15_000 });
      await ready?.(page);
      await page.waitForTimeout(300);
      // Dialogs and the log box are shown as the window shows them.
      const fullPage = !/^(execution-logs|agent-register)/.test(name);
      await page.screenshot({ path: join(out, `${name}.png`), fullPage });
      await context.close();
      console.log(`wrote docs/screenshots/${name}.png`);
    };
    const visible = (selector: string) => async (page: Page) => {
      await page.locator(selector).first().waitFor({ timeout: 15_000 });
    };

    /** Every page (with a tab, a dialog or an editor state), shot at desktop width and at phone width. */
    const pages: [string, string, 'light' | 'dark', ((page: Page) => Promise<void>)?][] = [
      ['sign-in', '/', 'light'],
      ['dashboard', '/', 'light', visible('.chart svg')],
      ['dashboard-dark', '/', 'dark', visible('.chart svg')],
      ['flows', '/flows', 'light', visible('[data-testid="flows-table"]')],
      [
        'flow-editor',
        '/flows/plant.line1/collect',
        'light',
        async (page) => {
          await page.locator('.cm-content').waitFor();
          await page.locator('.cm-line').nth(20).click();
          await page.keyboard.press('End');
          await page.keyboard.press('Enter');
          await page.keyboard.press('Control+Space');
          await page.locator('.cm-tooltip-autocomplete').waitFor({ timeout: 5000 });
        },
      ],
      [
        'flow-editor-problem',
        '/flows/tern.examples/hello',
        'dark',
        async (page) => {
          await page.locator('.cm-content').waitFor();
          await page.locator('.cm-line').nth(13).click();
          await page.keyboard.press('End');
          await page.keyboard.insertText('\n    level: LOUD');
          await page.getByTestId('problems').waitFor({ timeout: 10_000 });
        },
      ],
      [
        'flow-topology',
        '/flows/plant.line1/collect?tab=topology',
        'light',
        visible('[data-testid="topology"]'),
      ],
      [
        'flow-triggers',
        '/flows/plant.line1/collect?tab=triggers',
        'light',
        visible('[data-runtime="gw-plant1-a"]'),
      ],
      ['flow-revisions', '/flows/plant.line1/collect?tab=revisions', 'light', visible('.cm-mergeView')],
      [
        'flow-execute',
        '/flows/tern.examples/typed-inputs',
        'light',
        async (page) => {
          await page.getByRole('button', { name: '▶ Execute' }).click();
          await page.getByTestId('execute-form').waitFor();
        },
      ],
      ['executions', '/executions', 'light', visible('[data-testid="executions-table"]')],
      ['execution-gantt', `/executions/${retried}`, 'light', visible('[data-testid="gantt"]')],
      [
        'execution-topology',
        `/executions/${agentExecution}?tab=topology`,
        'light',
        visible('[data-testid="topology"]'),
      ],
      ['execution-logs', `/executions/${failed}?tab=logs`, 'light', visible('.log')],
      ['execution-io', `/executions/${agentExecution}?tab=io`, 'light', visible('.json')],
      ['agents', '/agents', 'light', visible('[data-testid="agents-table"]')],
      ['agent', '/agents/gw-plant1-a', 'light', visible('[data-testid="agent-flows"]')],
      ['namespace-files', '/namespaces?namespace=plant.line1', 'light', visible('[data-testid="files"]')],
      [
        'namespace-file',
        '/namespaces?namespace=plant.line1&path=scripts/clean.py',
        'light',
        visible('[data-testid="file-text"]'),
      ],
      ['rollouts', '/rollouts', 'light', visible('[data-testid="rollouts-table"]')],
      ['rollout', `/rollouts/${rollout.id}`, 'light', visible('[data-testid="rollout-summary"]')],
    ];
    for (const [name, path, theme, ready] of pages) {
      await shoot(name, path, theme, ready);
      await shoot(`${name}-phone`, path, theme, ready);
    }
    await shoot('menu-phone', '/', 'light', async (page) => {
      await page.getByRole('button', { name: 'Menu' }).click();
    });
    // Last: each registers one more agent.
    for (const name of ['agent-register', 'agent-register-phone']) {
      await shoot(name, '/agents', 'light', async (page) => {
        await page.getByRole('button', { name: 'Register agent' }).click();
        const dialog = page.getByRole('dialog');
        await dialog.getByLabel('Id').fill(name === 'agent-register' ? 'gw-plant3-c' : 'gw-plant4-d');
        await dialog.getByLabel(/Labels/).fill('site=plant3');
        await dialog.getByRole('button', { name: 'Register' }).click();
        await dialog.getByTestId('agent-command').waitFor();
      });
    }
  } finally {
    await browser.close();
    for (const a of agents) await a.close();
    await hub.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
