// Waits for the hub of scripts/api-fuzz.sh, seeds a flow and one ended execution, and prints their ids as JSON.
const url = process.env.TERN_FUZZ_URL;
const token = process.env.TERN_FUZZ_TOKEN;
const headers = { authorization: `Bearer ${token}` };

const FLOW = `id: hello
namespace: fuzz.seed
inputs:
  - id: name
    type: STRING
    defaults: world
  - id: count
    type: INT
    defaults: 1
triggers:
  - id: hook
    type: webhook
    key: fuzz-seed-webhook-key-0123
    inputs:
      name: "{{ trigger.body.name ?? 'hook' }}"
tasks:
  - id: greet
    type: log
    message: "hello {{ inputs.name }} x{{ inputs.count }}"
  - id: out
    type: output
    values:
      greeting: "hello {{ inputs.name }}"
outputs:
  - id: greeting
    type: STRING
    value: "{{ outputs.out.values.greeting }}"
`;

/** A flow whose trigger the fuzzer may disable and enable, so that it never disables the webhook above. */
const TOGGLE = `id: toggle
namespace: fuzz.seed
triggers:
  - id: tick
    type: schedule
    cron: "0 0 1 1 *"
tasks:
  - id: noop
    type: log
    message: tick
`;

async function call(method, path, body, type = 'application/json') {
  const res = await fetch(`${url}/api/v1${path}`, {
    method,
    headers: { ...headers, 'content-type': type },
    body,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

const deadline = Date.now() + 90_000;
for (;;) {
  const ok = await fetch(`${url}/api/v1/healthz`).then(
    (r) => r.ok,
    () => false,
  );
  if (ok) break;
  if (Date.now() > deadline) throw new Error(`no answer from ${url}/api/v1/healthz in 90 s`);
  await new Promise((resolve) => setTimeout(resolve, 250));
}
await call('POST', '/flows', FLOW, 'application/x-yaml');
await call('POST', '/flows', TOGGLE, 'application/x-yaml');
const execution = await call(
  'POST',
  '/executions/fuzz.seed/hello?wait=true',
  JSON.stringify({ name: 'fuzz' }),
);
console.log(JSON.stringify({ executionId: execution.id }));
