/** File-system helpers shared by the readers: which files are images, directory listings, sample ids. */
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { relative, sep } from 'node:path';
import type { Sample } from '../shared/types.js';
import { fileError } from '../shared/errors.js';

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp'] as const;

/** Images are recognised by extension only (case-insensitive); readers never decode them. */
export function isImageFileName(name: string): boolean {
  const lower = name.toLowerCase();
  return !name.startsWith('.') && IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

export function isHidden(name: string): boolean {
  return name.startsWith('.');
}

/** Directory entries without hidden ones, sorted by name (code-unit order, independent of locale). */
export function listDirectory(dir: string): Dirent[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw fileError(dir, 'directory not found');
    if (code === 'ENOTDIR') throw fileError(dir, 'not a directory');
    throw fileError(dir, `cannot list the directory (${(error as Error).message})`);
  }
  return entries.filter((e) => !isHidden(e.name)).sort((a, b) => compareIds(a.name, b.name));
}

/** Follows symlinks so that a linked class folder or image counts like a real one. */
export function isDirectoryEntry(dir: string, entry: Dirent): boolean {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  try {
    return statSync(`${dir}${sep}${entry.name}`).isDirectory();
  } catch {
    return false;
  }
}

export function isFileEntry(dir: string, entry: Dirent): boolean {
  if (entry.isFile()) return true;
  if (!entry.isSymbolicLink()) return false;
  try {
    return statSync(`${dir}${sep}${entry.name}`).isFile();
  } catch {
    return false;
  }
}

export function subdirectories(dir: string): string[] {
  return listDirectory(dir)
    .filter((e) => isDirectoryEntry(dir, e))
    .map((e) => e.name);
}

export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Sample id: the path relative to the dataset root with forward slashes. */
export function sampleId(root: string, absolutePath: string): string {
  return relative(root, absolutePath).split(sep).join('/');
}

/** Code-unit order: the same on every machine and locale. */
export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortSamples(samples: Sample[]): Sample[] {
  return samples.sort((a, b) => compareIds(a.id, b.id));
}
