/**
 * The one place the server turns a location into a file to send. Every served file must resolve — after following
 * symlinks — inside one of the allowed roots (the dataset root and the run directory); anything else is refused.
 */
import { realpathSync, statSync } from 'node:fs';
import { sep } from 'node:path';

export class PathRefusedError extends Error {
  override readonly name = 'PathRefusedError';
}

/** Real (symlink-free) forms of the roots; roots that do not exist are dropped. */
export function realRoots(roots: string[]): string[] {
  const out: string[] = [];
  for (const root of roots) {
    try {
      out.push(realpathSync(root));
    } catch {
      // A missing root cannot contain anything; leaving it out refuses everything under it.
    }
  }
  return out;
}

/** True when `real` is `root` itself or lies below it (compared on path segments, so /data2 is not inside /data). */
export function isInside(real: string, root: string): boolean {
  return real === root || real.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * Resolves `file` through symlinks and returns its real path when it is a regular file inside one of `roots`
 * (already real). Throws PathRefusedError otherwise — the message never includes the path, which may be secret.
 */
export function resolveInsideRoots(file: string, roots: string[]): string {
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    throw new PathRefusedError('file not found');
  }
  if (!roots.some((root) => isInside(real, root)))
    throw new PathRefusedError('file is outside the allowed roots');
  if (!statSync(real).isFile()) throw new PathRefusedError('not a regular file');
  return real;
}
