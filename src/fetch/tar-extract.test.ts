import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tarArchive, tgzArchive, type TarTestEntry } from '../../test/fixtures/fetch/tar-writer.js';
import { FaultlineError } from '../shared/errors.js';
import { extractTar, parsePaxRecords, parseTarHeader, safeEntrySegments } from './tar-extract.js';

const work = mkdtempSync(join(tmpdir(), 'faultline-tar-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let n = 0;
/** A fresh sandbox: `<sandbox>/dest` is the destination, files written "outside" would land in `<sandbox>`. */
function sandbox(entries: TarTestEntry[], gzip = true): { archive: string; dest: string; root: string } {
  const root = join(work, `case-${n++}`);
  mkdirSync(root);
  const archive = join(root, gzip ? 'a.tgz' : 'a.tar');
  writeFileSync(archive, gzip ? tgzArchive(entries) : tarArchive(entries));
  return { archive, dest: join(root, 'dest'), root };
}

describe('parseTarHeader / safeEntrySegments', () => {
  it('decodes a header, stops at the zero block and rejects a bad checksum', () => {
    const tar = tarArchive([{ path: 'd/f.txt', data: 'hello' }]);
    expect(parseTarHeader(tar.subarray(0, 512))).toMatchObject({ name: 'd/f.txt', size: 5, typeflag: '0' });
    expect(parseTarHeader(Buffer.alloc(512))).toBeNull();
    const bad = Buffer.from(tar.subarray(0, 512));
    bad[0] ^= 1;
    expect(() => parseTarHeader(bad)).toThrow(/checksum/);
  });

  it('reads pax records and classifies paths', () => {
    expect(parsePaxRecords(Buffer.from('16 path=a/b/c.x\n11 size=42\n'))).toEqual(
      new Map([
        ['path', 'a/b/c.x'],
        ['size', '42'],
      ]),
    );
    expect(safeEntrySegments('./a//b/')).toEqual(['a', 'b']);
    expect(safeEntrySegments('../evil')).toMatch(/'\.\.'/);
    expect(safeEntrySegments('a/../../evil')).toMatch(/'\.\.'/);
    expect(safeEntrySegments('/etc/passwd')).toBe('absolute path');
    expect(safeEntrySegments('C:\\evil')).toBe('absolute path');
  });
});

describe('extractTar', () => {
  it('extracts files, folders, long names (pax, GNU) and inside symlinks; the system tar agrees', async () => {
    const long = `deep/${'x'.repeat(120)}.txt`;
    const entries: TarTestEntry[] = [
      { path: 'top/' },
      { path: 'top/a.txt', data: 'A' },
      { path: 'top/sub/b.bin', data: Buffer.alloc(1300, 7) },
      { path: `top/${long}`, data: 'pax', pax: true },
      { path: `top/gnu-${'y'.repeat(110)}`, data: 'gnu', gnuLongName: true },
      { path: 'top/link-to-a', type: 'symlink', linkName: 'a.txt' },
    ];
    const { archive, dest, root } = sandbox(entries);
    const result = await extractTar(archive, dest);
    expect(result).toMatchObject({ topLevel: ['top'], files: 4, directories: 1, symlinks: 1, skipped: 0 });
    expect(readFileSync(join(dest, 'top/a.txt'), 'utf8')).toBe('A');
    expect(readFileSync(join(dest, 'top/sub/b.bin'))).toEqual(Buffer.alloc(1300, 7));
    expect(readFileSync(join(dest, 'top', long), 'utf8')).toBe('pax');
    expect(readFileSync(join(dest, `top/gnu-${'y'.repeat(110)}`), 'utf8')).toBe('gnu');
    expect(readlinkSync(join(dest, 'top/link-to-a'))).toBe('a.txt');
    expect(readdirSync(dest)).toEqual(['top']); // no staging folder left behind

    // The writer's archives are ordinary tar files: GNU tar reads the same tree.
    const check = join(root, 'gnu');
    mkdirSync(check);
    execFileSync('tar', ['-xzf', archive, '-C', check]);
    expect(readFileSync(join(check, 'top', long), 'utf8')).toBe('pax');
  });

  it('reads an uncompressed tar', async () => {
    const { archive, dest } = sandbox([{ path: 'f.txt', data: 'plain' }], false);
    await extractTar(archive, dest);
    expect(readFileSync(join(dest, 'f.txt'), 'utf8')).toBe('plain');
  });

  const hostile: [string, TarTestEntry[], RegExp][] = [
    ['a ../ path', [{ path: '../evil', data: 'x' }], /"\.\.\/evil".*'\.\.' segment/],
    ['a nested ../ path', [{ path: 'ok/../../evil', data: 'x' }], /'\.\.' segment/],
    ['an absolute path', [{ path: '/tmp/faultline-evil', data: 'x' }], /absolute path/],
    [
      'a symlink out of the destination',
      [{ path: 'ok/link', type: 'symlink', linkName: '../../' }],
      /symlink to "\.\.\/\.\.\/" points outside/,
    ],
    ['an absolute symlink', [{ path: 'ok/link', type: 'symlink', linkName: '/etc' }], /points outside/],
    ['a hard link', [{ path: 'ok/hard', type: 'hardlink', linkName: '/etc/passwd' }], /hard link/],
    ['a pax path that escapes', [{ path: '../evil', data: 'x', pax: true }], /'\.\.' segment/],
  ];
  it.each(hostile)('refuses %s and writes nothing', async (_what, entries, message) => {
    const { archive, dest, root } = sandbox([{ path: 'ok/first.txt', data: 'fine' }, ...entries]);
    const error = await extractTar(archive, dest).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FaultlineError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/nothing was extracted/);
    expect(readdirSync(dest)).toEqual([]); // not even the harmless first entry
    expect(existsSync(join(root, 'evil'))).toBe(false);
    expect(existsSync('/tmp/faultline-evil')).toBe(false);
  });

  it('does not write through a symlink that an earlier run left in the destination', async () => {
    const { archive, dest, root } = sandbox([{ path: 'top/f.txt', data: 'new' }]);
    mkdirSync(join(root, 'elsewhere'));
    mkdirSync(dest);
    execFileSync('ln', ['-s', join(root, 'elsewhere'), join(dest, 'top')]);
    await extractTar(archive, dest);
    expect(lstatSync(join(dest, 'top')).isDirectory()).toBe(true); // the link was replaced, not followed
    expect(readdirSync(join(root, 'elsewhere'))).toEqual([]);
  });

  it('a damaged download is one FaultlineError naming the file, with a hint, and extracts nothing', async () => {
    const good = tgzArchive([{ path: 'big.bin', data: Buffer.alloc(4000, 1) }]);
    const flipped = Buffer.from(good);
    flipped[flipped.length >> 1] ^= 0xff;
    const root = join(work, `case-${n++}`);
    mkdirSync(root);
    const cases: Record<string, Buffer> = {
      'cut.tgz': good.subarray(0, good.length - 12), // gzip stream ends early
      'flipped.tgz': flipped, // corrupt deflate data or checksum
      'not-gzip.tgz': Buffer.from('<html>503 Service Unavailable</html>'), // an error page saved as the archive
      'junk.tar': Buffer.alloc(1024, 7), // not a tar header (bad checksum)
    };
    for (const [name, bytes] of Object.entries(cases)) {
      const archive = join(root, name);
      const dest = join(root, `dest-${name}`);
      writeFileSync(archive, bytes);
      const error = await extractTar(archive, dest).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error, name).toBeInstanceOf(FaultlineError);
      expect((error as FaultlineError).message, name).toContain(`${archive}: cannot extract: `);
      expect((error as FaultlineError).details?.hint, name).toMatch(/damaged/);
      expect(readdirSync(dest), name).toEqual([]);
    }
  });

  it('reports a truncated archive as a FaultlineError', async () => {
    const full = tarArchive([{ path: 'big.bin', data: Buffer.alloc(4000, 1) }]);
    const root = join(work, `case-${n++}`);
    mkdirSync(root);
    const archive = join(root, 'cut.tar');
    writeFileSync(archive, full.subarray(0, 2048));
    await expect(extractTar(archive, join(root, 'dest'))).rejects.toThrow(/truncated/);
    await expect(extractTar(archive, join(root, 'dest'))).rejects.toBeInstanceOf(FaultlineError);
    expect(readdirSync(join(root, 'dest'))).toEqual([]);
  });
});
