import { describe, expect, it } from 'vitest';
import { SerialQueue } from './rediscover.js';

describe('SerialQueue (re-runs of one app, one at a time)', () => {
  it('runs tasks in arrival order without overlap, and keeps going after a failure', async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    const task =
      (name: string, ms: number, fail = false) =>
      async () => {
        log.push(`start ${name}`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        log.push(`end ${name}`);
        if (fail) throw new Error(name);
        return name;
      };
    const a = queue.run(task('a', 20));
    const b = queue.run(task('b', 1, true));
    const c = queue.run(task('c', 1));
    await expect(a).resolves.toBe('a');
    await expect(b).rejects.toThrow('b');
    await expect(c).resolves.toBe('c');
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('two queues (two apps) do not wait for each other', async () => {
    const first = new SerialQueue();
    const second = new SerialQueue();
    let release!: () => void;
    const blocked = first.run(() => new Promise<void>((resolve) => (release = resolve)));
    await expect(second.run(async () => 'free')).resolves.toBe('free');
    release();
    await blocked;
  });
});
