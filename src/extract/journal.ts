/**
 * The extraction journal in <run>/.partial/: state.json (the settings fingerprint and feature widths),
 * chunks.jsonl (one flushed line per finished chunk: its predictions and skipped images) and the preallocated
 * feature matrices. A crash loses at most the chunk in progress; a torn last line is cut off on the next read.
 */
import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  truncateSync,
} from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES } from '../run/format.js';
import { readJson, writeJson } from '../run/tables.js';

export interface PartialState {
  fingerprint: string;
  total: number;
  chunkSize: number;
  batchSize: number;
  cols: Record<string, number>;
}

export interface ChunkRecord {
  chunk: number;
  /** [row, prediction, probability, top5] per sample that the model classified. */
  predictions: [number, number, number, number[]][];
  skipped: [number, string][];
}

/** The paths of a run's partial extraction. */
export class Journal {
  readonly dir: string;
  readonly stateFile: string;
  readonly chunksFile: string;

  constructor(runDir: string) {
    this.dir = join(runDir, RUN_FILES.partial);
    this.stateFile = join(this.dir, 'state.json');
    this.chunksFile = join(this.dir, 'chunks.jsonl');
  }

  /** The preallocated matrix of feature set `name` while extraction runs. */
  featureFile(name: string): string {
    return join(this.dir, `features.${name}.npy`);
  }

  hasState(): boolean {
    return existsSync(this.stateFile);
  }

  readState(): PartialState {
    return readJson<PartialState>(this.stateFile);
  }

  writeState(state: PartialState): void {
    writeJson(this.stateFile, state);
  }

  /** Starts over: an empty .partial/ holding only `state`. */
  reset(state: PartialState): void {
    this.remove();
    mkdirSync(this.dir, { recursive: true });
    this.writeState(state);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Reads the finished chunks; a torn last line (crash mid-append) is cut off so appends continue cleanly. */
  readChunks(): Map<number, ChunkRecord> {
    const done = new Map<number, ChunkRecord>();
    const file = this.chunksFile;
    if (!existsSync(file)) return done;
    const text = readFileSync(file, 'utf8');
    let valid = 0;
    for (const line of text.split('\n')) {
      if (line.length === 0) break;
      let record: ChunkRecord;
      try {
        record = JSON.parse(line) as ChunkRecord;
      } catch {
        break;
      }
      done.set(record.chunk, record);
      valid += Buffer.byteLength(line) + 1;
    }
    if (valid < Buffer.byteLength(text)) truncateSync(file, valid);
    return done;
  }

  /** Appends one finished chunk and flushes it to disk. */
  appendChunk(record: ChunkRecord): void {
    appendFileSync(this.chunksFile, JSON.stringify(record) + '\n');
    const fd = openSync(this.chunksFile, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
