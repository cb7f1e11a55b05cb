/**
 * The deploy artefacts against the hub they run: every flag and environment
 * variable the container image, the compose file and the Helm chart give
 * `tern hub` is one it reads, their probes ask the hub's health route, and
 * the chart's templates use only values and Secret keys that exist. Nothing
 * here builds an image or talks to Kubernetes (docs/production.md says what
 * was run and what was not).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { API_BASE } from '../../hub/api/app.js';
import { ROOT, tern } from '../support/cli.js';

const DEPLOY = join(ROOT, 'deploy');
const HEALTH = `${API_BASE}/healthz`;
const read = (...path: string[]) => readFileSync(join(DEPLOY, ...path), 'utf8');

/** Every `--flag` `tern hub --help` lists. */
let hubFlags: Set<string>;
/** Every environment variable the `tern` command reads (cli/config.ts names them all). */
const envNames = new Set(
  [...readFileSync(join(ROOT, 'cli', 'config.ts'), 'utf8').matchAll(/env\.([A-Z][A-Z0-9_]+)/g)].map(
    (m) => m[1]!,
  ),
);
const flagsIn = (args: readonly string[]) => args.filter((a) => a.startsWith('--'));

beforeAll(async () => {
  const help = await tern(['hub', '--help']);
  expect(help.code).toBe(0);
  hubFlags = new Set([...help.stdout.matchAll(/(--[a-z][a-z-]*)/g)].map((m) => m[1]!));
  expect(hubFlags).toContain('--leader-check-ms');
});

describe('deploy/hub/Containerfile', () => {
  const file = read('hub', 'Containerfile');

  it('starts `tern hub` with flags it has, and checks its health route', () => {
    const entry = JSON.parse(/^ENTRYPOINT (.+)$/m.exec(file)![1]!) as string[];
    expect(entry.slice(0, 2)).toEqual(['tern', 'hub']);
    for (const flag of flagsIn(entry)) expect(hubFlags, flag).toContain(flag);
    expect(/^HEALTHCHECK .*$/m.exec(file)![0]).toContain(HEALTH);
    // The migrations are read next to package.json (hub/store/db.ts, migrationsFolder).
    expect(file).toMatch(/COPY --from=build \/src\/hub\/store\/migrations \.\/hub\/store\/migrations/);
  });
});

describe('deploy/compose', () => {
  const compose = parse(read('compose', 'compose.yaml'), { merge: true });
  const hubs = Object.entries(compose.services as Record<string, Record<string, unknown>>).filter(([name]) =>
    name.startsWith('hub-'),
  );

  it('runs three hub replicas with flags and variables `tern hub` reads', () => {
    expect(hubs.map(([name]) => name)).toEqual(['hub-1', 'hub-2', 'hub-3']);
    for (const [name, service] of hubs) {
      for (const flag of flagsIn(service.command as string[]))
        expect(hubFlags, `${name} ${flag}`).toContain(flag);
      for (const variable of Object.keys(service.environment as object))
        expect(envNames, `${name} ${variable}`).toContain(variable);
    }
  });

  it('gives each replica its own broker login, each one in the password file and, but the bridge, the ACL', () => {
    const login = (variable: string) =>
      hubs.map(
        ([, s]) => /^mqtt:\/\/([^:]+):/.exec((s.environment as Record<string, string>)[variable]!)![1]!,
      );
    const users = login('TERN_BROKER_URL');
    expect(new Set(users).size).toBe(3);
    const bridges = login('TERN_BRIDGE_BROKER_URL');
    expect(new Set([...users, ...bridges]).size).toBe(6);
    const passwd = (compose.services['mosquitto-logins'].command as string[]).join(' ');
    for (const user of [...users, ...bridges]) expect(passwd).toContain(` ${user}`);
    const acl = read('compose', 'tern.acl');
    expect(acl.startsWith(read('mosquitto', 'tern.acl')), 'the ACL extends deploy/mosquitto/tern.acl').toBe(
      true,
    );
    for (const user of users) expect(acl).toContain(`user ${user}\ntopic readwrite tern/v1/agents/#`);
  });

  it('balances over the replicas, checking the health route and sending again what a stopping one never took', () => {
    const haproxy = read('compose', 'haproxy.cfg');
    expect(haproxy).toContain(`option httpchk GET ${HEALTH}`);
    expect(haproxy).toMatch(/retry-on conn-failure empty-response/);
    for (const [name] of hubs) expect(haproxy).toContain(`server ${name} ${name}:8080`);
  });
});

describe('deploy/helm/tern-hub', () => {
  const chart = join('helm', 'tern-hub');
  const values = parse(read(chart, 'values.yaml'));
  const templates = readdirSync(join(DEPLOY, chart, 'templates')).map((f) => read(chart, 'templates', f));
  const workload = read(chart, 'templates', 'deployment.yaml');

  it('is a chart, with replicas', () => {
    expect(parse(read(chart, 'Chart.yaml'))).toMatchObject({ apiVersion: 'v2', name: 'tern-hub' });
    expect(values.replicaCount).toBeGreaterThan(1);
    expect(['Deployment', 'StatefulSet']).toContain(values.workload);
  });

  it('starts `tern hub` with flags and variables it reads', () => {
    const args = [...workload.matchAll(/^\s+- (--[a-z-]+)$/gm)].map((m) => m[1]!);
    expect(args).toEqual(['--leader-check-ms', '--take-over-grace-ms']);
    for (const flag of args) expect(hubFlags).toContain(flag);
    // POD_NAME and BROKER_PASSWORD are for Kubernetes to expand in the broker URLs, not for the hub.
    const env = [...workload.matchAll(/^\s+- name: ([A-Z_]+)$/gm)].map((m) => m[1]!);
    for (const name of env.filter((n) => n !== 'POD_NAME' && n !== 'BROKER_PASSWORD'))
      expect(envNames, name).toContain(name);
    expect(env.indexOf('POD_NAME')).toBeLessThan(env.indexOf('TERN_BROKER_URL'));
    expect(env.indexOf('BROKER_PASSWORD')).toBeLessThan(env.indexOf('TERN_BROKER_URL'));
  });

  it('is ready and alive on the health route', () => {
    const probes = [...workload.matchAll(/(readiness|liveness)Probe:\s+httpGet:\s+path: (\S+)/g)];
    expect(probes.map((m) => [m[1], m[2]])).toEqual([
      ['readiness', HEALTH],
      ['liveness', HEALTH],
    ]);
  });

  it('reads only values that exist and Secret keys the chart writes', () => {
    const used = new Set(
      templates.flatMap((t) => [...t.matchAll(/\.Values\.([A-Za-z.]+)/g)].map((m) => m[1]!)),
    );
    for (const path of used) {
      const value = path
        .split('.')
        .reduce<unknown>((at, key) => (at as Record<string, unknown>)?.[key], values);
      expect(value, `.Values.${path}`).not.toBeUndefined();
    }
    const secret = read(chart, 'templates', 'secret.yaml');
    const written = new Set([...secret.matchAll(/^\s+([A-Z_]+): /gm)].map((m) => m[1]!));
    for (const [, key] of workload.matchAll(/key: ([A-Z_]+)/g)) expect(written, key).toContain(key);
  });
});
