/**
 * Read a file written by torch.save without Python: the zip format (PyTorch >= 1.6: `<name>/data.pkl` plus one
 * record per storage under `<name>/data/<key>`) and the legacy format (PyTorch < 1.6 or
 * `_use_new_zipfile_serialization=False`: magic, protocol and sys-info pickles, the object pickle, the list of
 * storage keys, then each storage as an int64 element count and its raw bytes). The pre-1.0 tar format is refused.
 * Tensors stay lazy references until tensorToFloat32 materialises the ones a caller needs.
 */
import { readFile } from 'node:fs/promises';
import { FaultlineError, fileError } from '../shared/errors.js';
import { readPickle } from './pickle-reader.js';
import { PickleDict, describePickleValue, type PickleValue } from './pickle-values.js';
import {
  DTYPE_BYTES,
  isStorageType,
  resolveTorchGlobal,
  type StorageRef,
  type TorchDtype,
} from './torch-globals.js';
import { isZip, openZip } from './zip-reader.js';

export type CheckpointFormat = 'zip' | 'legacy';

export interface TorchCheckpoint {
  /** The file it came from, for messages. */
  source: string;
  format: CheckpointFormat;
  /** The unpickled object: usually a dict (state dict, or a wrapper holding one). */
  root: PickleValue;
  /** Globals read as inert placeholders (lenient mode only), sorted and deduplicated. */
  inertGlobals: string[];
}

export interface ReadCheckpointOptions {
  /** Read unknown, non-hostile Python objects as inert placeholders instead of refusing the file. */
  lenient?: boolean;
}

/** The magic number legacy torch.save writes as its first pickle. */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

/** Read and parse a checkpoint file. */
export async function readTorchCheckpoint(
  path: string,
  options: ReadCheckpointOptions = {},
): Promise<TorchCheckpoint> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw fileError(
      path,
      `cannot read checkpoint: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  return parseTorchCheckpoint(bytes, path, options);
}

/** Parse checkpoint bytes. `source` names the file in errors. */
export function parseTorchCheckpoint(
  bytes: Uint8Array,
  source: string,
  options: ReadCheckpointOptions = {},
): TorchCheckpoint {
  if (bytes.length === 0) throw fileError(source, 'the checkpoint file is empty');
  const inert = new Set<string>();
  const resolveGlobal = (module: string, name: string) =>
    resolveTorchGlobal(source, module, name, { lenient: options.lenient, onInert: (n) => inert.add(n) });
  const parsed = parseFormat(bytes, source, resolveGlobal);
  return { ...parsed, inertGlobals: [...inert].sort() };
}

type GlobalResolver = (module: string, name: string) => PickleValue;

function parseFormat(
  bytes: Uint8Array,
  source: string,
  resolveGlobal: GlobalResolver,
): Omit<TorchCheckpoint, 'inertGlobals'> {
  if (isZip(bytes)) return parseZipCheckpoint(bytes, source, resolveGlobal);
  if (bytes.length > 262 && Buffer.from(bytes.subarray(257, 262)).toString('latin1') === 'ustar') {
    throw fileError(source, 'tar-format checkpoints (PyTorch 0.3 and older) are not supported');
  }
  if (bytes[0] === 0x80) return parseLegacyCheckpoint(bytes, source, resolveGlobal);
  throw fileError(
    source,
    'not a PyTorch checkpoint (neither a torch.save zip archive nor a legacy pickle file)',
  );
}

function parseZipCheckpoint(
  bytes: Uint8Array,
  source: string,
  resolveGlobal: GlobalResolver,
): Omit<TorchCheckpoint, 'inertGlobals'> {
  const zip = openZip(bytes, source);
  const pickleName = [...zip.entries.keys()].find((name) => /^[^/]*\/?data\.pkl$/.test(name));
  if (!pickleName) throw fileError(source, 'zip archive has no data.pkl: not a torch.save checkpoint');
  const prefix = pickleName.slice(0, pickleName.length - 'data.pkl'.length);

  const byteOrderEntry = zip.entries.get(`${prefix}byteorder`);
  const bigEndian =
    byteOrderEntry !== undefined && Buffer.from(zip.read(byteOrderEntry.name)).toString() === 'big';

  const loaded = new Map<string, Uint8Array>();
  const persistentLoad = (pid: PickleValue): PickleValue => {
    const { key, dtype } = storagePid(pid, source, 5);
    const storage: StorageRef = {
      kind: 'storage',
      key,
      dtype,
      elementOffset: 0,
      bytes: () => {
        let data = loaded.get(key);
        if (!data) {
          data = zip.read(`${prefix}data/${key}`);
          if (bigEndian) data = swapBytes(data, DTYPE_BYTES[dtype]);
          loaded.set(key, data);
        }
        return data;
      },
    };
    return storage;
  };
  const { value } = readPickle(zip.read(pickleName), 0, { source, resolveGlobal, persistentLoad });
  return { source, format: 'zip', root: value };
}

function parseLegacyCheckpoint(
  bytes: Uint8Array,
  source: string,
  resolveGlobal: GlobalResolver,
): Omit<TorchCheckpoint, 'inertGlobals'> {
  const plain = { source, resolveGlobal };
  const magic = readPickle(bytes, 0, plain);
  if (magic.value !== LEGACY_MAGIC) {
    throw fileError(source, 'a pickle file, but not one written by torch.save (magic number missing)');
  }
  const protocol = readPickle(bytes, magic.end, plain);
  if (protocol.value !== 1001) {
    throw fileError(source, `unsupported legacy checkpoint protocol ${describePickleValue(protocol.value)}`);
  }
  const sysInfo = readPickle(bytes, protocol.end, plain);
  const littleEndian = !(sysInfo.value instanceof PickleDict) || sysInfo.value.get('little_endian') !== false;

  // Storages are declared while the object pickle is read and their bytes follow it.
  const declared = new Map<string, TorchDtype>();
  const rootData = new Map<string, Uint8Array>();
  const storageBytes = (key: string): Uint8Array => {
    const data = rootData.get(key);
    if (!data) throw fileError(source, `storage ${key} is missing from the file (truncated?)`);
    return data;
  };
  const main = readPickle(bytes, sysInfo.end, {
    ...plain,
    persistentLoad: (pid) => {
      const { key, dtype, view } = storagePid(pid, source, 6);
      const previous = declared.get(key);
      if (previous && previous !== dtype) throw fileError(source, `storage ${key} declared with two dtypes`);
      declared.set(key, dtype);
      const storage: StorageRef = {
        kind: 'storage',
        key,
        dtype,
        elementOffset: view?.offset ?? 0,
        bytes: () => storageBytes(key),
      };
      return storage;
    },
  });

  const keys = readPickle(bytes, main.end, plain);
  if (!Array.isArray(keys.value) || keys.value.some((k) => typeof k !== 'string')) {
    throw fileError(source, 'legacy checkpoint storage-key list is damaged');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = keys.end;
  for (const key of keys.value as string[]) {
    const dtype = declared.get(key);
    if (!dtype) throw fileError(source, `storage ${key} is listed but never used by a tensor`);
    if (at + 8 > bytes.length) throw truncatedLegacy(source, key);
    const count = Number(view.getBigInt64(at, littleEndian));
    const length = count * DTYPE_BYTES[dtype];
    at += 8;
    if (count < 0 || at + length > bytes.length) throw truncatedLegacy(source, key);
    let data = bytes.subarray(at, at + length);
    if (!littleEndian) data = swapBytes(data, DTYPE_BYTES[dtype]);
    rootData.set(key, data);
    at += length;
  }
  return { source, format: 'legacy', root: main.value };
}

function truncatedLegacy(source: string, key: string): FaultlineError {
  return fileError(source, `checkpoint ends inside the data of storage ${key}: the file is truncated`);
}

interface StoragePid {
  key: string;
  dtype: TorchDtype;
  view?: { offset: number };
}

/** ('storage', torch.FloatStorage, key, location, numel[, view_metadata]) */
function storagePid(pid: PickleValue, source: string, legacyLength: number): StoragePid {
  if (!Array.isArray(pid) || pid.length < 5) {
    throw fileError(source, `unexpected persistent id ${describePickleValue(pid)}`);
  }
  const [typename, storageType, key] = pid as PickleValue[];
  if (typename === 'module') {
    throw fileError(source, 'the checkpoint stores a pickled nn.Module; save model.state_dict() instead');
  }
  if (typename !== 'storage' || !isStorageType(storageType) || typeof key !== 'string') {
    throw fileError(source, `unexpected persistent id ${describePickleValue(pid)}`);
  }
  const viewMetadata = pid.length >= legacyLength ? (pid as PickleValue[])[5] : null;
  if (Array.isArray(viewMetadata)) {
    const offset = viewMetadata[1];
    if (typeof offset !== 'number') throw fileError(source, `bad storage view of ${key}`);
    return { key, dtype: storageType.dtype, view: { offset } };
  }
  return { key, dtype: storageType.dtype };
}

function swapBytes(data: Uint8Array, elementSize: number): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i += elementSize) {
    for (let j = 0; j < elementSize; j++) out[i + j] = data[i + elementSize - 1 - j];
  }
  return out;
}
