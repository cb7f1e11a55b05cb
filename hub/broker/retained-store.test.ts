/** Retained messages indexed by exact topic, with wildcard filters still scanned. */
import type { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { indexedMemoryPersistence, isWildcardFilter } from './retained-store.js';

type Store = ReturnType<typeof indexedMemoryPersistence>;

function retain(store: Store, topic: string, payload: string): Promise<void> {
  const packet = { cmd: 'publish', topic, payload: Buffer.from(payload), qos: 1, retain: true };
  return (store.storeRetained as unknown as (p: unknown) => Promise<void>)(packet);
}

async function topics(stream: Readable): Promise<string[]> {
  const seen: string[] = [];
  for await (const packet of stream) seen.push(`${packet.topic}=${packet.payload.toString()}`);
  return seen;
}

async function filled(): Promise<Store> {
  const store = indexedMemoryPersistence();
  await retain(store, 'tern/v1/agents/gw-1/desired', 'd1');
  await retain(store, 'tern/v1/agents/gw-1/status', 's1');
  await retain(store, 'tern/v1/agents/gw-2/desired', 'd2');
  await retain(store, 'tern/v1/agents/gw-10/desired', 'd10');
  return store;
}

describe('exact-topic filters', () => {
  it('return only the retained message on that topic', async () => {
    const store = await filled();
    expect(await topics(store.createRetainedStream('tern/v1/agents/gw-1/desired'))).toEqual([
      'tern/v1/agents/gw-1/desired=d1',
    ]);
  });

  it('return nothing for a topic without a retained message', async () => {
    const store = await filled();
    expect(await topics(store.createRetainedStream('tern/v1/agents/gw-3/desired'))).toEqual([]);
  });

  it('see the latest message, and none once an empty payload clears it', async () => {
    const store = await filled();
    await retain(store, 'tern/v1/agents/gw-1/desired', 'd1b');
    expect(await topics(store.createRetainedStream('tern/v1/agents/gw-1/desired'))).toEqual([
      'tern/v1/agents/gw-1/desired=d1b',
    ]);
    await retain(store, 'tern/v1/agents/gw-1/desired', '');
    expect(await topics(store.createRetainedStream('tern/v1/agents/gw-1/desired'))).toEqual([]);
    expect(await topics(store.createRetainedStream('tern/v1/agents/+/desired'))).not.toContain(
      'tern/v1/agents/gw-1/desired=d1b',
    );
  });
});

describe('wildcard filters', () => {
  it('match every retained topic the filter covers', async () => {
    const store = await filled();
    expect((await topics(store.createRetainedStream('tern/v1/agents/+/desired'))).sort()).toEqual([
      'tern/v1/agents/gw-1/desired=d1',
      'tern/v1/agents/gw-10/desired=d10',
      'tern/v1/agents/gw-2/desired=d2',
    ]);
    expect((await topics(store.createRetainedStream('tern/v1/agents/gw-1/#'))).sort()).toEqual([
      'tern/v1/agents/gw-1/desired=d1',
      'tern/v1/agents/gw-1/status=s1',
    ]);
  });
});

describe('several filters in one subscribe', () => {
  it('answer exact and wildcard filters together', async () => {
    const store = await filled();
    const got = await topics(
      store.createRetainedStreamCombi(['tern/v1/agents/gw-2/desired', 'tern/v1/agents/gw-1/+']),
    );
    expect(got.sort()).toEqual([
      'tern/v1/agents/gw-1/desired=d1',
      'tern/v1/agents/gw-1/status=s1',
      'tern/v1/agents/gw-2/desired=d2',
    ]);
  });
});

describe('isWildcardFilter', () => {
  it('tells filters with + or # from exact topics', () => {
    expect(isWildcardFilter('a/+/c')).toBe(true);
    expect(isWildcardFilter('a/#')).toBe(true);
    expect(isWildcardFilter('a/b/c')).toBe(false);
  });
});
