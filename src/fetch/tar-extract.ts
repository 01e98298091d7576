/**
 * Safe extraction of .tar / .tar.gz archives (ustar, GNU long names, pax paths), for downloaded datasets.
 *
 * Everything is written into a staging folder inside the destination and moved into place only when the whole
 * archive has been read, so a refused or damaged archive leaves nothing behind. Entries that would land outside the
 * destination are refused, not rewritten: absolute paths, `..` segments, symlinks whose target leaves the
 * destination, and hard links. Device files and FIFOs are skipped and counted.
 */
import {
  createReadStream,
  existsSync,
  lstatSync,
  mkdirSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { createGunzip } from 'node:zlib';
import { FaultlineError } from '../shared/errors.js';

const BLOCK = 512;

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

/** One header block, decoded (before pax/GNU long-name records are applied). */
export interface TarHeader {
  name: string;
  mode: number;
  size: number;
  /** The raw typeflag character ('0', '5', 'x', 'L', ...). */
  typeflag: string;
  linkName: string;
}

export interface ExtractResult {
  /** Top-level names moved into the destination. */
  topLevel: string[];
  files: number;
  directories: number;
  symlinks: number;
  /** Device files, FIFOs and unknown entry types that were not written. */
  skipped: number;
}

function cString(block: Buffer, start: number, length: number): string {
  const field = block.subarray(start, start + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? field.length : end).toString('utf8');
}

/** Octal (space/NUL terminated) or, for large values, GNU base-256 (high bit of the first byte set). */
function numeric(block: Buffer, start: number, length: number): number {
  const field = block.subarray(start, start + length);
  if (field[0] & 0x80) {
    let value = field[0] & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i];
    return value;
  }
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) return Number.NaN;
  return parseInt(text, 8);
}

/** Decode one 512-byte header; null for an all-zero block (end of archive). Throws on a bad checksum. */
export function parseTarHeader(block: Buffer): TarHeader | null {
  if (block.length !== BLOCK) throw new Error(`tar header must be ${BLOCK} bytes`);
  if (block.every((b) => b === 0)) return null;
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i];
  const stored = numeric(block, 148, 8);
  if (stored !== sum) throw new Error('bad header checksum (not a tar archive, or a damaged one)');
  const magic = block.subarray(257, 263).toString('latin1');
  let name = cString(block, 0, 100);
  // POSIX ustar splits long paths into prefix + name; GNU tar ("ustar  ") uses that area for other fields.
  if (magic === 'ustar\0') {
    const prefix = cString(block, 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  const size = numeric(block, 124, 12);
  if (!Number.isFinite(size)) throw new Error(`bad size field in the header of "${name}"`);
  return {
    name,
    mode: numeric(block, 100, 8) || 0o644,
    size,
    typeflag: String.fromCharCode(block[156] || 0x30),
    linkName: cString(block, 157, 100),
  };
}

/** pax extended header records: "<length> <key>=<value>\n". */
export function parsePaxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space === -1) break;
    const length = Number(data.subarray(at, space).toString('latin1'));
    if (!Number.isInteger(length) || length <= 0 || at + length > data.length) break;
    const record = data.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1));
    at += length;
  }
  return records;
}

function entryType(typeflag: string): TarEntryType {
  if (typeflag === '0' || typeflag === '7') return 'file';
  if (typeflag === '5') return 'directory';
  if (typeflag === '2') return 'symlink';
  if (typeflag === '1') return 'hardlink';
  return 'other';
}

/**
 * The relative path segments of an entry, or a reason to refuse it. `./` segments and trailing slashes are
 * dropped; absolute paths (POSIX or Windows drive) and `..` segments are refused rather than rewritten.
 */
export function safeEntrySegments(path: string): string[] | string {
  if (path.includes('\0')) return 'contains a NUL byte';
  if (path.startsWith('/') || path.startsWith('\\') || /^[A-Za-z]:/.test(path) || isAbsolute(path)) {
    return 'absolute path';
  }
  const segments = path.split(/[/\\]/).filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return "path with a '..' segment";
  return segments;
}

function inside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel) && rel.split(sep)[0] !== '..');
}

/** Pulls exact byte counts out of a chunked stream. */
class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  constructor(private readonly source: AsyncIterator<Buffer>) {}

  private async fill(): Promise<boolean> {
    const next = await this.source.next();
    if (next.done) return false;
    const chunk = Buffer.isBuffer(next.value) ? next.value : Buffer.from(next.value);
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    return true;
  }

  /** Exactly n bytes; null when the stream ended before any; throws when it ended in the middle. */
  async read(n: number): Promise<Buffer | null> {
    while (this.buffered < n) {
      if (!(await this.fill())) {
        if (this.buffered === 0) return null;
        throw new Error('the archive ends in the middle of an entry (truncated)');
      }
    }
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }

  /** Between 1 and max bytes, without copying more than needed. */
  async readSome(max: number): Promise<Buffer> {
    if (this.buffered === 0 && !(await this.fill())) {
      throw new Error('the archive ends in the middle of an entry (truncated)');
    }
    const first = this.chunks[0];
    const n = Math.min(max, first.length);
    const out = first.subarray(0, n);
    if (n === first.length) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return out;
  }
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/**
 * Extract `archive` (.tar, or gzip-compressed when `gzip` is true or the name ends in .gz/.tgz) into `dest`.
 * Existing top-level entries of the same name in `dest` are replaced only after the archive was read completely.
 */
export async function extractTar(
  archive: string,
  dest: string,
  options: { gzip?: boolean; onEntry?(path: string, count: number): void } = {},
): Promise<ExtractResult> {
  const gzip = options.gzip ?? /\.(tgz|gz)$/i.test(archive);
  const destRoot = resolve(dest);
  mkdirSync(destRoot, { recursive: true });
  const staging = join(destRoot, `.faultline-extract-${process.pid}-${Date.now()}`);
  mkdirSync(staging);
  const stagingReal = realpathSync(staging);
  const result: ExtractResult = { topLevel: [], files: 0, directories: 0, symlinks: 0, skipped: 0 };
  const topLevel = new Set<string>();

  const refuse = (path: string, why: string): never => {
    throw new FaultlineError(`${archive}: refusing archive entry "${path}": ${why}; nothing was extracted`, {
      file: archive,
      hint: 'the archive is not what faultline expects; check where it came from',
    });
  };

  try {
    const raw = createReadStream(archive, { highWaterMark: 1 << 20 });
    const stream = gzip ? raw.pipe(createGunzip({ chunkSize: 1 << 18 })) : raw;
    raw.on('error', (e) => stream.destroy(e));
    const reader = new ByteReader(stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>);
    let longName: string | undefined;
    let longLink: string | undefined;
    let pax = new Map<string, string>();
    let count = 0;
    for (;;) {
      const block = await reader.read(BLOCK);
      if (!block) break;
      const header = parseTarHeader(block);
      if (!header) break; // end-of-archive marker
      const size = pax.has('size') ? Number(pax.get('size')) : header.size;

      // Metadata records that modify the next entry.
      if (header.typeflag === 'L' || header.typeflag === 'K' || header.typeflag === 'x') {
        const data = (await reader.read(size + padding(size))) ?? Buffer.alloc(0);
        const body = data.subarray(0, size);
        if (header.typeflag === 'x') pax = parsePaxRecords(body);
        else if (header.typeflag === 'L') longName = cString(body, 0, body.length);
        else longLink = cString(body, 0, body.length);
        continue;
      }
      if (header.typeflag === 'g') {
        await reader.read(size + padding(size)); // global pax defaults: nothing we use
        continue;
      }

      const path = pax.get('path') ?? longName ?? header.name;
      const linkName = pax.get('linkpath') ?? longLink ?? header.linkName;
      pax = new Map();
      longName = longLink = undefined;
      const type = entryType(header.typeflag);

      const segments = safeEntrySegments(path);
      if (typeof segments === 'string') refuse(path, segments);
      const parts = segments as string[];
      if (parts.length === 0) {
        await reader.read(size + padding(size));
        continue; // "./" itself
      }
      const target = join(staging, ...parts);
      if (!inside(staging, target)) refuse(path, 'it resolves outside the destination');
      if (type === 'hardlink') refuse(path, `hard link to "${linkName}" (not supported)`);
      topLevel.add(parts[0]);

      if (type !== 'file' && type !== 'directory' && type !== 'symlink') {
        result.skipped++;
        if (size > 0) await reader.read(size + padding(size));
        continue;
      }
      const parent = dirname(target);
      mkdirSync(parent, { recursive: true });
      // A symlink created earlier in the archive must not carry later entries out of the destination.
      if (!inside(stagingReal, realpathSync(parent)))
        refuse(path, 'its folder is a link that leaves the destination');
      const existing = existsSync(target) || isLink(target);
      if (type === 'directory') {
        if (existing && !lstatSync(target).isDirectory()) rmSync(target, { recursive: true, force: true });
        mkdirSync(target, { recursive: true });
        result.directories++;
        if (size > 0) await reader.read(size + padding(size));
      } else if (type === 'symlink') {
        if (isAbsolute(linkName) || !inside(staging, resolve(parent, linkName))) {
          refuse(path, `symlink to "${linkName}" points outside the destination`);
        }
        if (existing) rmSync(target, { recursive: true, force: true });
        symlinkSync(linkName, target);
        result.symlinks++;
      } else {
        if (existing) rmSync(target, { recursive: true, force: true }); // never write through an old link
        const file = await open(target, 'wx', header.mode & 0o111 ? 0o755 : 0o644);
        try {
          let left = size;
          while (left > 0) {
            const piece = await reader.readSome(left);
            await file.write(piece);
            left -= piece.length;
          }
        } finally {
          await file.close();
        }
        const pad = padding(size);
        if (pad > 0) await reader.read(pad);
        result.files++;
      }
      options.onEntry?.(path, ++count);
    }

    // The whole archive was read and every entry accepted: move the top-level entries into place.
    for (const name of topLevel) {
      const from = join(staging, name);
      if (!existsSync(from) && !isLink(from)) continue;
      const to = join(destRoot, name);
      if (existsSync(to) || isLink(to)) rmSync(to, { recursive: true, force: true });
      renameSync(from, to);
      result.topLevel.push(name);
    }
    return result;
  } catch (error) {
    if (error instanceof FaultlineError) throw error;
    throw new FaultlineError(`${archive}: cannot extract: ${(error as Error).message}`, {
      file: archive,
      hint: 'the download may be damaged: delete it and fetch again',
    });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
