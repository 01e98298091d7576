/**
 * A safe reader for the subset of Python's pickle format (protocols 0-5) that PyTorch checkpoints use.
 *
 * Pickle is a small stack machine whose GLOBAL / REDUCE opcodes would normally import and call arbitrary Python
 * callables (os.system, builtins.eval, ...). Here every GLOBAL goes through the caller's `resolveGlobal`, which
 * returns inert data or a pure allow-listed constructor, or throws; REDUCE / NEWOBJ / BUILD only ever call those.
 * Nothing named in the file is executed, and a refused global stops the read at the GLOBAL opcode itself.
 */
import { FaultlineError, fileError } from '../shared/errors.js';
import {
  PickleDict,
  PickleSet,
  describePickleValue,
  isPickleCallable,
  isPickleInert,
  type PickleInert,
  type PickleKey,
  type PickleValue,
} from './pickle-values.js';

export interface PickleReadOptions {
  /** The file the bytes came from (every error names it). */
  source: string;
  /** Map a GLOBAL (module, name) to a value, or throw a FaultlineError refusing it. */
  resolveGlobal(module: string, name: string): PickleValue;
  /** Interpret a persistent id (PyTorch's storage tuples). Absent: persistent ids are refused. */
  persistentLoad?(pid: PickleValue): PickleValue;
}

export interface PickleReadResult {
  value: PickleValue;
  /** Offset just past the STOP opcode (legacy torch files hold several pickles back to back). */
  end: number;
}

/** Upper bound on memo entries; real checkpoints use a few per tensor, a hostile file could ask for billions. */
const MAX_MEMO = 50_000_000;

/** Marks the stack position of a MARK opcode. */
const MARK = Symbol('mark');
type StackItem = PickleValue | typeof MARK;

/** Read one pickle starting at `offset`. */
export function readPickle(bytes: Uint8Array, offset: number, options: PickleReadOptions): PickleReadResult {
  return new PickleMachine(bytes, offset, options).run();
}

class PickleMachine {
  private pos: number;
  private readonly stack: StackItem[] = [];
  private readonly memo = new Map<number, PickleValue>();
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    offset: number,
    private readonly options: PickleReadOptions,
  ) {
    this.pos = offset;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  run(): PickleReadResult {
    for (;;) {
      const at = this.pos;
      const op = this.u8();
      if (op === 0x2e /* . STOP */) {
        const value = this.pop(at);
        return { value, end: this.pos };
      }
      this.step(op, at);
    }
  }

  private fail(problem: string, at: number): FaultlineError {
    return fileError(this.options.source, `pickle data at byte ${at}: ${problem}`);
  }

  // ---- byte access -------------------------------------------------------------------------------------------

  private need(n: number): void {
    if (n < 0 || this.pos + n > this.bytes.length) {
      throw fileError(this.options.source, 'unexpected end of pickle data (file truncated or damaged)');
    }
  }
  private u8(): number {
    this.need(1);
    return this.bytes[this.pos++];
  }
  private u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  private u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  private i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  private u64(): number {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw this.fail('length field too large', this.pos - 8);
    return Number(v);
  }
  private take(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** A protocol-0 text argument: bytes up to (not including) the next newline. */
  private line(): string {
    const start = this.pos;
    let end = start;
    while (end < this.bytes.length && this.bytes[end] !== 0x0a) end++;
    if (end >= this.bytes.length) throw fileError(this.options.source, 'unexpected end of pickle data');
    this.pos = end + 1;
    return Buffer.from(this.bytes.subarray(start, end)).toString('latin1');
  }
  private utf8(n: number): string {
    return Buffer.from(this.take(n)).toString('utf8');
  }

  // ---- stack -------------------------------------------------------------------------------------------------

  private push(value: PickleValue): void {
    this.stack.push(value);
  }
  private pop(at: number): PickleValue {
    const item = this.stack.pop();
    if (item === undefined || item === MARK) throw this.fail('stack underflow', at);
    return item;
  }
  private top(at: number): PickleValue {
    const item = this.stack[this.stack.length - 1];
    if (item === undefined || item === MARK) throw this.fail('stack underflow', at);
    return item;
  }
  /** Pop everything above the last MARK, and the MARK. */
  private popMark(at: number): PickleValue[] {
    const markAt = this.stack.lastIndexOf(MARK);
    if (markAt < 0) throw this.fail('no MARK on the stack', at);
    const items = this.stack.splice(markAt) as StackItem[];
    items.shift();
    return items as PickleValue[];
  }
  private memoPut(index: number, at: number): void {
    if (this.memo.size >= MAX_MEMO && !this.memo.has(index)) throw this.fail('too many memo entries', at);
    this.memo.set(index, this.top(at));
  }
  private memoGet(index: number, at: number): void {
    if (!this.memo.has(index)) throw this.fail(`memo entry ${index} was never stored`, at);
    this.push(this.memo.get(index) as PickleValue);
  }

  // ---- opcodes -----------------------------------------------------------------------------------------------

  private step(op: number, at: number): void {
    switch (op) {
      case 0x80 /* PROTO */: {
        const protocol = this.u8();
        if (protocol > 5) throw this.fail(`unsupported pickle protocol ${protocol}`, at);
        return;
      }
      case 0x95 /* FRAME */:
        this.u64();
        return;
      case 0x28 /* ( MARK */:
        this.stack.push(MARK);
        return;
      case 0x30 /* 0 POP */:
        if (this.stack[this.stack.length - 1] === MARK) this.stack.pop();
        else this.pop(at);
        return;
      case 0x31 /* 1 POP_MARK */:
        this.popMark(at);
        return;
      case 0x32 /* 2 DUP */:
        this.push(this.top(at));
        return;

      // constants and numbers
      case 0x4e /* N NONE */:
        return this.push(null);
      case 0x88 /* NEWTRUE */:
        return this.push(true);
      case 0x89 /* NEWFALSE */:
        return this.push(false);
      case 0x4b /* K BININT1 */:
        return this.push(this.u8());
      case 0x4d /* M BININT2 */:
        return this.push(this.u16());
      case 0x4a /* J BININT */:
        return this.push(this.i32());
      case 0x8a /* LONG1 */:
        return this.push(decodeLong(this.take(this.u8())));
      case 0x8b /* LONG4 */: {
        const n = this.i32();
        if (n < 0) throw this.fail('negative LONG4 length', at);
        return this.push(decodeLong(this.take(n)));
      }
      case 0x47 /* G BINFLOAT */: {
        this.need(8);
        const v = this.view.getFloat64(this.pos, false);
        this.pos += 8;
        return this.push(v);
      }
      case 0x49 /* I INT */: {
        const text = this.line();
        if (text === '01') return this.push(true);
        if (text === '00') return this.push(false);
        return this.push(parseIntText(text, () => this.fail(`bad INT ${JSON.stringify(text)}`, at)));
      }
      case 0x4c /* L LONG */: {
        const text = this.line().replace(/L$/, '');
        return this.push(parseIntText(text, () => this.fail(`bad LONG ${JSON.stringify(text)}`, at)));
      }
      case 0x46 /* F FLOAT */: {
        const text = this.line();
        const v = Number(text);
        if (Number.isNaN(v) && !/nan/i.test(text)) throw this.fail(`bad FLOAT ${JSON.stringify(text)}`, at);
        return this.push(v);
      }

      // strings and bytes
      case 0x58 /* X BINUNICODE */:
        return this.push(this.utf8(this.u32()));
      case 0x8c /* SHORT_BINUNICODE */:
        return this.push(this.utf8(this.u8()));
      case 0x8d /* BINUNICODE8 */:
        return this.push(this.utf8(this.u64()));
      case 0x56 /* V UNICODE */:
        return this.push(decodeRawUnicodeEscape(this.line()));
      case 0x55 /* U SHORT_BINSTRING (Python 2 str) */:
        return this.push(Buffer.from(this.take(this.u8())).toString('latin1'));
      case 0x54 /* T BINSTRING */: {
        const n = this.i32();
        if (n < 0) throw this.fail('negative BINSTRING length', at);
        return this.push(Buffer.from(this.take(n)).toString('latin1'));
      }
      case 0x53 /* S STRING */:
        return this.push(decodePythonStringLiteral(this.line(), () => this.fail('bad STRING literal', at)));
      case 0x43 /* C SHORT_BINBYTES */:
        return this.push(this.take(this.u8()).slice());
      case 0x42 /* B BINBYTES */:
        return this.push(this.take(this.u32()).slice());
      case 0x8e /* BINBYTES8 */:
      case 0x96 /* BYTEARRAY8 */:
        return this.push(this.take(this.u64()).slice());

      // containers
      case 0x5d /* ] EMPTY_LIST */:
        return this.push([]);
      case 0x6c /* l LIST */:
        return this.push(this.popMark(at));
      case 0x29 /* ) EMPTY_TUPLE */:
        return this.push(Object.freeze([]));
      case 0x74 /* t TUPLE */:
        return this.push(Object.freeze(this.popMark(at)));
      case 0x85 /* TUPLE1 */: {
        const a = this.pop(at);
        return this.push(Object.freeze([a]));
      }
      case 0x86 /* TUPLE2 */: {
        const b = this.pop(at);
        const a = this.pop(at);
        return this.push(Object.freeze([a, b]));
      }
      case 0x87 /* TUPLE3 */: {
        const c = this.pop(at);
        const b = this.pop(at);
        const a = this.pop(at);
        return this.push(Object.freeze([a, b, c]));
      }
      case 0x7d /* } EMPTY_DICT */:
        return this.push(new PickleDict());
      case 0x64 /* d DICT */: {
        const dict = new PickleDict();
        setItems(dict, this.popMark(at), (p) => this.fail(p, at));
        return this.push(dict);
      }
      case 0x8f /* EMPTY_SET */:
        return this.push(new PickleSet());
      case 0x91 /* FROZENSET */: {
        const set = new PickleSet();
        for (const item of this.popMark(at)) set.add(toKey(item, (p) => this.fail(p, at)));
        return this.push(set);
      }
      case 0x61 /* a APPEND */: {
        const item = this.pop(at);
        appendTo(this.top(at), [item], (p) => this.fail(p, at));
        return;
      }
      case 0x65 /* e APPENDS */: {
        const items = this.popMark(at);
        appendTo(this.top(at), items, (p) => this.fail(p, at));
        return;
      }
      case 0x73 /* s SETITEM */: {
        const value = this.pop(at);
        const key = this.pop(at);
        setItems(this.top(at), [key, value], (p) => this.fail(p, at));
        return;
      }
      case 0x75 /* u SETITEMS */: {
        const items = this.popMark(at);
        setItems(this.top(at), items, (p) => this.fail(p, at));
        return;
      }
      case 0x90 /* ADDITEMS */: {
        const items = this.popMark(at);
        const set = this.top(at);
        if (isPickleInert(set)) return;
        if (!(set instanceof PickleSet)) throw this.fail(`ADDITEMS on ${describePickleValue(set)}`, at);
        for (const item of items) set.add(toKey(item, (p) => this.fail(p, at)));
        return;
      }

      // memo
      case 0x71 /* q BINPUT */:
        return this.memoPut(this.u8(), at);
      case 0x72 /* r LONG_BINPUT */:
        return this.memoPut(this.u32(), at);
      case 0x70 /* p PUT */:
        return this.memoPut(Number.parseInt(this.line(), 10), at);
      case 0x94 /* MEMOIZE */:
        return this.memoPut(this.memo.size, at);
      case 0x68 /* h BINGET */:
        return this.memoGet(this.u8(), at);
      case 0x6a /* j LONG_BINGET */:
        return this.memoGet(this.u32(), at);
      case 0x67 /* g GET */:
        return this.memoGet(Number.parseInt(this.line(), 10), at);

      // globals and calls: only through the caller's allow-list
      case 0x63 /* c GLOBAL */: {
        const module = this.line();
        const name = this.line();
        return this.push(this.options.resolveGlobal(module, name));
      }
      case 0x93 /* STACK_GLOBAL */: {
        const name = this.pop(at);
        const module = this.pop(at);
        if (typeof module !== 'string' || typeof name !== 'string') {
          throw this.fail('STACK_GLOBAL needs two strings', at);
        }
        return this.push(this.options.resolveGlobal(module, name));
      }
      case 0x52 /* R REDUCE */: {
        const args = this.pop(at);
        const callable = this.pop(at);
        return this.push(this.call(callable, args, at));
      }
      case 0x81 /* NEWOBJ */: {
        const args = this.pop(at);
        const cls = this.pop(at);
        return this.push(this.call(cls, args, at));
      }
      case 0x92 /* NEWOBJ_EX */: {
        const kwargs = this.pop(at);
        const args = this.pop(at);
        const cls = this.pop(at);
        if (!(kwargs instanceof PickleDict) || kwargs.size > 0) {
          throw this.fail('keyword arguments in NEWOBJ_EX are not supported', at);
        }
        return this.push(this.call(cls, args, at));
      }
      case 0x62 /* b BUILD */: {
        const state = this.pop(at);
        const target = this.top(at);
        if (target instanceof PickleDict) {
          target.attributes = state;
          return;
        }
        if (isPickleInert(target)) return;
        throw this.fail(`cannot set state on ${describePickleValue(target)}`, at);
      }
      case 0x51 /* Q BINPERSID */:
        return this.push(this.persistentLoad(this.pop(at), at));
      case 0x50 /* P PERSID */:
        return this.push(this.persistentLoad(this.line(), at));

      case 0x69 /* i INST */:
      case 0x6f /* o OBJ */:
        throw this.fail('protocol-0 object construction (INST/OBJ) is not allowed in a checkpoint', at);
      case 0x82 /* EXT1 */:
      case 0x83 /* EXT2 */:
      case 0x84 /* EXT4 */:
        throw this.fail('extension-registry globals (EXT1/2/4) are not allowed in a checkpoint', at);
      case 0x97 /* NEXT_BUFFER */:
      case 0x98 /* READONLY_BUFFER */:
        throw this.fail('out-of-band buffers are not supported', at);
      default:
        throw this.fail(`unknown opcode 0x${op.toString(16).padStart(2, '0')}`, at);
    }
  }

  private call(callable: PickleValue, args: PickleValue, at: number): PickleValue {
    if (isPickleInert(callable)) {
      const result: PickleInert = { kind: 'inert', qualifiedName: `${callable.qualifiedName}(...)` };
      return result;
    }
    if (!isPickleCallable(callable)) throw this.fail(`cannot call ${describePickleValue(callable)}`, at);
    if (!Array.isArray(args)) throw this.fail(`arguments of ${callable.qualifiedName} are not a tuple`, at);
    return callable.call(args);
  }

  private persistentLoad(pid: PickleValue, at: number): PickleValue {
    if (!this.options.persistentLoad) throw this.fail('persistent ids are not expected here', at);
    return this.options.persistentLoad(pid);
  }
}

// ---- helpers (pure) ----------------------------------------------------------------------------------------

function toKey(value: PickleValue, fail: (problem: string) => Error): PickleKey {
  if (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'bigint' ||
    typeof value === 'boolean'
  ) {
    return value;
  }
  if (isPickleInert(value)) return `<${value.qualifiedName}>`;
  // Tuple keys (rare in checkpoints) keep their printed form so nothing is silently merged.
  if (Array.isArray(value)) return `(${value.map((v) => String(toKey(v, fail))).join(', ')})`;
  throw fail(`unhashable dict key: ${describePickleValue(value)}`);
}

function setItems(target: PickleValue, items: PickleValue[], fail: (problem: string) => Error): void {
  if (isPickleInert(target)) return;
  if (!(target instanceof PickleDict)) throw fail(`SETITEM on ${describePickleValue(target)}`);
  if (items.length % 2 !== 0) throw fail('odd number of items for SETITEMS');
  for (let i = 0; i < items.length; i += 2) target.set(toKey(items[i], fail), items[i + 1]);
}

function appendTo(target: PickleValue, items: PickleValue[], fail: (problem: string) => Error): void {
  if (isPickleInert(target)) return;
  if (!Array.isArray(target) || Object.isFrozen(target))
    throw fail(`APPEND on ${describePickleValue(target)}`);
  (target as PickleValue[]).push(...items);
}

/** Little-endian two's-complement integer (LONG1 / LONG4); a number when exactly representable. */
export function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]);
  if (bytes[bytes.length - 1] & 0x80) value -= 1n << BigInt(bytes.length * 8);
  return narrow(value);
}

function narrow(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value;
}

function parseIntText(text: string, fail: () => Error): number | bigint {
  if (!/^[+-]?\d+$/.test(text.trim())) throw fail();
  return narrow(BigInt(text.trim()));
}

function decodeRawUnicodeEscape(text: string): string {
  return text.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, u4?: string, u8?: string) =>
    String.fromCodePoint(Number.parseInt(u4 ?? u8 ?? '0', 16)),
  );
}

/** A protocol-0 STRING argument: a quoted Python literal with backslash escapes. */
function decodePythonStringLiteral(text: string, fail: () => Error): string {
  const quote = text[0];
  if ((quote !== "'" && quote !== '"') || text[text.length - 1] !== quote || text.length < 2) throw fail();
  return text.slice(1, -1).replace(/\\(x[0-9a-fA-F]{2}|[0-7]{1,3}|.)/g, (_m, esc: string) => {
    if (esc[0] === 'x') return String.fromCharCode(Number.parseInt(esc.slice(1), 16));
    if (/^[0-7]+$/.test(esc)) return String.fromCharCode(Number.parseInt(esc, 8));
    const simple: Record<string, string> = { n: '\n', r: '\r', t: '\t', '\\': '\\', "'": "'", '"': '"' };
    return simple[esc] ?? `\\${esc}`;
  });
}
