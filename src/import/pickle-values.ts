/**
 * The values a safe pickle read can produce. Python objects map to plain data: int -> number (bigint when it does
 * not fit a double exactly), str -> string, bytes -> Uint8Array, list and tuple -> arrays (tuples frozen),
 * dict / OrderedDict -> PickleDict, set / frozenset -> PickleSet. Anything else comes only from an allow-listed
 * global resolved by the caller (tensors, storages), never from running code named in the file.
 */

/** Keys a Python dict may have after reading: hashable scalars (tuple keys become their printed form). */
export type PickleKey = string | number | bigint | boolean | null;

/** A Python dict or OrderedDict, in insertion order. `attributes` holds a BUILD state (e.g. `_metadata`). */
export class PickleDict extends Map<PickleKey, PickleValue> {
  attributes: PickleValue = null;
}

/** A Python set or frozenset. */
export class PickleSet extends Set<PickleKey> {}

/**
 * Something the reader does not understand itself, produced by the caller's global resolver or persistent loader:
 * a tensor, a storage, a storage type. The reader only moves these around; the caller interprets them.
 */
export interface PickleOpaque {
  readonly kind: string;
}

/** An allow-listed callable: the reader calls `call` for REDUCE / NEWOBJ; it must be pure data construction. */
export interface PickleCallable extends PickleOpaque {
  readonly kind: 'callable';
  /** The global's dotted name, for error messages. */
  readonly qualifiedName: string;
  call(args: readonly PickleValue[]): PickleValue;
}

/**
 * A stand-in for a Python object the caller chose neither to interpret nor to refuse (lenient reading of objects
 * outside the weights, e.g. saved training arguments). Calling it, setting its state or adding items to it only
 * yields more inert values: nothing is ever executed.
 */
export interface PickleInert extends PickleOpaque {
  readonly kind: 'inert';
  /** The global it stands for, e.g. "cox.utils.Parameters". */
  readonly qualifiedName: string;
}

export function isPickleInert(value: PickleValue): value is PickleInert {
  return isOpaque(value) && value.kind === 'inert';
}

export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PickleValue[]
  | readonly PickleValue[]
  | PickleDict
  | PickleSet
  | PickleOpaque;

export function isPickleCallable(value: PickleValue): value is PickleCallable {
  return isOpaque(value) && value.kind === 'callable';
}

export function isOpaque(value: PickleValue): value is PickleOpaque {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array) &&
    !(value instanceof Map) &&
    !(value instanceof Set)
  );
}

/** Short description of a value for error messages ("dict", "list of 3", "tensor"). */
export function describePickleValue(value: PickleValue): string {
  if (value === null) return 'None';
  if (Array.isArray(value)) return `a sequence of ${value.length}`;
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (value instanceof PickleDict) return `a dict of ${value.size} keys`;
  if (value instanceof PickleSet) return `a set of ${value.size}`;
  if (isOpaque(value)) return value.kind;
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
