/** The namespace files page in headless Chromium on a real hub: list, view, edit and upload. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeWithService } from '../support/services.js';
import { ADMIN_TOKEN, useUiHarness } from './support.js';

const WAIT = { timeout: 15_000, interval: 50 };
const NS = 'e2e.files';

describeWithService('TERN_TEST_CHROMIUM', 'web UI: namespace files', (chromiumPath) => {
  const ui = useUiHarness(chromiumPath);

  /** The file's bytes on the hub, as text. */
  const stored = async (path: string) => {
    const res = await fetch(
      `${ui().hub.url}/api/v1/namespaces/${NS}/files?path=${encodeURIComponent(path)}`,
      {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      },
    );
    return res.status === 200 ? await res.text() : undefined;
  };

  it('lists the files of a namespace, shows one, and saves an edit as a new revision', async () => {
    await fetch(`${ui().hub.url}/api/v1/namespaces/${NS}/files?path=scripts/hello.sh`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/octet-stream' },
      body: 'echo hello\n',
    });
    const page = await ui().open(`/namespaces?namespace=${NS}`);
    await page.getByTestId('files').getByRole('button', { name: 'scripts/hello.sh' }).click();
    const text = page.getByTestId('file-text');
    await expect.poll(() => text.inputValue(), WAIT).toBe('echo hello\n');
    await text.fill('echo edited\n');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByText('Saved as revision 2.').count(), WAIT).toBe(1);
    expect(await stored('scripts/hello.sh')).toBe('echo edited\n');
  });

  it('uploads a file from the computer into the folder given', async () => {
    const local = join(ui().root, 'report.sql');
    writeFileSync(local, 'SELECT 1;\n');
    const page = await ui().open(`/namespaces?namespace=${NS}`);
    await page.getByPlaceholder('/scripts').fill('/sql');
    await page.getByTestId('upload').setInputFiles(local);
    await expect.poll(() => page.getByTestId('files').getByText('sql/report.sql').count(), WAIT).toBe(1);
    expect(await stored('sql/report.sql')).toBe('SELECT 1;\n');
  });

  it('says how to add files to a namespace that has none', async () => {
    const page = await ui().open('/namespaces?namespace=e2e.empty');
    await expect.poll(() => page.getByTestId('no-files').textContent(), WAIT).toContain('tern deploy');
  });
});
