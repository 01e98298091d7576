/**
 * Parallel group loading: N worker threads each read their groups' rows and compute the feature ranking (the MI
 * hot loop), so discovery uses every core while the main thread fits the small trees.
 */
import { Worker } from 'node:worker_threads';
import { FaultlineError } from '../shared/errors.js';
import type { GroupFeatureRequest, GroupFeatures } from './group-features.js';
import type { RankJob, RankReply } from './rank-worker.js';

/** Under tsx the sources are .ts and workers inherit its loader through execArgv; compiled builds use .js. */
const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? './rank-worker.ts' : './rank-worker.js',
  import.meta.url,
);

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
      const worker = new Worker(WORKER_URL);
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
