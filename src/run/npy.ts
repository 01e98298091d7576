/**
 * NumPy .npy (format 1.0) for 2-D little-endian float32 arrays, the interchange format of features.npy.
 * Files are read by row ranges through a file descriptor, so a 10 GB feature file never has to fit in memory.
 */
import { closeSync, fdatasyncSync, fstatSync, openSync, readSync, writeSync, ftruncateSync } from 'node:fs';
import { fileError } from '../shared/errors.js';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);

export interface NpyHeader {
  rows: number;
  cols: number;
  /** Byte offset of the first element. */
  dataOffset: number;
}

/** Header bytes for a C-order float32 array of shape (rows, cols), padded so data starts on a 64-byte boundary. */
export function npyHeader(rows: number, cols: number): Buffer {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  const unpadded = MAGIC.length + 2 + 2 + dict.length + 1;
  const padding = (64 - (unpadded % 64)) % 64;
  const header = dict + ' '.repeat(padding) + '\n';
  const buf = Buffer.alloc(MAGIC.length + 4 + header.length);
  MAGIC.copy(buf, 0);
  buf[6] = 1;
  buf[7] = 0;
  buf.writeUInt16LE(header.length, 8);
  buf.write(header, 10, 'latin1');
  return buf;
}

export function parseNpyHeader(buf: Buffer, file: string): NpyHeader {
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw fileError(file, 'not a NumPy .npy file');
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  if (buf.length < start + headerLen) throw fileError(file, 'truncated .npy header');
  const header = buf.subarray(start, start + headerLen).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  if (descr !== '<f4') throw fileError(file, `expected float32 ('<f4') data, found ${descr ?? 'unknown'}`);
  if (/'fortran_order':\s*True/.test(header)) throw fileError(file, 'Fortran-order arrays are not supported');
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  const dims = (shape ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (dims.length !== 2 || dims.some((d) => !Number.isInteger(d) || d < 0)) {
    throw fileError(file, `expected a 2-D array, found shape (${shape ?? '?'})`);
  }
  return { rows: dims[0], cols: dims[1], dataOffset: start + headerLen };
}

/** Random-access reader over a float32 .npy matrix. */
export class NpyMatrixReader {
  readonly rows: number;
  readonly cols: number;
  private readonly fd: number;
  private readonly dataOffset: number;

  constructor(readonly file: string) {
    this.fd = openSync(file, 'r');
    const head = Buffer.alloc(4096);
    const n = readSync(this.fd, head, 0, head.length, 0);
    const h = parseNpyHeader(head.subarray(0, n), file);
    this.rows = h.rows;
    this.cols = h.cols;
    this.dataOffset = h.dataOffset;
    const expected = h.dataOffset + h.rows * h.cols * 4;
    const size = fstatSync(this.fd).size;
    if (size < expected) {
      closeSync(this.fd);
      throw fileError(file, `file is truncated: ${size} bytes, header promises ${expected}`);
    }
  }

  /** Rows [start, end) as one row-major Float32Array. */
  readRows(start: number, end: number): Float32Array {
    const count = Math.max(0, end - start);
    const out = new Float32Array(count * this.cols);
    if (count === 0) return out;
    const bytes = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    readSync(this.fd, bytes, 0, bytes.length, this.dataOffset + start * this.cols * 4);
    return out;
  }

  /**
   * Arbitrary rows (e.g. one class's members), in the given order, as a row-major matrix. With `into` (large
   * enough), the rows land in its start and a view of them is returned: repeated group reads then reuse one buffer
   * instead of allocating ~10 MB each, which otherwise keeps the garbage collector busy.
   */
  readRowSet(rowIndices: ArrayLike<number>, into?: Float32Array): Float32Array {
    const size = rowIndices.length * this.cols;
    if (into && into.length < size)
      throw new RangeError(`buffer holds ${into.length} values, ${size} needed`);
    const out = into ? into.subarray(0, size) : new Float32Array(size);
    const rowBytes = this.cols * 4;
    const bytes = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    // Coalesce consecutive rows into one read: class members are often stored contiguously.
    let i = 0;
    while (i < rowIndices.length) {
      let j = i + 1;
      while (j < rowIndices.length && rowIndices[j] === rowIndices[j - 1] + 1) j++;
      readSync(this.fd, bytes, i * rowBytes, (j - i) * rowBytes, this.dataOffset + rowIndices[i] * rowBytes);
      i = j;
    }
    return out;
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Writes a whole matrix to a .npy file. */
export function writeNpyMatrix(file: string, data: Float32Array, rows: number, cols: number): void {
  if (data.length !== rows * cols) throw new RangeError(`data length ${data.length} != ${rows} x ${cols}`);
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, npyHeader(rows, cols));
    writeSync(fd, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  } finally {
    closeSync(fd);
  }
}

/**
 * A preallocated .npy file whose rows are filled in any order (used by resumable extraction).
 * The header is written up front with the final shape, so the file is valid once every row is written.
 */
export class NpyMatrixWriter {
  private readonly fd: number;
  private readonly dataOffset: number;

  constructor(
    readonly file: string,
    readonly rows: number,
    readonly cols: number,
    opts: { resume?: boolean } = {},
  ) {
    const header = npyHeader(rows, cols);
    this.dataOffset = header.length;
    if (opts.resume) {
      this.fd = openSync(file, 'r+');
      const head = Buffer.alloc(header.length);
      readSync(this.fd, head, 0, head.length, 0);
      if (!head.equals(header)) {
        closeSync(this.fd);
        throw fileError(file, `cannot resume: existing file does not have shape (${rows}, ${cols})`);
      }
    } else {
      this.fd = openSync(file, 'w');
      writeSync(this.fd, header);
      ftruncateSync(this.fd, header.length + rows * cols * 4);
    }
  }

  writeRows(start: number, data: Float32Array): void {
    if (data.length % this.cols !== 0) throw new RangeError('row data is not a multiple of the column count');
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    writeSync(this.fd, bytes, 0, bytes.length, this.dataOffset + start * this.cols * 4);
  }

  /** Flushes written rows to disk, so a crash after this point cannot lose them. */
  sync(): void {
    fdatasyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }
}
