/** The hub ↔ agent wire messages (docs/protocol.md): one schema per message, types derived, and one parser for both sides. */
import { createHash } from 'node:crypto';
import { type Static, Type as T, type TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import {
  type AppliedFlow,
  AppliedFlowSchema,
  FootprintSchema,
  OutboxStatusSchema,
  RefusedFlowSchema,
  TriggerStatusSchema,
} from './agent-status.js';
import { AgentUpdateStatusSchema, DesiredAgentSchema } from './agent-update.js';
import type { AgentTopicKind } from './topics.js';
import { Count, Iso, Name, Revision, SeqMark } from './wire-scalars.js';

// The status records are part of the wire messages; their schemas live apart so the UI can import them.
export {
  type AppliedFlow,
  AppliedFlowSchema,
  type Footprint,
  FootprintSchema,
  type OutboxStatus,
  OutboxStatusSchema,
  type RefusedFlow,
  RefusedFlowSchema,
  type TriggerStatus,
  TriggerStatusSchema,
} from './agent-status.js';

/** Largest payload either side accepts on any agent topic except `desired`, in bytes. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/** Largest `desired` payload: it carries the source of every assigned flow, so it gets more room. */
export const MAX_DESIRED_BYTES = 16 * 1024 * 1024;

/** A string restricted to `values`, validated as `enum` (clearer errors than a union of literals). */
function StringEnum<const V extends readonly string[]>(values: V, description?: string) {
  return T.Unsafe<V[number]>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });
}

const Labels = T.Record(T.String(), T.String());
const Seq = T.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER });
/**
 * Names an agent's store. A new store (its data lost or replaced) gets a new id, and its seqs start
 * again at 1: the hub resets its mark when the id changes, whatever order the hello and the first
 * batches of the new store reach it in.
 */
const StoreId = T.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });
const Data = T.Unsafe<Record<string, unknown>>({ type: 'object', description: 'A JSON object' });

/** Agent → hub on every connect (QoS 1). */
export const HelloSchema = T.Object({
  agentId: Name,
  version: T.String(),
  /** Primary task types the agent can run (aliases resolve to these). */
  pluginTypes: T.Array(T.String()),
  labels: Labels,
  /** {@link appliedStateHash} of the flows the agent runs. */
  appliedHash: T.String(),
  /** Generation of the last `desired` the agent applied; 0 before the first. */
  generation: T.Optional(Count),
  outbox: T.Object({ highSeq: SeqMark, ackedSeq: SeqMark, depth: Count, store: T.Optional(StoreId) }),
  startedAt: Iso,
});
export type Hello = Static<typeof HelloSchema>;

/**
 * Agent → hub (QoS 1, retained). The last will is `{state: 'offline', since}`,
 * composed at CONNECT, so its `since` is when that connection opened: the hub
 * should prefer the time it received the will.
 */
export const StatusSchema = T.Object({
  state: StringEnum(['online', 'offline'] as const),
  since: Iso,
  version: T.Optional(T.String()),
  load: T.Optional(T.Object({ running: Count, queued: Count, rssBytes: Count })),
  outbox: T.Optional(OutboxStatusSchema),
  /** Its memory and event loop delay (the outbox's size is in `outbox`). */
  footprint: T.Optional(FootprintSchema),
  /** Every trigger the agent runs. */
  triggers: T.Optional(T.Array(TriggerStatusSchema)),
  /** The last update of itself it tried (docs/rollouts.md, "Agent versions"). */
  update: T.Optional(AgentUpdateStatusSchema),
});
export type Status = Static<typeof StatusSchema>;

export const DesiredFlowSchema = T.Object({
  ...AppliedFlowSchema.properties,
  /** The flow's YAML. */
  source: T.String(),
});
export type DesiredFlow = Static<typeof DesiredFlowSchema>;

/** One namespace file as `desired` carries it: its hub revision and its bytes. */
export const DesiredNamespaceFileSchema = T.Object({
  path: Name,
  revision: Revision,
  updatedAt: Iso,
  content: T.String({ description: 'base64' }),
});
export type DesiredNamespaceFile = Static<typeof DesiredNamespaceFileSchema>;

/** Every live file of one namespace: the agent's files of that namespace become exactly these. */
export const DesiredNamespaceFilesSchema = T.Object({
  namespace: Name,
  files: T.Array(DesiredNamespaceFileSchema),
});
export type DesiredNamespaceFiles = Static<typeof DesiredNamespaceFilesSchema>;

/** Hub → agent (QoS 1, retained): every flow assigned to the agent. Flows not listed are removed. */
export const DesiredSchema = T.Object({
  generation: Count,
  decommissioned: T.Optional(T.Boolean()),
  flows: T.Array(DesiredFlowSchema),
  /**
   * The namespace files of the namespaces of `flows`, one entry per namespace. A namespace not listed keeps
   * the files the agent holds (the hub left it out to keep the message under its size limit).
   */
  namespaceFiles: T.Optional(T.Array(DesiredNamespaceFilesSchema)),
  /** The agent version to run; absent: the agent keeps the one it runs. */
  agent: T.Optional(DesiredAgentSchema),
  publishedAt: Iso,
});
export type Desired = Static<typeof DesiredSchema>;

/** Agent → hub (QoS 1): what came of a `desired`. */
export const ReportedSchema = T.Object({
  generation: Count,
  /** {@link appliedStateHash} of `applied`. */
  hash: T.String(),
  applied: T.Array(AppliedFlowSchema),
  refused: T.Array(RefusedFlowSchema),
  decommissioned: T.Optional(T.Boolean()),
});
export type Reported = Static<typeof ReportedSchema>;

/**
 * `taskRunDeleted` ({id}): a restart dropped the task run, so the hub drops it too. `triggerToggle`
 * ({@link TriggerToggle}): a `trigger.Toggle` task switched a trigger of one of the agent's flows, and
 * the hub makes it a revision of that flow.
 */
export const RECORD_KINDS = [
  'execution',
  'taskRun',
  'log',
  'command',
  'taskRunDeleted',
  'triggerToggle',
] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

export const EventRecordSchema = T.Object({
  /** Per agent, strictly increasing; the hub stores records idempotently by (agentId, seq). */
  seq: Seq,
  kind: StringEnum(RECORD_KINDS),
  /** When the record was committed on the agent. */
  at: Iso,
  /** An Execution, a TaskRun, a LogLine, a {@link CommandResult}, or `{id}` of a deleted task run, by `kind`. */
  data: Data,
});
export type EventRecord = Static<typeof EventRecordSchema>;

/**
 * Agent → hub (QoS 1): a batch of outbox records, in seq order. `after` is the seq the batch follows:
 * the agent holds no record between it and the first one sent (any gap is records it dropped). The hub
 * stores a batch only when it has stored everything up to `after`, so an ack never covers a batch it
 * failed to store.
 */
export const EventsSchema = T.Object({
  /** The sending store's id (see `StoreId`); absent from agents older than it. */
  store: T.Optional(StoreId),
  after: SeqMark,
  records: T.Array(EventRecordSchema, { minItems: 1 }),
});
export type Events = Static<typeof EventsSchema>;

/**
 * Hub → agent (QoS 1): every record up to `seq` is stored durably (or, for a record the hub cannot
 * store or does not accept, handled as docs/security.md says). Never above what the agent sent.
 */
export const AckSchema = T.Object({ seq: SeqMark });
export type Ack = Static<typeof AckSchema>;

export const COMMAND_TYPES = ['run', 'kill', 'restart', 'replay', 'resume', 'ping'] as const;
export type CommandType = (typeof COMMAND_TYPES)[number];

/**
 * Hub → agent (QoS 1). `run` needs `namespace` and `flowId` (and may name the
 * `executionId` to create); `kill`, `restart`, `replay` and `resume` need
 * `executionId` (`resume` takes the paused tasks' `onResume` values as `inputs`).
 */
export const CommandSchema = T.Object({
  id: Name,
  type: StringEnum(COMMAND_TYPES),
  namespace: T.Optional(Name),
  flowId: T.Optional(Name),
  inputs: T.Optional(Data),
  labels: T.Optional(Labels),
  executionId: T.Optional(Name),
  fromTaskId: T.Optional(Name),
});
export type Command = Static<typeof CommandSchema>;

/** The `data` of a `command` record: the agent's answer to a command. */
export const CommandResultSchema = T.Object({
  commandId: Name,
  ok: T.Boolean(),
  error: T.Optional(T.String()),
  executionId: T.Optional(T.String()),
});
export type CommandResult = Static<typeof CommandResultSchema>;

/**
 * The `data` of a `triggerToggle` record: the agent has enabled or disabled a trigger of a flow it runs
 * at `revision`, and asks the hub to do the same to its flow, as `PUT /flows/{namespace}/{id}/triggers/{trigger}`.
 */
export const TriggerToggleSchema = T.Object({
  namespace: Name,
  flowId: Name,
  triggerId: Name,
  disabled: T.Boolean(),
  /** The revision the agent ran when it switched the trigger. */
  revision: T.Integer({ minimum: 1 }),
  /** The execution whose task switched it. */
  executionId: Name,
});
export type TriggerToggle = Static<typeof TriggerToggleSchema>;

/** The message carried on each agent topic. */
export interface Messages {
  hello: Hello;
  status: Status;
  desired: Desired;
  reported: Reported;
  events: Events;
  ack: Ack;
  cmd: Command;
}

export const MESSAGE_SCHEMAS: { readonly [K in AgentTopicKind]: TSchema } = {
  hello: HelloSchema,
  status: StatusSchema,
  desired: DesiredSchema,
  reported: ReportedSchema,
  events: EventsSchema,
  ack: AckSchema,
  cmd: CommandSchema,
};

const ajv = new Ajv({ strict: true, allErrors: true });
addFormats.default(ajv, ['date-time']);

/** Compiled on first use: an agent reads three kinds of message, the hub four, and neither needs the rest. */
const validators = new Map<AgentTopicKind, ValidateFunction>();

function validatorOf(kind: AgentTopicKind): ValidateFunction {
  let compiled = validators.get(kind);
  if (!compiled) {
    compiled = ajv.compile(MESSAGE_SCHEMAS[kind]);
    validators.set(kind, compiled);
  }
  return compiled;
}

/** At most this many schema problems are listed in one error. */
const MAX_LISTED = 5;

export type ParseResult<V> = { ok: true; value: V } | { ok: false; error: string };

/** The size limit of a message on the topic `kind`, in bytes. */
export function messageSizeLimit(kind: AgentTopicKind): number {
  return kind === 'desired' ? MAX_DESIRED_BYTES : MAX_MESSAGE_BYTES;
}

/**
 * Checks an already decoded message; returns what is wrong (naming each field)
 * or undefined when it is valid.
 *
 * @example checkMessage('ack', { seq: -1 }) // "ack: seq must be >= 0"
 */
export function checkMessage<K extends AgentTopicKind>(kind: K, value: unknown): string | undefined {
  const validate = validatorOf(kind);
  if (!validate(value)) return `${kind}: ${formatErrors(validate.errors ?? [])}`;
  const rule = semanticCheck(kind, value);
  return rule ? `${kind}: ${rule}` : undefined;
}

/**
 * Decodes and validates one payload received on the topic `kind`. Never throws:
 * an oversized payload, malformed JSON or a schema violation is an error that
 * says what and where.
 *
 * @example
 * const msg = parseMessage('ack', payload);
 * if (msg.ok) outbox.trim(msg.value.seq); else log.warn({ err: msg.error }, 'invalid ack');
 */
export function parseMessage<K extends AgentTopicKind>(
  kind: K,
  payload: Uint8Array | string,
): ParseResult<Messages[K]> {
  const bytes = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  const limit = messageSizeLimit(kind);
  if (bytes > limit)
    return { ok: false, error: `${kind}: message of ${bytes} bytes exceeds the limit of ${limit}` };
  let value: unknown;
  try {
    const text = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `${kind}: malformed JSON: ${(err as Error).message}` };
  }
  const error = checkMessage(kind, value);
  return error ? { ok: false, error } : { ok: true, value: value as Messages[K] };
}

/**
 * The hash of a set of applied flows, the same whatever their order: SHA-256
 * over the lines `namespace/id@revision#hash` sorted and joined with `\n`,
 * in hex. Both sides compute it to tell whether an agent runs what it should.
 *
 * @example appliedStateHash([]) // 'e3b0c442…' (SHA-256 of the empty string)
 */
export function appliedStateHash(flows: readonly AppliedFlow[]): string {
  const lines = flows.map((f) => `${f.namespace}/${f.id}@${f.revision}#${f.hash}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/** Rules a JSON Schema cannot say simply: seq order within a batch, and what each command needs. */
function semanticCheck(kind: AgentTopicKind, value: unknown): string | undefined {
  if (kind === 'events') {
    const { after, records } = value as Events;
    if (records[0]!.seq <= after) return `records[0].seq ${records[0]!.seq} does not follow after ${after}`;
    for (let i = 1; i < records.length; i++) {
      if (records[i]!.seq <= records[i - 1]!.seq)
        return `records[${i}].seq ${records[i]!.seq} does not follow ${records[i - 1]!.seq}: seq must increase`;
    }
  }
  if (kind === 'cmd') {
    const c = value as Command;
    if (c.type === 'run' && (c.namespace === undefined || c.flowId === undefined))
      return "a 'run' command needs namespace and flowId";
    if (c.type !== 'run' && c.type !== 'ping' && c.executionId === undefined)
      return `a '${c.type}' command needs executionId`;
  }
  if (kind === 'desired') {
    const seen = new Set<string>();
    for (const [i, f] of (value as Desired).flows.entries()) {
      const key = `${f.namespace}/${f.id}`;
      if (seen.has(key)) return `flows[${i}]: flow ${f.namespace}.${f.id} is listed twice`;
      seen.add(key);
    }
  }
  return undefined;
}

/** Turns ajv's `/records/3/seq` into `records[3].seq`. */
function fieldPath(pointer: string): string {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (/^\d+$/.test(segment)) out += `[${segment}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

function formatError(e: ErrorObject): string {
  const at = fieldPath(e.instancePath);
  if (e.keyword === 'required') {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    return `${at ? `${at}.` : ''}${missing} is required`;
  }
  const message =
    e.keyword === 'enum'
      ? `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`
      : (e.message ?? 'is invalid');
  return `${at || '(message)'} ${message}`;
}

function formatErrors(errors: readonly ErrorObject[]): string {
  const listed = errors.slice(0, MAX_LISTED).map(formatError);
  const more = errors.length - listed.length;
  return listed.join('; ') + (more > 0 ? `; and ${more} more` : '');
}
