import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { openZip } from './zip-reader.js';

interface TestEntry {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
}

/**
 * A small zip writer for tests. `zip64` writes saturated 32-bit fields plus zip64 extra fields, a zip64
 * end-of-central-directory record and its locator, as writers do for archives past 4 GiB.
 */
function writeZip(entries: TestEntry[], zip64 = false): Uint8Array {
  const chunks: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name);
    const body = entry.deflate ? zlib.deflateRawSync(entry.data) : Buffer.from(entry.data);
    const crc = zlib.crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(entry.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    chunks.push(local, name, body);

    const extra = zip64 ? Buffer.alloc(28) : Buffer.alloc(0);
    if (zip64) {
      extra.writeUInt16LE(0x0001, 0);
      extra.writeUInt16LE(24, 2);
      extra.writeBigUInt64LE(BigInt(entry.data.length), 4);
      extra.writeBigUInt64LE(BigInt(body.length), 12);
      extra.writeBigUInt64LE(BigInt(offset), 20);
    }
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE(entry.deflate ? 8 : 0, 10);
    header.writeUInt32LE(crc, 16);
    header.writeUInt32LE(zip64 ? 0xffffffff : body.length, 20);
    header.writeUInt32LE(zip64 ? 0xffffffff : entry.data.length, 24);
    header.writeUInt16LE(name.length, 28);
    header.writeUInt16LE(extra.length, 30);
    header.writeUInt32LE(zip64 ? 0xffffffff : offset, 42);
    central.push(header, name, extra);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(central);
  const tail: Buffer[] = [directory];
  if (zip64) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeBigUInt64LE(BigInt(entries.length), 24);
    record.writeBigUInt64LE(BigInt(entries.length), 32);
    record.writeBigUInt64LE(BigInt(directory.length), 40);
    record.writeBigUInt64LE(BigInt(offset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset + directory.length), 8);
    locator.writeUInt32LE(1, 16);
    tail.push(record, locator);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(zip64 ? 0xffff : entries.length, 8);
  end.writeUInt16LE(zip64 ? 0xffff : entries.length, 10);
  end.writeUInt32LE(zip64 ? 0xffffffff : directory.length, 12);
  end.writeUInt32LE(zip64 ? 0xffffffff : offset, 16);
  return new Uint8Array(Buffer.concat([...chunks, ...tail, end]));
}

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
