#!/usr/bin/env node
/**
 * `tern-agent`: the agent alone, the entry of the single-file device bundle (scripts/build-agent.mjs).
 * `tern-agent agent --hub …` is `tern agent --hub …`; nothing of the hub or the API commands is in it.
 */
import { runProgram } from './program.js';
import * as agent from './register/agent.js';

await runProgram(
  'tern-agent',
  'A Tern agent: runs flows on this device, connected to a hub or standalone',
  [agent],
  process.argv,
);
