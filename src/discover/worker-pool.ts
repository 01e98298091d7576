/**
 * Parallel group loading: N worker threads each read their groups' rows and compute the feature ranking (the MI
 * hot loop), so discovery uses every core while the main thread fits the small trees.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FaultlineError } from '../shared/errors.js';
import type { GroupFeatureRequest, GroupFeatures } from './group-features.js';
import type { RankJob, RankReply } from './rank-worker.js';

/**
 * Compiled builds run rank-worker.js. From sources (tsx, vitest) the worker is .ts and needs tsx's loader, which
 * is not inherited by worker threads: a small bootstrap registers it, then imports the worker module.
 */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./rank-worker.js', import.meta.url));
  // createRequire rather than import.meta.resolve: the latter is missing under vitest.
  const tsxRoot = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const api = pathToFileURL(join(tsxRoot, 'dist', 'esm', 'api', 'index.mjs')).href;
  const main = new URL('./rank-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(api)}).then((t) => { t.register(); return import(${JSON.stringify(main)}); });`;
  return new Worker(boot, { eval: true });
}

export class WorkerFeatureLoader {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: {
    job: RankJob;
    resolve: (g: GroupFeatures) => void;
    reject: (e: Error) => void;
  }[] = [];
  private readonly pending = new Map<
    number,
    { resolve: (g: GroupFeatures) => void; reject: (e: Error) => void }
  >();
  private nextId = 0;

  constructor(
    private readonly file: string,
    count: number,
  ) {
    for (let i = 0; i < count; i++) {
      const worker = startWorker();
      worker.on('message', (reply: RankReply) => this.onReply(worker, reply));
      worker.on('error', (error) => {
        for (const p of this.pending.values()) p.reject(error);
        this.pending.clear();
      });
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  load(req: GroupFeatureRequest): Promise<GroupFeatures> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { id: this.nextId++, file: this.file, req }, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop() as Worker;
      const { job, resolve, reject } = this.queue.shift() as (typeof this.queue)[number];
      this.pending.set(job.id, { resolve, reject });
      worker.postMessage(job);
    }
  }

  private onReply(worker: Worker, reply: RankReply): void {
    const p = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    this.idle.push(worker);
    this.dispatch();
    if (!p) return;
    if ('error' in reply)
      p.reject(reply.userError ? new FaultlineError(reply.error) : new Error(reply.error));
    else p.resolve({ selected: reply.selected, matrix: reply.matrix });
  }
}
