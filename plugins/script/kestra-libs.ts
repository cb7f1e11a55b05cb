/**
 * The small `kestra` helper modules scripts import (`from kestra import Kestra`,
 * `require('@kestra-io/libs')`), kept as source strings because the build is
 * plain `tsc`, which copies no .py or .js assets.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Python `kestra` module: outputs, metrics and a logger speaking the `::{...}::` protocol. */
export const PYTHON_KESTRA_MODULE = `"""Tern's implementation of the kestra helper: outputs, metrics and logs as ::{...}:: lines."""
import json
import logging
import sys
import time
from datetime import datetime, timezone


class Kestra:
    """Send outputs, metrics and logs to the orchestrator by printing ::{json}:: lines."""

    _logger = None

    @staticmethod
    def format(map_):
        return "::" + json.dumps(map_, default=str) + "::"

    @staticmethod
    def _send(map_):
        print(Kestra.format(map_), flush=True)

    @staticmethod
    def _metrics(name, type_, value, tags=None):
        Kestra._send({"metrics": [{"name": name, "type": type_, "value": value, "tags": tags or {}}]})

    @staticmethod
    def outputs(map_):
        """Set task outputs, read in the flow as outputs.<taskId>.vars.<key>."""
        Kestra._send({"outputs": map_})

    @staticmethod
    def counter(name, value, tags=None):
        Kestra._metrics(name, "counter", value, tags)

    @staticmethod
    def timer(name, duration, tags=None):
        """Record a duration in seconds, or time a callable."""
        if callable(duration):
            start = time.perf_counter()
            duration()
            Kestra._metrics(name, "timer", time.perf_counter() - start, tags)
        else:
            Kestra._metrics(name, "timer", duration, tags)

    @staticmethod
    def logger():
        """A logging.Logger whose records become task log lines at their own level."""
        if Kestra._logger is not None:
            return Kestra._logger
        logger = logging.getLogger("Kestra")
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
        out = logging.StreamHandler(sys.stdout)
        out.setLevel(logging.DEBUG)
        out.addFilter(lambda record: record.levelno <= logging.INFO)
        out.setFormatter(JsonFormatter())
        err = logging.StreamHandler(sys.stderr)
        err.setLevel(logging.WARNING)
        err.setFormatter(JsonFormatter())
        logger.addHandler(out)
        logger.addHandler(err)
        Kestra._logger = logger
        return logger


class LogFormatter(logging.Formatter):
    def formatTime(self, record, datefmt=None):
        return (
            datetime.fromtimestamp(record.created, timezone.utc)
            .isoformat(sep="T", timespec="milliseconds")
            .replace("+00:00", "Z")
        )


class JsonFormatter(logging.Formatter):
    _formatter = LogFormatter("%(asctime)s - %(message)s")

    @staticmethod
    def _level(levelno):
        if levelno >= logging.ERROR:
            return "ERROR"
        if levelno >= logging.WARNING:
            return "WARN"
        if levelno >= logging.INFO:
            return "INFO"
        if levelno >= logging.DEBUG:
            return "DEBUG"
        return "TRACE"

    def format(self, record):
        return Kestra.format({"logs": [{"level": self._level(record.levelno), "message": self._formatter.format(record)}]})
`;

/** Node `@kestra-io/libs` module (CommonJS), with the same surface as Kestra's package. */
export const NODE_KESTRA_MODULE = `'use strict';
// Tern's implementation of @kestra-io/libs: outputs, metrics and logs as ::{...}:: lines.
function Kestra() {}

Kestra.format = (map) => '::' + JSON.stringify(map) + '::';
Kestra._send = (map) => console.log(Kestra.format(map));
Kestra._metrics = (name, type, value, tags) =>
  Kestra._send({ metrics: [{ name, type, value, tags: tags || {} }] });
Kestra.outputs = (outputs) => Kestra._send({ outputs });
Kestra.counter = (name, value, tags) => Kestra._metrics(name, 'counter', value, tags);
Kestra.timer = (name, duration, tags) => {
  if (typeof duration !== 'function') return Kestra._metrics(name, 'timer', duration, tags);
  const start = Date.now();
  duration(() => Kestra._metrics(name, 'timer', (Date.now() - start) / 1000, tags));
};

const entry = (level, messages) => ({ logs: messages.map((message) => ({ level, message })) });
Kestra.logger = () => ({
  trace: (...m) => console.log(Kestra.format(entry('TRACE', m))),
  debug: (...m) => console.log(Kestra.format(entry('DEBUG', m))),
  info: (...m) => console.log(Kestra.format(entry('INFO', m))),
  warn: (...m) => console.error(Kestra.format(entry('WARN', m))),
  error: (...m) => console.error(Kestra.format(entry('ERROR', m))),
});

module.exports = Kestra;
module.exports.default = Kestra;
`;

/** Where the helper modules go inside a working directory; hidden so output globs skip them. */
export const SUPPORT_DIR = '.tern';

export interface RuntimeSupport {
  /** Directory to prepend to PYTHONPATH. */
  pythonPath: string;
  /** Directory to prepend to NODE_PATH. */
  nodePath: string;
  /** Directory with a `python` launcher for hosts that only have `python3`; goes last on PATH. */
  binPath: string;
}

/**
 * Writes the helper modules under `<workingDir>/.tern/` and returns the paths
 * to put on PYTHONPATH, NODE_PATH and PATH.
 */
export async function installRuntimeSupport(workingDir: string): Promise<RuntimeSupport> {
  const root = join(workingDir, SUPPORT_DIR);
  const pythonPath = join(root, 'python');
  const nodePath = join(root, 'node');
  const binPath = join(root, 'bin');
  const nodeLib = join(nodePath, '@kestra-io', 'libs');
  await Promise.all([
    mkdir(pythonPath, { recursive: true }),
    mkdir(nodeLib, { recursive: true }),
    mkdir(binPath, { recursive: true }),
  ]);
  const python = join(binPath, 'python');
  await Promise.all([
    writeFile(join(pythonPath, 'kestra.py'), PYTHON_KESTRA_MODULE),
    writeFile(join(nodeLib, 'index.js'), NODE_KESTRA_MODULE),
    writeFile(join(nodeLib, 'package.json'), '{"name":"@kestra-io/libs","main":"index.js"}\n'),
    writeFile(python, '#!/bin/sh\nexec python3 "$@"\n'),
  ]);
  await chmod(python, 0o755);
  return { pythonPath, nodePath, binPath };
}
