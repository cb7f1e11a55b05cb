/**
 * The polling trigger of a file-transfer protocol (Kestra's sftp.Trigger, ftp.Trigger): one
 * execution per poll that finds new files. Which files were fired (path, size and date) is kept in
 * the trigger's state, so a file fires once, across restarts too, until it changes.
 */
import { createHash } from 'node:crypto';
import { Type as T } from '@sinclair/typebox';
import { parseShortOrIsoDuration } from '../../protocol/duration.js';
import type { Execution } from '../../protocol/execution.js';
import {
  type AnyTriggerDefinition,
  defineTrigger,
  type PropertyProblem,
  type TriggerContext,
} from '../../protocol/plugin.js';
import {
  type Action,
  ArchiveSchema,
  archive,
  archiveProblem,
  FilesOutput,
  ListingSchema,
  selectFiles,
} from './model.js';
import {
  type ConnectionProps,
  connectionSchema,
  type Protocol,
  pathFilter,
  type RemoteEntry,
  type Session,
  withSession,
} from './remote.js';

interface Props extends ConnectionProps {
  from: string;
  regExp?: string;
  recursive?: boolean;
  maxFiles?: number | string;
  action?: Action;
  moveDirectory?: string;
  interval?: string;
}

/** State key prefix: one key per file fired and still on the server, holding its stamp. */
const SEEN = 'seen:';
/** State key: the batch of files offered to the runtime and not yet recorded as fired. */
const PENDING = 'pending';
const DEFAULT_INTERVAL_MS = 60_000;

const stampOf = (file: RemoteEntry) => `${file.size}:${file.updatedDate ?? ''}`;

const templated = (value: unknown) => typeof value === 'string' && value.includes('{{');

export function fileTrigger(protocol: Protocol): AnyTriggerDefinition {
  return defineTrigger({
    type: protocol.name,
    aliases: [`${protocol.kestra}.Trigger`],
    title: `${protocol.title} new files`,
    description: `Polls a folder of an ${protocol.title} server every \`interval\` and starts one execution for the new files it finds (those matching \`regExp\`, at most \`maxFiles\`), as \`trigger.files\`. A file fires once: which files fired, with their size and date, is kept across restarts, and a file fires again only when it changes. Once the execution is stored, \`action: MOVE\` moves the files to \`moveDirectory\` (\`trigger.files[].path\` is then their new place) and \`action: DELETE\` deletes them once that execution has ended in SUCCESS or WARNING (the trigger cannot store files, so the flow downloads them first). An unreachable server is logged and tried again at the next poll.`,
    properties: T.Object({
      ...connectionSchema(protocol),
      ...ListingSchema,
      ...ArchiveSchema,
      interval: T.Optional(
        T.String({ default: 'PT60S', description: 'Time between polls: ISO-8601 (PT10S) or short (10s)' }),
      ),
    }),
    variables: T.Object({ files: FilesOutput }),
    examples: [
      {
        title: 'Each new CSV file, moved to an archive folder',
        code: [
          '- id: watch',
          `  type: ${protocol.kestra}.Trigger`,
          '  host: files.example.com',
          '  username: tern',
          `  password: "{{ secret('${protocol.name.toUpperCase()}_PASSWORD') }}"`,
          '  from: /in/',
          '  regExp: ".*\\\\.csv"',
          '  interval: PT30S',
          '  action: MOVE',
          '  moveDirectory: /archive/',
        ].join('\n'),
      },
    ],
    check(props: Props): PropertyProblem[] {
      const problems: PropertyProblem[] = [];
      const archiving = archiveProblem(props);
      if (archiving && !templated(props.action)) problems.push({ path: 'moveDirectory', message: archiving });
      if (props.interval !== undefined && !templated(props.interval)) {
        const ms = parseShortOrIsoDuration(props.interval);
        if (ms === undefined || ms <= 0)
          problems.push({ path: 'interval', message: `'${props.interval}' is not a duration (PT10S, 10s)` });
      }
      if (props.regExp !== undefined && !templated(props.regExp)) {
        try {
          pathFilter(props.regExp);
        } catch (err) {
          problems.push({ path: 'regExp', message: (err as Error).message });
        }
      }
      return problems;
    },
    start(props: Props, ctx) {
      const poller = new Poller(protocol, props, ctx);
      poller.schedule(0);
      return { stop: () => poller.stop() };
    },
  });
}

/** One running trigger: a poll, then the next one planned. */
class Poller {
  private timer: unknown;
  private polling: Promise<void> = Promise.resolve();
  private readonly intervalMs: number;
  private failing = false;

  constructor(
    private readonly protocol: Protocol,
    private readonly props: Props,
    private readonly ctx: TriggerContext,
  ) {
    this.intervalMs =
      props.interval === undefined
        ? DEFAULT_INTERVAL_MS
        : (parseShortOrIsoDuration(props.interval) ?? DEFAULT_INTERVAL_MS);
  }

  schedule(ms: number): void {
    if (this.ctx.signal.aborted) return;
    this.ctx.setNext(this.ctx.clock.now() + ms);
    this.timer = this.ctx.clock.setTimeout(() => {
      this.timer = undefined;
      this.polling = this.poll().finally(() => this.schedule(this.intervalMs));
    }, ms);
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) this.ctx.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.ctx.setNext(undefined);
    await this.polling;
  }

  private async poll(): Promise<void> {
    try {
      await withSession(this.protocol, this.props, async (session) => {
        const matches = pathFilter(this.props.regExp);
        let listed: RemoteEntry[];
        try {
          listed = await session.fs.list(session.resolve(this.props.from), this.props.recursive ?? false);
        } catch (err) {
          if ((await session.fs.stat(session.resolve(this.props.from))) === undefined) {
            this.ctx.logger.debug(`${this.props.from} does not exist (yet)`);
            return;
          }
          throw err;
        }
        const present = new Map(listed.map((f) => [f.path, stampOf(f)]));
        // Files gone from the server are forgotten: one that comes back is new.
        for (const key of this.ctx.state.keys())
          if (key.startsWith(SEEN) && !present.has(key.slice(SEEN.length)))
            this.ctx.state.set(key, undefined);
        const action = this.props.action ?? 'NONE';
        // Fired but not moved yet (a restart came between): moved now.
        if (action === 'MOVE') await this.archiveFired(session, listed);
        const files = this.batch(listed, present, matches);
        if (files.length === 0) return;
        // A moved file is reported where it will be: the flow reads it there.
        const reported = files.map((f) =>
          action === 'MOVE' && this.props.moveDirectory
            ? { ...f, path: session.resolve(`${this.props.moveDirectory.replace(/\/?$/, '/')}${f.name}`) }
            : f,
        );
        const outcome = await this.ctx.tryFire(
          { files: reported },
          // A batch fired but not recorded (a crash in between) is offered again as it was: a duplicate.
          { dedupeKey: 'files', dedupeValue: batchId(files) },
        );
        if (outcome.kind === 'STARTED') await outcome.fired.stored();
        else if (outcome.kind === 'REFUSED' || outcome.kind === 'FAILED') {
          this.ctx.logger.warn(
            `${files.length} new file(s) not fired now: ${outcome.reason}; tried again next poll`,
          );
          return;
        }
        for (const file of files) this.ctx.state.set(SEEN + file.path, stampOf(file));
        this.ctx.state.set(PENDING, undefined);
        if (action === 'MOVE') await this.archiveFired(session, files);
        if (action === 'DELETE' && outcome.kind === 'STARTED')
          void this.deleteAfter(outcome.fired.ended(), files);
      });
      if (this.failing) this.ctx.logger.info(`${this.props.host}: reachable again`);
      this.failing = false;
    } catch (err) {
      if (this.ctx.signal.aborted) return;
      // Said once per outage, not at every poll.
      if (!this.failing) this.ctx.logger.warn(`${(err as Error).message}; polling on`);
      this.failing = true;
    }
  }

  /**
   * The files to fire: the batch offered last time and not recorded as fired, while any of
   * it is still there unchanged; else the new files (at most `maxFiles`), kept as the batch
   * offered before it is fired.
   */
  private batch(
    listed: RemoteEntry[],
    present: Map<string, string>,
    matches: (path: string) => boolean,
  ): RemoteEntry[] {
    const pending = this.ctx.state.get(PENDING) as RemoteEntry[] | undefined;
    if (pending?.some((f) => present.get(f.path) === stampOf(f))) return pending;
    const fresh = listed.filter((f) => this.ctx.state.get(SEEN + f.path) !== stampOf(f));
    const { files, left } = selectFiles(fresh, matches, this.props.maxFiles);
    this.ctx.logger.debug(`polled ${this.props.from}: ${listed.length} listed, ${files.length} new`);
    if (left > 0)
      this.ctx.logger.warn(`${left} more new file(s) wait for the next poll: maxFiles is ${files.length}`);
    this.ctx.state.set(PENDING, files.length > 0 ? files : undefined);
    return files;
  }

  /** Moves to `moveDirectory` the files among `files` recorded as fired. */
  private async archiveFired(session: Session, files: RemoteEntry[]): Promise<void> {
    for (const file of files) {
      if (this.ctx.state.get(SEEN + file.path) !== stampOf(file)) continue;
      await archive(session, file, 'MOVE', this.props.moveDirectory);
      this.ctx.state.set(SEEN + file.path, undefined);
    }
  }

  /** Deletes the files once the execution that took them has ended well; otherwise they stay, and are not fired again. */
  private async deleteAfter(ended: Promise<Execution>, files: RemoteEntry[]): Promise<void> {
    const execution = await ended;
    if (execution.state !== 'SUCCESS' && execution.state !== 'WARNING') {
      this.ctx.logger.warn(
        `execution ended ${execution.state}: ${files.length} file(s) kept on the server (${files.map((f) => f.path).join(', ')})`,
      );
      return;
    }
    try {
      await withSession(this.protocol, this.props, async (session) => {
        for (const file of files) await archive(session, file, 'DELETE', undefined);
      });
    } catch (err) {
      this.ctx.logger.warn(`deleting files fired: ${(err as Error).message}`);
    }
  }
}

/** What identifies a batch of files: their paths, sizes and dates. */
function batchId(files: RemoteEntry[]): string {
  const hash = createHash('sha256');
  for (const f of files) hash.update(`${f.path}\0${stampOf(f)}\n`);
  return hash.digest('base64url');
}
