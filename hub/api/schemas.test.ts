/**
 * The API's documented record shapes agree with the types the code uses: each is assignable to the
 * other. Checked by the type checker (`npm run typecheck`); the test only names the checks.
 */
import type { Static } from '@sinclair/typebox';
import { describe, it } from 'vitest';
import type { Execution, LogLine, TaskRun } from '../../protocol/execution.js';
import type { TriggerStatus } from '../../protocol/messages.js';
import type { NamespaceFileInfo } from '../../protocol/plugin.js';
import type { NamespaceFileRevision } from '../store/types.js';
import type { NamespaceFileRevisionSchema, NamespaceFileSchema } from './namespace-files.js';
import type { ExecutionSchema, LogLineSchema, TaskRunSchema, TriggerRuntimeState } from './schemas.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const agree = <_ extends true>(): void => undefined;

describe('API record schemas', () => {
  it("document the engine's execution, task run and log line", () => {
    agree<Same<Static<typeof ExecutionSchema>, Execution>>();
    agree<Same<Static<typeof TaskRunSchema>, TaskRun>>();
    agree<Same<Static<typeof LogLineSchema>, LogLine>>();
  });

  it("document a trigger's runtime as what an agent reports of it, without the trigger's name", () => {
    agree<
      Same<
        Omit<TriggerRuntimeState, 'runtime' | 'agentId' | 'online'>,
        Omit<TriggerStatus, 'namespace' | 'flowId' | 'triggerId' | 'type'>
      >
    >();
  });

  it("document a namespace file and its revisions as the store lists them (the web UI's types)", () => {
    agree<Same<Static<typeof NamespaceFileSchema>, NamespaceFileInfo>>();
    agree<Same<Static<typeof NamespaceFileRevisionSchema>, NamespaceFileRevision>>();
  });
});
