/**
 * End-to-end support for the web UI: a real hub (PGlite in a temporary
 * directory, embedded broker, the built UI) on loopback, and headless Debian
 * Chromium driven by playwright-core.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { type Agent, startAgent } from '../../agent/agent.js';
import { type Hub, startHub } from '../../hub/hub.js';
import { defaultUiDir } from '../../hub/ui.js';

export const ADMIN_TOKEN = 'tern_ui_e2e_admin_token_0123456789';

/** The desktop window the tests use unless told otherwise. */
export const DESKTOP = { width: 1360, height: 900 };
/** A phone held upright (an iPhone 12 to 15): the narrowest width the UI is laid out for. */
export const PHONE = { width: 390, height: 844 };

export interface OpenOptions {
  /** The window's size (default {@link DESKTOP}). */
  viewport?: { width: number; height: number };
  /** Browser permissions granted to the hub's origin, e.g. `clipboard-read`. */
  permissions?: string[];
  /** Open signed out (no token in the browser). */
  signedOut?: boolean;
}

export interface UiHarness {
  hub: Hub;
  browser: Browser;
  root: string;
  /** A new page in a new browser context, signed in unless told otherwise, at `path`. */
  open(path: string, options?: OpenOptions): Promise<Page>;
  /** Every Content-Security-Policy violation any page opened by {@link open} reported on its console. */
  cspViolations: string[];
  /** Calls the API as the admin. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies freely; the assertions check them.
  api(method: string, path: string, body?: { json?: unknown; yaml?: string }): Promise<any>;
  /**
   * Registers an agent (once) and starts it, with `extra` options (its version, updates …); the same id
   * reuses its token and data directory.
   */
  startAgent(
    id: string,
    labels?: Record<string, string>,
    extra?: Partial<Parameters<typeof startAgent>[0]>,
  ): Promise<Agent>;
  close(): Promise<void>;
}

/** Builds the UI when `dist/ui` is missing (a plain `vitest run` without `npm run build`). */
async function ensureUiBuilt(): Promise<void> {
  if (existsSync(join(defaultUiDir(), 'index.html'))) return;
  const { build } = await import('vite');
  await build({
    configFile: join(import.meta.dirname, '..', '..', 'ui', 'vite.config.ts'),
    logLevel: 'warn',
  });
}

export async function startUiHarness(chromiumPath: string): Promise<UiHarness> {
  await ensureUiBuilt();
  const root = mkdtempSync(join(tmpdir(), 'tern-ui-e2e-'));
  const hub = await startHub({
    port: 0,
    host: '127.0.0.1',
    mqttPort: 0,
    mqttHost: '127.0.0.1',
    dataDir: join(root, 'hub'),
    adminToken: ADMIN_TOKEN,
  });
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    // Root in a container has no user namespaces for Chromium's sandbox.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  const tokens = new Map<string, string>();
  const agents: Agent[] = [];
  const cspViolations: string[] = [];
  const api: UiHarness['api'] = async (method, path, body = {}) => {
    const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` };
    if (body.json !== undefined) headers['content-type'] = 'application/json';
    if (body.yaml !== undefined) headers['content-type'] = 'application/x-yaml';
    const res = await fetch(`${hub.url}/api/v1${path}`, {
      method,
      headers,
      body: body.json !== undefined ? JSON.stringify(body.json) : body.yaml,
    });
    const text = await res.text();
    const parsed = text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return parsed;
  };
  return {
    hub,
    browser,
    root,
    api,
    cspViolations,
    async open(path, options = {}) {
      const context = await browser.newContext({ viewport: options.viewport ?? DESKTOP });
      if (options.permissions) await context.grantPermissions(options.permissions, { origin: hub.url });
      // A string, not a function: this file is type-checked for Node, where there is no localStorage.
      const token = options.signedOut ? '' : ADMIN_TOKEN;
      await context.addInitScript(
        `if (${JSON.stringify(token)}) localStorage.setItem('tern.token', ${JSON.stringify(token)});
         if (!localStorage.getItem('tern.theme')) localStorage.setItem('tern.theme', 'light');`,
      );
      const page = await context.newPage();
      // Chromium reports each blocked script, style, image or connection on the console.
      page.on('console', (message) => {
        if (/Content.Security.Policy/i.test(message.text()))
          cspViolations.push(`${page.url()}: ${message.text()}`);
      });
      await page.goto(hub.url + path);
      return page;
    },
    async startAgent(id, labels = {}, extra = {}) {
      let token = tokens.get(id);
      if (!token) {
        token = (await api('POST', '/agents', { json: { id, labels } })).token as string;
        tokens.set(id, token);
      }
      const agent = await startAgent({
        ...extra,
        id,
        token,
        hubUrl: `mqtt://127.0.0.1:${hub.mqttPort}`,
        dataDir: join(root, 'agents', id),
        closeGraceMs: 2000,
        sync: { reconnectMinMs: 20, reconnectMaxMs: 200, lingerMs: 1 },
      });
      agents.push(agent);
      return agent;
    },
    async close() {
      await browser.close().catch(() => undefined);
      for (const a of agents) await a.close().catch(() => undefined);
      await hub.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * Starts a harness (then runs `setup` on it) before the enclosing suite and
 * closes it after. After each test it checks that no page reported a
 * Content-Security-Policy violation: every test also shows that the hub's
 * policy lets the UI do what it does. The getter returns the harness in tests.
 */
export function useUiHarness(
  chromiumPath: string,
  setup?: (ui: UiHarness) => Promise<void>,
): () => UiHarness {
  let ui: UiHarness | undefined;
  beforeAll(async () => {
    ui = await startUiHarness(chromiumPath);
    await setup?.(ui);
  }, 60_000);
  afterAll(async () => {
    await ui?.close();
  }, 30_000);
  afterEach(() => {
    expect(ui?.cspViolations.splice(0)).toEqual([]);
  });
  return () => {
    if (!ui) throw new Error('the UI harness is not started');
    return ui;
  };
}

/** Replaces the flow editor's whole document, as a paste would (no auto-indent). */
export async function setEditorText(page: Page, text: string): Promise<void> {
  await page.locator('.cm-content').click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.insertText(text);
}
