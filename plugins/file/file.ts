/** `file`: starts the flow when files appear, change or go in a folder (or a glob), without missing what happened while stopped. */
import { type FSWatcher, statSync, watch } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Type as T } from '@sinclair/typebox';
import { parseShortOrIsoDuration } from '../../protocol/duration.js';
import { defineTrigger, type PropertyProblem, type TriggerContext } from '../../protocol/plugin.js';
import { type FileSelection, selectFiles } from './glob.js';
import { isFolder, type Stamp, scanFiles, stampOf } from './scan.js';

export type FileEvent = 'CREATE' | 'MODIFY' | 'DELETE';

interface Props {
  path: string;
  events?: FileEvent[];
  debounce?: string;
}

/** State key prefix: one key per known file, holding its stamp. */
const FILE = 'file:';
/** State key: set once the first scan has recorded what was there. */
const BASELINE = 'baseline';
/** How often a folder that is missing (or whose watch failed) is looked for again. */
export const RETRY_MS = 5000;
const DEFAULT_DEBOUNCE_MS = 500;

const Event = T.Union([T.Literal('CREATE'), T.Literal('MODIFY'), T.Literal('DELETE')]);

const templated = (value: unknown): boolean => typeof value === 'string' && value.includes('{{');

export default defineTrigger({
  type: 'file',
  title: 'File changes',
  description:
    'Starts one execution per file created, modified or deleted under `path`: a folder (its files), a file, or a glob such as `/data/in/**/*.csv`. Hidden files (a leading dot) are ignored. A file must stay unchanged for `debounce` before its event fires, so a file being written starts one execution. Which files exist, with their size and date, is kept: after a restart, files that arrived, changed or went meanwhile fire their events, and files already seen fire nothing. The first start only records what is there. The execution sees `trigger.path`, `trigger.event`, `trigger.name`, `trigger.directory`, `trigger.size` and `trigger.modified`.',
  properties: T.Object({
    path: T.String({
      minLength: 1,
      description: 'A folder (its files), a file, or a glob (*, **, ?, [ab], {a,b})',
    }),
    events: T.Optional(
      T.Array(Event, {
        minItems: 1,
        uniqueItems: true,
        description: 'Which events start the flow',
        default: ['CREATE', 'MODIFY'],
      }),
    ),
    debounce: T.Optional(
      T.String({
        minLength: 1,
        description:
          'How long a file must stay unchanged before its event fires: ISO-8601 or short (500ms, 2s); default 500ms',
      }),
    ),
  }),
  variables: T.Object({
    path: T.String({ description: 'Absolute path of the file' }),
    event: Event,
    name: T.String({ description: 'File name' }),
    directory: T.String({ description: 'Folder holding the file' }),
    size: T.Union([T.Integer(), T.Null()], { description: 'Bytes; null for DELETE' }),
    modified: T.Union([T.String(), T.Null()], {
      description: 'Modification date, ISO-8601; null for DELETE',
    }),
  }),
  examples: [
    {
      title: 'Each CSV dropped into the inbox',
      code: '- id: inbox\n  type: file\n  path: /data/inbox/*.csv\n  events: [CREATE]',
    },
  ],
  check(props: Props): PropertyProblem[] {
    if (props.debounce === undefined || templated(props.debounce)) return [];
    const ms = parseShortOrIsoDuration(props.debounce);
    return ms === undefined || ms < 0
      ? [{ path: 'debounce', message: `'${props.debounce}' is not a duration (500ms, 2s, PT1S)` }]
      : [];
  },
  start(props: Props, ctx) {
    return new FileWatch(props, ctx).start();
  },
});

/** One running `file` trigger: a watch on the base folder, debounced checks, the known files in state. */
class FileWatch {
  private readonly selection: FileSelection;
  private readonly events: ReadonlySet<FileEvent>;
  private readonly debounceMs: number;
  private readonly known = new Map<string, Stamp>();
  private readonly timers = new Map<string, unknown>();
  private watcher: FSWatcher | undefined;
  private retry: unknown;
  private queue: Promise<void> = Promise.resolve();
  private missingLogged = false;

  constructor(
    props: Props,
    private readonly ctx: TriggerContext,
  ) {
    this.selection = selectFiles(props.path, (p) => {
      try {
        return statSync(p).isDirectory();
      } catch {
        return false;
      }
    });
    this.events = new Set(props.events ?? ['CREATE', 'MODIFY']);
    this.debounceMs =
      props.debounce === undefined
        ? DEFAULT_DEBOUNCE_MS
        : (parseShortOrIsoDuration(props.debounce) ?? DEFAULT_DEBOUNCE_MS);
    for (const key of ctx.state.keys())
      if (key.startsWith(FILE)) this.known.set(key.slice(FILE.length), ctx.state.get(key) as Stamp);
  }

  async start() {
    this.arm();
    // The first start records what is there; later ones fire what changed while stopped.
    await this.enqueue(() => this.rescan(this.ctx.state.get(BASELINE) === true));
    this.ctx.state.set(BASELINE, true);
    return { stop: () => this.stop() };
  }

  private stop(): void {
    this.watcher?.close();
    this.watcher = undefined;
    if (this.retry !== undefined) this.ctx.clock.clearTimeout(this.retry);
    for (const timer of this.timers.values()) this.ctx.clock.clearTimeout(timer);
    this.timers.clear();
  }

  /** Watches the base folder; when it is missing or the watch breaks, looks again later. */
  private arm(): void {
    if (this.ctx.signal.aborted) return;
    const { base, recursive } = this.selection;
    try {
      const watcher = watch(base, { recursive, persistent: false }, (_type, name) => {
        if (name === null) this.later(base);
        else this.later(join(base, name.toString()));
      });
      watcher.on('error', (err) => {
        this.ctx.logger.warn(`watching ${base} failed: ${err.message}; looking again in ${RETRY_MS / 1000}s`);
        watcher.close();
        if (this.watcher === watcher) this.watcher = undefined;
        this.scheduleRetry();
      });
      this.watcher = watcher;
      if (this.missingLogged) this.ctx.logger.info(`watching ${base} again`);
      this.missingLogged = false;
    } catch (err) {
      if (!this.missingLogged)
        this.ctx.logger.warn(
          `cannot watch ${base}: ${(err as Error).message}; looking again every ${RETRY_MS / 1000}s`,
        );
      this.missingLogged = true;
      this.scheduleRetry();
    }
  }

  private scheduleRetry(): void {
    if (this.ctx.signal.aborted || this.retry !== undefined) return;
    this.retry = this.ctx.clock.setTimeout(() => {
      this.retry = undefined;
      this.arm();
      void this.enqueue(() => this.rescan(true));
    }, RETRY_MS);
  }

  /** Checks `path` once it has been quiet for the debounce time. */
  private later(path: string): void {
    const pending = this.timers.get(path);
    if (pending !== undefined) this.ctx.clock.clearTimeout(pending);
    const timer = this.ctx.clock.setTimeout(() => {
      this.timers.delete(path);
      void this.enqueue(() => this.check(path));
    }, this.debounceMs);
    this.timers.set(path, timer);
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(step).catch((err: unknown) => {
      this.ctx.logger.error(`file check failed: ${(err as Error).message}`);
    });
    return this.queue;
  }

  /** One path the watch named: a file that came, changed or went, or a folder to look through. */
  private async check(path: string): Promise<void> {
    if (this.ctx.signal.aborted) return;
    if (path === this.selection.base || (await isFolder(path))) {
      const found = await scanFiles(this.selection, path);
      const prefix = `${path}/`;
      for (const known of [...this.known.keys()])
        if (known.startsWith(prefix) && !found.has(known)) await this.emit(known, undefined);
      for (const [file, stamp] of found) await this.emit(file, stamp);
      return;
    }
    if (this.selection.matches(path)) await this.emit(path, await stampOf(path));
    // A folder that went takes its files with it.
    const prefix = `${path}/`;
    for (const known of [...this.known.keys()])
      if (known.startsWith(prefix)) await this.emit(known, undefined);
  }

  /** Compares everything on disk with what is known; `fire` false only records it. */
  private async rescan(fire: boolean): Promise<void> {
    const found = await scanFiles(this.selection);
    for (const path of [...this.known.keys()]) if (!found.has(path)) await this.emit(path, undefined, fire);
    for (const [path, stamp] of found) await this.emit(path, stamp, fire);
  }

  /** Fires the event that takes `path` from what is known to `stamp` (undefined: gone), then remembers it. */
  private async emit(path: string, stamp: Stamp | undefined, fire = true): Promise<void> {
    if (this.ctx.signal.aborted) return;
    const before = this.known.get(path);
    const event: FileEvent | undefined =
      stamp === undefined
        ? before === undefined
          ? undefined
          : 'DELETE'
        : before === undefined
          ? 'CREATE'
          : before[0] !== stamp[0] || before[1] !== stamp[1]
            ? 'MODIFY'
            : undefined;
    if (event === undefined) return;
    if (fire && this.events.has(event)) {
      await this.ctx.fire({
        path,
        event,
        name: basename(path),
        directory: dirname(path),
        size: stamp ? stamp[0] : null,
        modified: stamp ? new Date(stamp[1]).toISOString() : null,
      });
    }
    if (this.ctx.signal.aborted) return;
    if (stamp === undefined) this.known.delete(path);
    else this.known.set(path, stamp);
    this.ctx.state.set(FILE + path, stamp === undefined ? undefined : [...stamp]);
  }
}
