import { describe, expect, it } from 'vitest';
import { writeZip, type TestEntry } from '../../test/import/zip-writer.js';
import { openZip } from './zip-reader.js';

const text = (s: string) => new Uint8Array(Buffer.from(s));
const entries: TestEntry[] = [
  { name: 'archive/data.pkl', data: text('pickle bytes') },
  { name: 'archive/data/0', data: Uint8Array.from({ length: 1000 }, (_, i) => i % 7), deflate: true },
];

describe('openZip', () => {
  it.each([false, true])('reads stored and deflated entries (zip64 records: %s)', (zip64) => {
    const zip = openZip(writeZip(entries, zip64), 'x.pt');
    expect([...zip.entries.keys()]).toEqual(['archive/data.pkl', 'archive/data/0']);
    expect(Buffer.from(zip.read('archive/data.pkl')).toString()).toBe('pickle bytes');
    expect([...zip.read('archive/data/0')]).toEqual([...entries[1].data]);
  });

  it('names the file when the archive is truncated', () => {
    const whole = writeZip(entries);
    expect(() => openZip(whole.subarray(0, whole.length - 30), 'cut.pt')).toThrow(
      /cut\.pt: truncated or damaged zip archive \(no end-of-central-directory record\)/,
    );
  });

  it('detects damaged entry data through its CRC-32', () => {
    const damaged = writeZip(entries);
    damaged[30 + 'archive/data.pkl'.length + 2] ^= 0xff;
    expect(() => openZip(damaged, 'bad.pt').read('archive/data.pkl')).toThrow(/CRC-32 of archive\/data\.pkl/);
  });

  it('says which entry is missing', () => {
    expect(() => openZip(writeZip(entries), 'x.pt').read('archive/version')).toThrow(
      /x\.pt: zip entry archive\/version is missing/,
    );
  });
});
