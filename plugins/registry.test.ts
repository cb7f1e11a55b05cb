import { Type as T } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { defineTask } from '../protocol/plugin.js';
import {
  http,
  log,
  mqtt,
  schedule,
  shell,
  testTasks,
  testTriggers,
} from '../test/fixtures/loader/support.js';
import { createRegistry } from './registry.js';

const plugin = (type: string, aliases: string[] = []) =>
  defineTask({
    type,
    aliases,
    title: type,
    description: type,
    properties: T.Object({}),
    run: () => undefined,
  });

describe('createRegistry', () => {
  const registry = createRegistry(testTasks);

  it('finds a definition by its type', () => {
    expect(registry.task('log')).toBe(log);
  });

  it('finds a definition by each of its aliases', () => {
    expect(registry.task('io.kestra.plugin.core.log.Log')).toBe(log);
    expect(registry.task('io.kestra.plugin.scripts.shell.Commands')).toBe(shell);
  });

  it('returns undefined for an unknown type', () => {
    expect(registry.task('nope')).toBeUndefined();
  });

  it('lists every definition once', () => {
    expect(registry.tasks()).toEqual(testTasks);
  });

  it('lists every type and alias as accepted type names', () => {
    const expected = testTasks.flatMap((t) => [t.type, ...t.aliases]);
    expect([...registry.taskTypes()].sort()).toEqual(expected.sort());
  });

  it('refuses two definitions with the same type', () => {
    expect(() => createRegistry([plugin('log'), plugin('log')])).toThrow(/'log'.*already declared/);
  });

  it('refuses an alias already used by another definition', () => {
    const a = plugin('a', ['io.example.Same']);
    const b = plugin('b', ['io.example.Same']);
    expect(() => createRegistry([a, b])).toThrow(
      /alias 'io\.example\.Same' of 'b' is already declared by 'a'/,
    );
  });

  it('refuses an alias equal to another definition’s type', () => {
    expect(() => createRegistry([plugin('log'), plugin('other', ['log'])])).toThrow(
      /already declared by 'log'/,
    );
  });
});

describe('Registry.suggest', () => {
  const registry = createRegistry(testTasks);

  it('suggests the Kestra name whose last segment is misspelt', () => {
    expect(registry.suggest('io.kestra.plugin.core.log.Lg')).toBe('io.kestra.plugin.core.log.Log');
  });

  it('suggests the current Kestra name for an older name with the same last segment', () => {
    expect(registry.suggest('io.kestra.core.tasks.log.Log')).toBe('io.kestra.plugin.core.log.Log');
  });

  it('suggests a short name for a misspelt short name', () => {
    expect(registry.suggest('shel')).toBe('shell');
  });

  it('counts two swapped letters as one typo', () => {
    expect(registry.suggest('lgo')).toBe('log');
  });

  it('ignores case when comparing', () => {
    expect(registry.suggest('LOG')).toBe('log');
  });

  it('prefers the short name when only the last segment is given', () => {
    expect(registry.suggest('request')).toBe(http.type);
  });

  it('suggests nothing when no name is close', () => {
    expect(registry.suggest('io.kestra.plugin.core.flow.Dag')).toBeUndefined();
    expect(registry.suggest('kubernetes')).toBeUndefined();
  });
});

describe('Registry triggers', () => {
  const registry = createRegistry(testTasks, testTriggers);

  it('finds a trigger by its type and by its Kestra alias', () => {
    expect(registry.trigger('schedule')).toBe(schedule);
    expect(registry.trigger('io.kestra.plugin.mqtt.RealtimeTrigger')).toBe(mqtt);
  });

  it('keeps task and trigger names apart', () => {
    expect(registry.task('schedule')).toBeUndefined();
    expect(registry.trigger('log')).toBeUndefined();
  });

  it('lists every trigger type and alias', () => {
    expect(registry.triggers()).toEqual(testTriggers);
    expect([...registry.triggerTypes()].sort()).toEqual(
      testTriggers.flatMap((t) => [t.type, ...t.aliases]).sort(),
    );
  });

  it('suggests the nearest trigger type for a misspelt one', () => {
    expect(registry.suggestTrigger('shedule')).toBe('schedule');
    expect(registry.suggestTrigger('io.kestra.plugin.core.trigger.Schedul')).toBe(
      'io.kestra.plugin.core.trigger.Schedule',
    );
  });

  it('refuses two triggers with the same type', () => {
    expect(() => createRegistry([], [schedule, schedule])).toThrow(
      /trigger type 'schedule'.*already declared/,
    );
  });
});
