/** Kestra's storage.* tasks on the real engine, over files stored by earlier tasks in the real file storage. */
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EngineFixture, engineFixture } from '../support/engine.js';

let fx: EngineFixture;
beforeEach(() => {
  fx = engineFixture();
});
afterEach(async () => {
  await fx.close();
});

const text = (uri: unknown) => readFileSync(fx.store.files.localPath(String(uri)), 'utf8');

/** A flow whose first task, `make`, writes `data.txt` with the given lines and stores it. */
const withFile = (id: string, lines: string[], tasks: string) => `
id: ${id}
namespace: test
tasks:
  - id: make
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - |
        cat > data.txt <<'END'
${lines.map((l) => `        ${l}\n`).join('')}        END
    outputFiles: [data.txt]
${tasks}
`;

const ORDERS = [
  '{"id": 1, "email": "kelly@example.com", "product": 20}',
  '{"id": 2, "email": "miguel@example.net", "product": 14}',
  '{"id": 3, "email": "kelly@example.com", "product": 20}',
  '{"id": 4, "email": "jess@example.com", "product": 12}',
];

describe('storage.Write', () => {
  it('stores its content rendered to text, named with its extension, for the next task to read', async () => {
    const r = await fx.run(`
id: writes
namespace: test
tasks:
  - id: write
    type: io.kestra.plugin.core.storage.Write
    extension: .csv
    content: "{{ [1, 2] }}"
  - id: size
    type: io.kestra.plugin.core.storage.Size
    uri: "{{ outputs.write.uri }}"
`);
    expect(r.execution.state).toBe('SUCCESS');
    expect(String(r.run('write').outputs.uri).endsWith('.csv')).toBe(true);
    expect(text(r.run('write').outputs.uri)).toBe('[1,2]');
    expect(r.run('size').outputs.size).toBe(5);
  });
});

describe('storage.Concat', () => {
  it('joins files with the separator after each', async () => {
    const r = await fx.run(
      withFile(
        'concat',
        ['a'],
        `  - id: concat
    type: io.kestra.plugin.core.storage.Concat
    separator: "--"
    extension: .txt
    files:
      - "{{ outputs.make.outputFiles['data.txt'] }}"
      - "{{ outputs.make.outputFiles['data.txt'] | replace({'tern:///': 'kestra:///'}) }}"`,
      ),
    );
    expect([
      String(r.run('concat').outputs.uri).endsWith('/concat.txt'),
      text(r.run('concat').outputs.uri),
    ]).toEqual([true, 'a\n--a\n--']);
  });

  it('takes the files as a JSON list in text', async () => {
    const r = await fx.run(
      withFile(
        'concat-json',
        ['x'],
        `  - id: concat
    type: io.kestra.plugin.core.storage.Concat
    files: "{{ [outputs.make.outputFiles['data.txt'], outputs.make.outputFiles['data.txt']] | json }}"`,
      ),
    );
    expect(text(r.run('concat').outputs.uri)).toBe('x\nx\n');
  });

  it('fails naming a URI that is not in storage', async () => {
    const r = await fx.run(`
id: concat-bad
namespace: test
tasks:
  - id: concat
    type: io.kestra.plugin.core.storage.Concat
    files: [/etc/passwd]
`);
    expect(r.run('concat').error).toBe(
      "files: '/etc/passwd' is not a file of the execution storage (tern:///…)",
    );
  });
});

describe('storage.Split', () => {
  const split = (how: string) =>
    withFile(
      'split',
      ['[a] 1', '[b] 2', '[a] 3', '[c] 4', '[b] 5'],
      `  - id: split
    type: io.kestra.plugin.core.storage.Split
    from: "{{ outputs.make.outputFiles['data.txt'] }}"
    ${how}`,
    );
  const parts = (r: Awaited<ReturnType<EngineFixture['run']>>) =>
    (r.run('split').outputs.uris as string[]).map((uri) => text(uri));

  it.each([
    ['rows: 2', ['[a] 1\n[b] 2\n', '[a] 3\n[c] 4\n', '[b] 5\n']],
    ['bytes: 12', ['[a] 1\n[b] 2\n', '[a] 3\n[c] 4\n', '[b] 5\n']],
    ['partitions: 2', ['[a] 1\n[a] 3\n[b] 5\n', '[b] 2\n[c] 4\n']],
    ['regexPattern: "\\\\[(\\\\w+)\\\\]"', ['[a] 1\n[a] 3\n', '[b] 2\n[b] 5\n', '[c] 4\n']],
  ])('with %s', async (how, expected) => {
    const r = await fx.run(split(how));
    expect(parts(r)).toEqual(expected);
  });

  it('names the parts after the file, with its extension', async () => {
    const r = await fx.run(split('rows: 5'));
    expect((r.run('split').outputs.uris as string[]).map((u) => u.split('/').at(-1))).toEqual(['data-0.txt']);
  });

  it('fails when more than one way of splitting is given', async () => {
    const r = await fx.run(split('rows: 2\n    partitions: 3'));
    expect(r.run('split').error).toBe(
      'give exactly one of rows, bytes, partitions and regexPattern (got rows, partitions)',
    );
  });
});

describe('storage.Size, storage.Reverse and storage.Delete', () => {
  it('measures, reverses and deletes a stored file', async () => {
    const r = await fx.run(
      withFile(
        'size',
        ['one', 'two', 'three'],
        `  - id: size
    type: io.kestra.plugin.core.storage.Size
    uri: "{{ outputs.make.outputFiles['data.txt'] }}"
  - id: reverse
    type: io.kestra.plugin.core.storage.Reverse
    from: "{{ outputs.make.outputFiles['data.txt'] }}"
  - id: delete
    type: io.kestra.plugin.core.storage.Delete
    uri: "{{ outputs.make.outputFiles['data.txt'] }}"
  - id: again
    type: io.kestra.plugin.core.storage.Delete
    uri: "{{ outputs.make.outputFiles['data.txt'] }}"
  - id: strict
    type: io.kestra.plugin.core.storage.Delete
    uri: "{{ outputs.make.outputFiles['data.txt'] }}"
    errorOnMissing: true`,
      ),
    );
    const file = String(
      r.run('make').outputs.outputFiles &&
        (r.run('make').outputs.outputFiles as Record<string, string>)['data.txt'],
    );
    expect([
      r.run('size').outputs.size,
      text(r.run('reverse').outputs.uri),
      r.run('delete').outputs.deleted,
      existsSync(fx.store.files.localPath(file)),
      r.run('again').outputs.deleted,
      r.run('strict').error,
    ]).toEqual([14, 'three\ntwo\none\n', true, false, false, `uri: no stored file at '${file}'`]);
  });
});

describe('storage.DeduplicateItems and storage.FilterItems', () => {
  it('keeps the last item of each key', async () => {
    const r = await fx.run(
      withFile(
        'dedup',
        ORDERS,
        `  - id: dedup
    type: io.kestra.plugin.core.storage.DeduplicateItems
    from: "{{ outputs.make.outputFiles['data.txt'] }}"
    expr: "{{ email }}"`,
      ),
    );
    const { uri, ...counts } = r.run('dedup').outputs;
    expect([
      text(uri)
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id),
      counts,
    ]).toEqual([[2, 3, 4], { numKeys: 3, processedItemsTotal: 4, droppedItemsTotal: 1 }]);
  });

  it.each([
    ['INCLUDE', [1, 3]],
    ['EXCLUDE', [2, 4]],
  ])('with filterType %s keeps the items that match, or the others', async (filterType, ids) => {
    const r = await fx.run(
      withFile(
        'filter',
        ORDERS,
        `  - id: filter
    type: io.kestra.plugin.core.storage.FilterItems
    from: "{{ outputs.make.outputFiles['data.txt'] }}"
    filterCondition: "{{ product == 20 }}"
    filterType: ${filterType}`,
      ),
    );
    const { uri, ...counts } = r.run('filter').outputs;
    expect([
      text(uri)
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id),
      counts,
    ]).toEqual([ids, { processedItemsTotal: 4, droppedItemsTotal: 2 }]);
  });

  it('fails on an item the condition cannot be rendered on, unless told to keep or drop it', async () => {
    const flow = (behavior: string) =>
      withFile(
        `filter-${behavior.toLowerCase()}`,
        ['{"a": 1}', '{"b": 2}'],
        `  - id: filter
    type: io.kestra.plugin.core.storage.FilterItems
    from: "{{ outputs.make.outputFiles['data.txt'] }}"
    filterCondition: "{{ a == 1 }}"
    errorOrNullBehavior: ${behavior}`,
      );
    const failed = await fx.run(flow('FAIL'));
    const kept = await fx.run(flow('INCLUDE'));
    expect([failed.run('filter').error, text(kept.run('filter').outputs.uri)]).toEqual([
      "undefined variable 'a' in expression '{{ a == 1 }}' (did you mean 'b'?)",
      '{"a": 1}\n{"b": 2}\n',
    ]);
  });
});

describe('storage.LocalFiles and storage.PurgeCurrentExecutionFiles', () => {
  const flow = (purge: string) =>
    withFile(
      'local',
      ['stored'],
      `  - id: local
    type: io.kestra.plugin.core.storage.LocalFiles
    inputs:
      hello.txt: "Hello {{ flow.id }}"
      copy.txt: "{{ outputs.make.outputFiles['data.txt'] }}"
      skip.csv: "not kept"
    outputs: ["*.txt"]
${purge}`,
    );

  it('makes files from text and stored files, and keeps those the globs match', async () => {
    const r = await fx.run(flow(''));
    const uris = r.run('local').outputs.uris as Record<string, string>;
    expect([Object.keys(uris), text(uris['copy.txt']), text(uris['hello.txt'])]).toEqual([
      ['copy.txt', 'hello.txt'],
      'stored\n',
      'Hello local',
    ]);
  });

  it('removes every file the execution stored, and lists them', async () => {
    const r = await fx.run(
      flow('  - id: purge\n    type: io.kestra.plugin.core.storage.PurgeCurrentExecutionFiles'),
    );
    const stored = [
      ...Object.values(r.run('make').outputs.outputFiles as Record<string, string>),
      ...Object.values(r.run('local').outputs.uris as Record<string, string>),
    ];
    expect([
      [...(r.run('purge').outputs.uris as string[])].sort(),
      stored.some((uri) => existsSync(fx.store.files.localPath(uri))),
    ]).toEqual([stored.sort(), false]);
  });
});
