/** `tern plugins list` and `tern plugins doc TYPE`, run as the built command. */
import { describe, expect, it } from 'vitest';
import { tern } from '../support/cli.js';

describe('tern plugins', () => {
  it('lists task and trigger types with their Kestra aliases', async () => {
    const r = await tern(['plugins', 'list']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^task +docker\.run +Run a container +\(io\.kestra\.plugin\.docker\.Run\)$/m);
    expect(r.stdout).toMatch(
      /^task +sql\.query +SQL query +\(io\.kestra\.plugin\.jdbc\.postgresql\.Query, /m,
    );
    expect(r.stdout).toMatch(/^trigger +schedule +Schedule/m);
  });

  it('lists them as JSON with --json', async () => {
    const r = await tern(['plugins', 'list', '--json']);
    const list = JSON.parse(r.stdout) as { kind: string; type: string; aliases: string[] }[];
    expect(list.find((p) => p.type === 'sql.query')).toMatchObject({
      kind: 'task',
      aliases: expect.arrayContaining(['io.kestra.plugin.jdbc.sqlite.Query']),
    });
  });

  it('prints the documentation of a type found by its Kestra alias', async () => {
    const r = await tern(['plugins', 'doc', 'io.kestra.plugin.jdbc.mysql.Query']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^# `sql\.query` — SQL query$/m);
    expect(r.stdout).toMatch(/^\| `fetchType` \| .* \| `"NONE"` \|/m);
  });

  it('suggests the nearest type for an unknown one and exits with the usage code', async () => {
    const r = await tern(['plugins', 'doc', 'docker.rum']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe("unknown plugin type 'docker.rum'; did you mean 'docker.run'?");
  });
});
