/**
 * A minimal in-memory zip reader for PyTorch checkpoints: central directory (with zip64 records), stored and
 * deflated entries, CRC-32 checked on read. torch.save writes stored, 64-byte-aligned entries and switches to
 * zip64 records past 4 GiB; everything else in the format (encryption, multi-disk archives) is refused.
 */
import zlib from 'node:zlib';
import { fileError } from '../shared/errors.js';

export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate. */
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  localHeaderOffset: number;
}

export interface ZipArchive {
  readonly entries: ReadonlyMap<string, ZipEntry>;
  /** The entry's uncompressed bytes (a view into the archive for stored entries). */
  read(name: string): Uint8Array;
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const ZIP64_EXTRA_ID = 0x0001;

export function isZip(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04
  );
}

/** Parse the archive's directory. `source` names the file in every error. */
export function openZip(bytes: Uint8Array, source: string): ZipArchive {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const truncated = (what: string) =>
    fileError(
      source,
      `truncated or damaged zip archive (${what}); the file is incomplete, download or save it again`,
    );
  const u64 = (at: number): number => {
    const v = view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw truncated('size field out of range');
    return Number(v);
  };

  const eocd = findEndOfCentralDirectory(view);
  if (eocd < 0) throw truncated('no end-of-central-directory record');
  let entryCount = view.getUint16(eocd + 10, true);
  let directorySize = view.getUint32(eocd + 12, true);
  let directoryOffset = view.getUint32(eocd + 16, true);
  if (view.getUint16(eocd + 4, true) !== 0 || view.getUint16(eocd + 6, true) !== 0) {
    throw fileError(source, 'multi-disk zip archives are not supported');
  }

  const needsZip64 = entryCount === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff;
  const locator = eocd - 20;
  if (locator >= 0 && view.getUint32(locator, true) === ZIP64_LOCATOR_SIGNATURE) {
    const zip64Eocd = u64(locator + 8);
    if (zip64Eocd + 56 > bytes.length || view.getUint32(zip64Eocd, true) !== ZIP64_EOCD_SIGNATURE) {
      throw truncated('zip64 end-of-central-directory record missing');
    }
    entryCount = u64(zip64Eocd + 32);
    directorySize = u64(zip64Eocd + 40);
    directoryOffset = u64(zip64Eocd + 48);
  } else if (needsZip64) {
    throw truncated('zip64 locator missing');
  }
  if (directoryOffset + directorySize > eocd) throw truncated('central directory out of bounds');

  const entries = new Map<string, ZipEntry>();
  let at = directoryOffset;
  for (let i = 0; i < entryCount; i++) {
    if (at + 46 > bytes.length || view.getUint32(at, true) !== CENTRAL_SIGNATURE) {
      throw truncated(`central directory entry ${i} damaged`);
    }
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const crc32 = view.getUint32(at + 16, true);
    let compressedSize = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let localHeaderOffset = view.getUint32(at + 42, true);
    const nameStart = at + 46;
    if (nameStart + nameLength + extraLength > bytes.length) throw truncated(`central directory entry ${i}`);
    const name = Buffer.from(bytes.subarray(nameStart, nameStart + nameLength)).toString('utf8');
    if (flags & 0x1) throw fileError(source, `zip entry ${name} is encrypted`);

    // zip64 extended information: only the fields whose 32-bit value is saturated are present, in this order.
    let extra = nameStart + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = view.getUint16(extra, true);
      const length = view.getUint16(extra + 2, true);
      if (id === ZIP64_EXTRA_ID) {
        let field = extra + 4;
        if (size === 0xffffffff) {
          size = u64(field);
          field += 8;
        }
        if (compressedSize === 0xffffffff) {
          compressedSize = u64(field);
          field += 8;
        }
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = u64(field);
      }
      extra += 4 + length;
    }
    entries.set(name, { name, method, compressedSize, size, crc32, localHeaderOffset });
    at = extraEnd + commentLength;
  }

  const read = (name: string): Uint8Array => {
    const entry = entries.get(name);
    if (!entry) throw fileError(source, `zip entry ${name} is missing`);
    const header = entry.localHeaderOffset;
    if (header + 30 > bytes.length || view.getUint32(header, true) !== LOCAL_SIGNATURE) {
      throw truncated(`local header of ${name} damaged`);
    }
    const dataStart = header + 30 + view.getUint16(header + 26, true) + view.getUint16(header + 28, true);
    if (dataStart + entry.compressedSize > bytes.length) throw truncated(`data of ${name} cut short`);
    const raw = bytes.subarray(dataStart, dataStart + entry.compressedSize);
    let data: Uint8Array;
    if (entry.method === 0) data = raw;
    else if (entry.method === 8) data = zlib.inflateRawSync(raw);
    else throw fileError(source, `zip entry ${name} uses unsupported compression method ${entry.method}`);
    if (data.length !== entry.size) throw truncated(`size of ${name} does not match its directory entry`);
    if (typeof zlib.crc32 === 'function' && zlib.crc32(data) !== entry.crc32) {
      throw truncated(`CRC-32 of ${name} does not match`);
    }
    return data;
  };

  return { entries, read };
}

function findEndOfCentralDirectory(view: DataView): number {
  const last = view.byteLength - 22;
  const first = Math.max(0, last - 0xffff);
  for (let at = last; at >= first; at--) {
    if (
      view.getUint32(at, true) === EOCD_SIGNATURE &&
      at + 22 + view.getUint16(at + 20, true) === view.byteLength
    ) {
      return at;
    }
  }
  return -1;
}
