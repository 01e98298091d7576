/**
 * The allow-list of Python globals a PyTorch state-dict checkpoint may name, and the inert values they become.
 * Everything here is data construction in TypeScript; a global that is not listed (os.system, builtins.eval,
 * subprocess.Popen, torch.storage._load_from_bytes which would unpickle recursively, ...) is refused.
 */
import { FaultlineError } from '../shared/errors.js';
import {
  isPickleCallable,
  PickleDict,
  PickleSet,
  type PickleCallable,
  type PickleInert,
  type PickleOpaque,
  type PickleValue,
} from './pickle-values.js';

export type TorchDtype =
  'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export const DTYPE_BYTES: Record<TorchDtype, number> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

/** torch.<Name>Storage -> element type. */
const STORAGE_TYPES: Record<string, TorchDtype> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

/** The type marker a persistent id carries (`torch.FloatStorage`). */
export interface StorageType extends PickleOpaque {
  readonly kind: 'storage-type';
  readonly dtype: TorchDtype;
}

/** A storage: a flat run of elements of one dtype, loaded on demand. */
export interface StorageRef extends PickleOpaque {
  readonly kind: 'storage';
  readonly key: string;
  readonly dtype: TorchDtype;
  /** Element offset into the root storage (legacy-format views), usually 0. */
  readonly elementOffset: number;
  /** Raw little-endian bytes of the root storage. */
  bytes(): Uint8Array;
}

/** A tensor as `_rebuild_tensor_v2` describes it: a strided view of a storage. */
export interface TensorRef extends PickleOpaque {
  readonly kind: 'tensor';
  readonly storage: StorageRef;
  readonly dtype: TorchDtype;
  /** Element offset into the storage. */
  readonly offset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

export function isTensorRef(value: PickleValue): value is TensorRef {
  return isKind(value, 'tensor');
}
export function isStorageRef(value: PickleValue): value is StorageRef {
  return isKind(value, 'storage');
}
export function isStorageType(value: PickleValue): value is StorageType {
  return isKind(value, 'storage-type');
}
function isKind(value: PickleValue, kind: string): boolean {
  return typeof value === 'object' && value !== null && 'kind' in value && value.kind === kind;
}

/**
 * Modules whose globals are refused even in lenient mode: a checkpoint naming them is hostile (or broken), and
 * the user should hear so rather than get a model. (Lenient mode never executes anything either way.)
 */
const HOSTILE_MODULES =
  /^(os|posix|nt|subprocess|shutil|socket|sys|pty|runpy|importlib|ctypes|webbrowser|code|pickle|marshal)(\.|$)/;
const HOSTILE_BUILTINS = new Set([
  'eval',
  'exec',
  'compile',
  '__import__',
  'open',
  'getattr',
  'setattr',
  'input',
  'breakpoint',
]);

function isHostile(module: string, name: string): boolean {
  if (HOSTILE_MODULES.test(module)) return true;
  if ((module === 'builtins' || module === '__builtin__') && HOSTILE_BUILTINS.has(name)) return true;
  return module === 'torch.storage' && name === '_load_from_bytes'; // would unpickle nested data
}

/** Error for a refused global: names the global and the file, and says nothing ran. */
export function refusedGlobal(source: string, module: string, name: string): FaultlineError {
  const hostile = isHostile(module, name);
  return new FaultlineError(
    `${source}: refusing to load the Python global '${module}.${name}' named in the checkpoint's pickle data; ` +
      'faultline only reads tensors, storages, numbers, strings and containers, and nothing in the file was executed',
    {
      file: source,
      hint: hostile
        ? 'this global can run programs or code: the file is hostile or damaged; do not load it with torch.load either'
        : 'if the file comes from a source you trust and the object is not part of the weights (saved training ' +
          'arguments, a scheduler), rerun with --lenient: such objects then become inert placeholders (still nothing runs)',
    },
  );
}

export interface TorchGlobalOptions {
  /**
   * Turn globals outside the allow-list into inert placeholders instead of refusing them (hostile modules such as
   * os or subprocess are still refused). Placeholders are never called; weights never come from them.
   */
  lenient?: boolean;
  /** Receives the dotted name of each global turned into a placeholder. */
  onInert?(qualifiedName: string): void;
}

/** Resolve a GLOBAL for a torch checkpoint. Throws `refusedGlobal` for anything not on the allow-list. */
export function resolveTorchGlobal(
  source: string,
  module: string,
  name: string,
  options: TorchGlobalOptions = {},
): PickleValue {
  const qualified = `${module}.${name}`;
  const callable = (call: (args: readonly PickleValue[]) => PickleValue): PickleCallable => ({
    kind: 'callable',
    qualifiedName: qualified,
    call,
  });
  const bad = (problem: string) =>
    new FaultlineError(`${source}: ${qualified}: ${problem}`, { file: source });

  if (module === 'torch' && name in STORAGE_TYPES) {
    const storageType: StorageType = { kind: 'storage-type', dtype: STORAGE_TYPES[name] };
    return storageType;
  }
  switch (qualified) {
    case 'collections.OrderedDict':
      return callable((args) => {
        const dict = new PickleDict();
        const pairs = args[0];
        if (args.length > 1 || (pairs !== undefined && !Array.isArray(pairs)))
          throw bad('unexpected arguments');
        for (const pair of (pairs ?? []) as PickleValue[]) {
          if (!Array.isArray(pair) || pair.length !== 2) throw bad('expected (key, value) pairs');
          const key = pair[0];
          if (typeof key !== 'string' && typeof key !== 'number') throw bad('unsupported key type');
          dict.set(key, pair[1]);
        }
        return dict;
      });
    case 'torch._utils._rebuild_tensor':
    case 'torch._utils._rebuild_tensor_v2':
      return callable((args) => rebuildTensor(args, bad));
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state':
      return callable((args) => {
        if (!isTensorRef(args[0] ?? null)) throw bad('expected a tensor');
        return args[0];
      });
    case 'torch._tensor._rebuild_from_type_v2':
      // How PyTorch 2 pickles a tensor that carries Python attributes: (rebuild_fn, tensor type, args, state).
      // Only an allow-listed rebuild function is ever called; the type and the attributes are dropped.
      return callable((args) => {
        const [rebuild, type, inner] = args;
        if (
          !isPickleCallable(rebuild ?? null) ||
          !isKind(type ?? null, 'tensor-type') ||
          !Array.isArray(inner)
        ) {
          throw bad('expected (rebuild function, tensor type, arguments, state)');
        }
        return (rebuild as PickleCallable).call(inner as PickleValue[]);
      });
    case 'torch.Tensor':
    case 'torch.nn.parameter.Parameter': {
      const type: PickleOpaque = { kind: 'tensor-type' };
      return type;
    }
    case 'builtins.set':
    case '__builtin__.set':
    case 'builtins.frozenset':
    case '__builtin__.frozenset':
      return callable((args) => {
        const set = new PickleSet();
        const items = args[0] ?? [];
        if (!Array.isArray(items)) throw bad('expected a list');
        for (const item of items as PickleValue[]) {
          if (typeof item === 'object' && item !== null) throw bad('unsupported set member');
          set.add(item);
        }
        return set;
      });
    case '_codecs.encode':
      // How protocol-2 pickles spell bytes objects: _codecs.encode('\x00\x01', 'latin1').
      return callable((args) => {
        const [text, encoding] = args;
        if (typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1')) {
          throw bad('only latin1-encoded byte strings are supported');
        }
        return new Uint8Array(Buffer.from(text, 'latin1'));
      });
    default: {
      if (!options.lenient || isHostile(module, name)) throw refusedGlobal(source, module, name);
      options.onInert?.(qualified);
      const inert: PickleInert = { kind: 'inert', qualifiedName: qualified };
      return inert;
    }
  }
}

function rebuildTensor(args: readonly PickleValue[], bad: (problem: string) => FaultlineError): TensorRef {
  const [storage, offset, shape, stride] = args;
  if (!isStorageRef(storage ?? null)) throw bad('expected a storage as the first argument');
  const ints = (value: PickleValue | undefined, what: string): number[] => {
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'number' || !Number.isInteger(v) || v < 0)) {
      throw bad(`expected a tuple of non-negative integers for ${what}`);
    }
    return value as number[];
  };
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) throw bad('bad storage offset');
  const dims = ints(shape, 'the size');
  const strides = ints(stride, 'the stride');
  if (dims.length !== strides.length) throw bad('size and stride have different lengths');
  const ref = storage as StorageRef;
  return {
    kind: 'tensor',
    storage: ref,
    dtype: ref.dtype,
    offset: offset + ref.elementOffset,
    shape: dims,
    stride: strides,
  };
}
