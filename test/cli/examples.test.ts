/** Every flow in examples/ runs through `tern run --json` and does what it says. */
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tern } from '../support/cli.js';
import { describeWithService } from '../support/services.js';

interface RunJson {
  id: string;
  state: string;
  outputs: Record<string, unknown>;
  taskRuns: {
    taskId: string;
    state: string;
    attempts: number;
    value: string | null;
    outputs: Record<string, unknown>;
  }[];
}

const dataDir = mkdtempSync(join(tmpdir(), 'tern-examples-'));

async function run(file: string, ...inputs: string[]): Promise<RunJson> {
  const args = [
    'run',
    `examples/${file}`,
    '--json',
    '--data-dir',
    dataDir,
    ...inputs.flatMap((i) => ['--input', i]),
  ];
  const r = await tern(args);
  if (r.stdout.trim() === '') throw new Error(`no JSON from tern run ${file}: ${r.stderr}`);
  return JSON.parse(r.stdout) as RunJson;
}

const task = (r: RunJson, id: string, value?: string) => {
  const t = r.taskRuns.find((x) => x.taskId === id && (value === undefined || x.value === value));
  if (!t) throw new Error(`no task run ${id}`);
  return t;
};

let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ slideshow: { title: 'local' } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/json`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('examples', () => {
  it('hello greets the given name', async () => {
    const r = await run('hello.yml', 'name=Ada');
    expect(r.state).toBe('SUCCESS');
    expect(task(r, 'greet').state).toBe('SUCCESS');
  });

  it('typed-inputs converts and summarises its inputs', async () => {
    const r = await run('typed-inputs.yml', 'site=plant-2', 'threshold=72.5', 'sensors=["t1","t2"]');
    expect(r.outputs.summary).toBe('plant-2: 2 sensor(s), alert above 72.5 (OBSERVE)');
  });

  it('parallel collects both branches', async () => {
    const r = await run('parallel.yml');
    expect(r.state).toBe('SUCCESS');
    expect(typeof (task(r, 'disk').outputs.vars as Record<string, unknown>).usedPercent).toBe('number');
  });

  it('foreach runs once per value', async () => {
    const r = await run('foreach.yml');
    expect(
      r.taskRuns
        .filter((t) => t.taskId === 'inspect')
        .map((t) => t.value)
        .sort(),
    ).toEqual(['oven-1', 'press-1', 'press-2']);
    expect(r.outputs.checked).toBe(3);
  });

  it('retries-and-errors recovers on the third attempt and tolerates the optional failure', async () => {
    const r = await run('retries-and-errors.yml');
    expect(r.state).toBe('WARNING');
    expect(task(r, 'flaky').attempts).toBe(3);
    expect(task(r, 'optional').state).toBe('WARNING');
    expect(task(r, 'cleanup').state).toBe('SUCCESS');
  });

  it('scripts-outputs passes values from shell to Python to Node', async () => {
    const r = await run('scripts-outputs.yml');
    expect(r.state).toBe('SUCCESS');
    expect(r.outputs.fahrenheit).toBeCloseTo(70.7);
    expect(Object.keys(task(r, 'files').outputs.outputFiles as object)).toEqual(['report.txt']);
  });

  it('http fetches a JSON document', async () => {
    const r = await run('http.yml', `url=${url}`);
    expect(r.state).toBe('SUCCESS');
    expect(r.outputs.status).toBe(200);
  });

  it('kestra-syntax runs with Kestra’s long type names unchanged', async () => {
    const r = await run('kestra-syntax.yml');
    expect(r.state).toBe('SUCCESS');
    expect(r.outputs.answer).toBe(42);
    expect(task(r, 'item', 'b').outputs).toEqual({ value: 'item b' });
  });

  it('on-agent runs its shell task and reports the uptime', async () => {
    const r = await run('on-agent.yml');
    expect(r.state).toBe('SUCCESS');
    expect(Number((task(r, 'where').outputs.vars as Record<string, unknown>).uptime)).toBeGreaterThan(0);
  });

  it('sensor-mqtt runs once by hand with a sample reading, publishing nothing without a message', async () => {
    const r = await run('sensor-mqtt.yml');
    expect(r.state).toBe('SUCCESS');
    expect(task(r, 'alert').state).toBe('SUCCESS');
    expect(task(r, 'fan-on').state).toBe('SKIPPED');
    const cool = await run('sensor-mqtt.yml', 'limit=12');
    expect(task(cool, 'fine').state).toBe('SUCCESS');
  });

  it('sensor-threshold routes by zone and remembers the reading', async () => {
    const hot = await run('sensor-threshold.yml', 'reading={"zone":"cold-room","celsius":9}');
    expect(task(hot, 'alert').state).toBe('SUCCESS');
    expect(hot.outputs.last).toBe(9);
    const other = await run('sensor-threshold.yml', 'reading={"zone":"boiler","celsius":80}');
    expect(task(other, 'unknown').state).toBe('SUCCESS');
  });
});

describeWithService('DOCKER_HOST', 'examples that need a container engine', () => {
  it('c-in-container compiles a C program in a gcc container and runs the binary again', async () => {
    const r = await run('c-in-container.yml', 'n=12');
    expect(r.state).toBe('SUCCESS');
    expect(r.outputs).toEqual({ fib: 144, fib20: 6765 });
  });
});

describeWithService('TERN_TEST_SFTP_URL', 'examples that need an SFTP server', (address) => {
  it('kestra/fs-sftp uploads, lists, takes the CSV file into storage (archived) and deletes the rest', async () => {
    const server = new URL(address);
    const r = await run(
      'kestra/fs-sftp.yml',
      `host=${server.hostname}`,
      `port=${server.port}`,
      `username=${server.username}`,
      `password=${server.password}`,
    );
    expect(r.state).toBe('SUCCESS');
    const names = (id: string) => (task(r, id).outputs.files as { name: string }[]).map((f) => f.name);
    expect(names('list')).toEqual(['cold-room.csv', 'hall.txt']);
    expect(names('take_csv')).toEqual(['cold-room.csv']);
    expect(task(r, 'cleanup').outputs.deleted).toBe(true);
  });
});
