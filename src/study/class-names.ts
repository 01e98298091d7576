/**
 * Class names and WordNet ids for study tasks: from the run's classes.json when present, or from a file the user
 * names (a faultline classes.json array, or Keras' imagenet_class_index.json {"0": ["n01440764", "tench"]}).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES } from '../run/format.js';
import { fileError } from '../shared/errors.js';

export interface ClassLabel {
  name: string | null;
  wnid: string | null;
}

export type ClassLabels = ReadonlyMap<number, ClassLabel>;

/** Reads a class list file in either supported format. */
export function readClassLabels(file: string): Map<number, ClassLabel> {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw fileError(file, `cannot read class names (${(error as Error).message})`);
  }
  const out = new Map<number, ClassLabel>();
  if (Array.isArray(data)) {
    for (const c of data as { index?: unknown; name?: unknown; wnid?: unknown }[]) {
      if (typeof c?.index !== 'number') throw fileError(file, 'expected [{ index, name, wnid? }, ...]');
      out.set(c.index, {
        name: typeof c.name === 'string' ? c.name : null,
        wnid: typeof c.wnid === 'string' ? c.wnid : null,
      });
    }
    return out;
  }
  if (data && typeof data === 'object') {
    for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
      const index = Number(key);
      if (!Number.isInteger(index) || !Array.isArray(value) || value.length < 2) {
        throw fileError(file, 'expected {"<index>": ["<wnid>", "<name>"], ...}');
      }
      out.set(index, { wnid: String(value[0]), name: String(value[1]) });
    }
    return out;
  }
  throw fileError(file, 'expected a classes.json array or an imagenet_class_index.json object');
}

/** The run's own classes, or an empty map when the run directory has no classes.json. */
export function runClassLabels(runDir: string): Map<number, ClassLabel> {
  const file = join(runDir, RUN_FILES.classes);
  return existsSync(file) ? readClassLabels(file) : new Map();
}
