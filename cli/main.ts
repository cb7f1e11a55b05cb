#!/usr/bin/env node
/**
 * The `tern` command: the composition root that wires the engine, the agent and the hub.
 * Each command's flags are registered by its module in register/; its code (commands/) loads
 * when it runs, so `tern agent` never loads the hub's.
 */
import { runProgram } from './program.js';
import * as agent from './register/agent.js';
import * as agents from './register/agents.js';
import * as deploy from './register/deploy.js';
import * as executions from './register/executions.js';
import * as flows from './register/flows.js';
import * as hub from './register/hub.js';
import * as namespaces from './register/namespaces.js';
import * as plugins from './register/plugins.js';
import * as rollouts from './register/rollouts.js';
import * as run from './register/run.js';
import * as secrets from './register/secrets.js';
import * as start from './register/start.js';
import * as token from './register/token.js';
import * as validate from './register/validate.js';

/** Every command, in the order `tern --help` lists them. */
const COMMANDS = [
  run,
  validate,
  plugins,
  hub,
  agent,
  agents,
  start,
  deploy,
  flows,
  executions,
  rollouts,
  token,
  secrets,
  namespaces,
];

await runProgram(
  'tern',
  'Event-driven workflow orchestration for fleets of edge devices',
  COMMANDS,
  process.argv,
);
