import { describe, expect, it } from 'vitest';
import { compileTriggerQueue, TriggerQueue } from './queue.js';

describe('TriggerQueue', () => {
  it('admits up to its capacity at once', () => {
    const q = new TriggerQueue({ capacity: 2, whenFull: 'drop' });
    expect(q.enter()).toBe(true);
    expect(q.enter()).toBe(true);
    expect(q.size).toBe(2);
  });

  it('drops past its capacity under drop, and counts the drops', () => {
    const q = new TriggerQueue({ capacity: 1, whenFull: 'drop' });
    q.enter();
    expect(q.enter()).toBe(false);
    expect(q.enter()).toBe(false);
    expect(q.dropped).toBe(2);
    q.leave();
    expect(q.enter()).toBe(true);
  });

  it('makes events wait under wait, first come first served, as slots free', async () => {
    const q = new TriggerQueue({ capacity: 2, whenFull: 'wait' });
    q.enter();
    q.enter();
    const order: string[] = [];
    const a = (q.enter() as Promise<boolean>).then((ok) => order.push(`a:${ok}`));
    const b = (q.enter() as Promise<boolean>).then((ok) => order.push(`b:${ok}`));
    expect(q.waitingCount).toBe(2);
    q.leave();
    await a;
    expect(order).toEqual(['a:true']);
    expect(q.size).toBe(2);
    q.leave();
    await b;
    expect(order).toEqual(['a:true', 'b:true']);
    expect(q.waitingCount).toBe(0);
  });

  it('lets no more events wait than its capacity: the rest are dropped', () => {
    const q = new TriggerQueue({ capacity: 2, whenFull: 'wait' });
    q.enter();
    q.enter();
    void q.enter();
    void q.enter();
    expect(q.enter()).toBe(false);
    expect(q.waitingCount).toBe(2);
    expect(q.dropped).toBe(1);
  });

  it('tells a source to hold back while full under wait, and lets it go when a slot frees', async () => {
    const q = new TriggerQueue({ capacity: 1, whenFull: 'wait' });
    expect(q.room()).toBeUndefined();
    q.enter();
    const room = q.room();
    expect(room).toBeInstanceOf(Promise);
    let free = false;
    void room?.then(() => {
      free = true;
    });
    await Promise.resolve();
    expect(free).toBe(false);
    q.leave();
    await room;
    expect(free).toBe(true);
  });

  it('never holds a source back under drop', () => {
    const q = new TriggerQueue({ capacity: 1, whenFull: 'drop' });
    q.enter();
    expect(q.room()).toBeUndefined();
  });

  it('refuses a capacity that is not a positive whole number and an unknown policy, naming the option', () => {
    expect(() => compileTriggerQueue({ capacity: 0 })).toThrow(/triggerQueue\.capacity: 0/);
    expect(() => compileTriggerQueue({ capacity: 1.5 })).toThrow(/triggerQueue\.capacity/);
    expect(() => compileTriggerQueue({ whenFull: 'block' as 'wait' })).toThrow(
      /triggerQueue\.whenFull: 'block' is not one of wait, drop/,
    );
    expect(compileTriggerQueue()).toEqual({ capacity: 1000, whenFull: 'wait' });
  });
});
