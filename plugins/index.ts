/** The built-in task types, in one list: what every runtime registers. */
import type { AnyTaskDefinition } from '../protocol/plugin.js';
import log from './core/log.js';
import output from './core/output.js';
import allowFailure from './flow/allow-failure.js';
import fail from './flow/fail.js';
import foreach from './flow/foreach.js';
import ifTask from './flow/if.js';
import parallel from './flow/parallel.js';
import pause from './flow/pause.js';
import sequential from './flow/sequential.js';
import subflow from './flow/subflow.js';
import switchTask from './flow/switch.js';
import httpRequest from './http/request.js';
import kvGet from './kv/get.js';
import kvSet from './kv/set.js';
import scriptNode from './script/node.js';
import scriptPython from './script/python.js';
import scriptShell from './script/shell.js';
import shell from './shell/commands.js';

export const builtinTasks: readonly AnyTaskDefinition[] = [
  log,
  output,
  sequential,
  parallel,
  ifTask,
  switchTask,
  foreach,
  allowFailure,
  fail,
  pause,
  subflow,
  shell,
  scriptShell,
  scriptPython,
  scriptNode,
  httpRequest,
  kvSet,
  kvGet,
];
