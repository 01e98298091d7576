import { describe, expect, it } from 'vitest';
import { FaultlineError } from '../shared/errors.js';
import { decodeLong, readPickle } from './pickle-reader.js';
import { PickleDict, PickleSet, type PickleValue } from './pickle-values.js';
import { resolveTorchGlobal } from './torch-globals.js';

/** Pickle bytes from opcode strings and byte arrays, written by hand (nothing is ever pickled from Python). */
function bytes(...parts: (string | ArrayLike<number>)[]): Uint8Array {
  return Uint8Array.from(
    parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : Array.from(p))),
  );
}
const u32 = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >> 24) & 0xff];
const unicode = (s: string) => bytes('X', u32(Buffer.byteLength(s)), Buffer.from(s, 'utf8'));

function read(data: Uint8Array): PickleValue {
  return readPickle(data, 0, {
    source: 'test.pt',
    resolveGlobal: (module, name) => resolveTorchGlobal('test.pt', module, name),
  }).value;
}

function refusal(data: Uint8Array): FaultlineError {
  try {
    read(data);
  } catch (error) {
    if (error instanceof FaultlineError) return error;
    throw error;
  }
  throw new Error('expected the pickle to be refused');
}

describe('readPickle', () => {
  it('reads protocol-2 containers, numbers and strings', () => {
    // {'a': [1, 300, -2, 1.5, None, True], 'b': (u'é',)}
    const data = bytes(
      '\x80\x02}q\x00(',
      unicode('a'),
      ']q\x01(K\x01M\x2c\x01J',
      [0xfe, 0xff, 0xff, 0xff],
      'G',
      [0x3f, 0xf8, 0, 0, 0, 0, 0, 0],
      'N\x88e',
      unicode('b'),
      unicode('é'),
      '\x85u.',
    );
    const value = read(data) as PickleDict;
    expect(value).toBeInstanceOf(PickleDict);
    expect(value.get('a')).toEqual([1, 300, -2, 1.5, null, true]);
    expect(value.get('b')).toEqual(['é']);
  });

  it('resolves memo references (BINPUT / BINGET and MEMOIZE)', () => {
    const data = bytes('\x80\x04]\x94', '\x8c\x01x\x94', '0h\x01h\x01\x86\x94a.');
    expect(read(data)).toEqual([['x', 'x']]);
  });

  it('builds OrderedDicts with their _metadata state, sets and latin1 bytes', () => {
    const data = bytes(
      '\x80\x02ccollections\nOrderedDict\n)R(',
      unicode('k'),
      'K\x07u}',
      unicode('_metadata'),
      'K\x01sb',
      'c__builtin__\nset\n]K\x01aK\x02a\x85R',
      '\x86',
      'c_codecs\nencode\n',
      unicode('\u00ff\u0001'),
      unicode('latin1'),
      '\x86R\x86.',
    );
    const [[dict, set], raw] = read(data) as [[PickleDict, PickleSet], Uint8Array];
    expect([...dict]).toEqual([['k', 7]]);
    expect(dict.attributes).toBeInstanceOf(PickleDict);
    expect([...set]).toEqual([1, 2]);
    expect([...raw]).toEqual([0xff, 0x01]);
  });

  it('unwraps torch._tensor._rebuild_from_type_v2 (tensors with Python attributes) without calling anything else', () => {
    // _rebuild_from_type_v2(_rebuild_parameter, torch.Tensor, (<tensor>, False, OrderedDict()), {})
    const storage = {
      kind: 'storage',
      key: '0',
      dtype: 'float32',
      elementOffset: 0,
      bytes: () => new Uint8Array(4),
    };
    const data = bytes(
      '\x80\x02ctorch._tensor\n_rebuild_from_type_v2\n(ctorch._utils\n_rebuild_parameter\nctorch\nTensor\n',
      'ctorch._utils\n_rebuild_tensor_v2\n(',
      unicode('pid'),
      'Q',
      'K\x00K\x01\x85K\x01\x85\x89ccollections\nOrderedDict\n)RtR',
      '\x89ccollections\nOrderedDict\n)R\x87}tR.',
    );
    const value = readPickle(data, 0, {
      source: 'test.pt',
      resolveGlobal: (module, name) => resolveTorchGlobal('test.pt', module, name),
      persistentLoad: () => storage as PickleValue,
    }).value;
    expect(value).toMatchObject({ kind: 'tensor', shape: [1], stride: [1], offset: 0 });
  });

  it('decodes LONG1 integers, including ones beyond 2^53', () => {
    expect(decodeLong(Uint8Array.from([0xff]))).toBe(-1);
    expect(decodeLong(Uint8Array.from([0x00, 0x01]))).toBe(256);
    expect(decodeLong(Uint8Array.from([0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]))).toBe(
      0x1950a86a20f9469cfc6cn,
    );
  });

  it.each([
    ['os', 'system'],
    ['posix', 'system'],
    ['builtins', 'eval'],
    ['builtins', 'exec'],
    ['__builtin__', 'getattr'],
    ['subprocess', 'Popen'],
    ['torch.storage', '_load_from_bytes'],
    ['argparse', 'Namespace'],
  ])('refuses GLOBAL %s.%s, naming it and the file', (module, name) => {
    const error = refusal(bytes(`\x80\x02c${module}\n${name}\n`, unicode('touch /tmp/x'), '\x85R.'));
    expect(error.message).toContain(`'${module}.${name}'`);
    expect(error.message).toContain('test.pt');
    expect(error.message).toContain('nothing in the file was executed');
  });

  it('refuses a global spelled with STACK_GLOBAL (protocol 4)', () => {
    const error = refusal(
      bytes('\x80\x04', '\x8c\x02os\x94', '\x8c\x06system\x94', '\x93\x94', unicode('id'), '\x85R.'),
    );
    expect(error.message).toContain("'os.system'");
  });

  it('in lenient mode, reads unknown globals as inert values that absorb calls, state and items', () => {
    const names: string[] = [];
    // [cox.utils.Parameters(*()) with BUILD {'a': 1}, 7]
    const data = bytes('\x80\x02]q\x00(ccox.utils\nParameters\n)\x81}', unicode('a'), 'K\x01sbK\x07e.');
    const value = readPickle(data, 0, {
      source: 'test.pt',
      resolveGlobal: (module, name) =>
        resolveTorchGlobal('test.pt', module, name, { lenient: true, onInert: (n) => names.push(n) }),
    }).value as PickleValue[];
    expect(value[0]).toEqual({ kind: 'inert', qualifiedName: 'cox.utils.Parameters(...)' });
    expect(value[1]).toBe(7);
    expect(names).toEqual(['cox.utils.Parameters']);
  });

  it('refuses INST / OBJ and extension-registry opcodes', () => {
    expect(refusal(bytes('(ios\nsystem\n.')).message).toMatch(/INST\/OBJ/);
    expect(refusal(bytes('\x80\x02\x82\x01.')).message).toMatch(/EXT1/);
  });

  it('refuses calling something that is not an allow-listed callable', () => {
    expect(refusal(bytes('\x80\x02', unicode('x'), ')R.')).message).toMatch(/cannot call/);
  });

  it('reports truncated data and stack underflow with the file name', () => {
    expect(refusal(bytes('\x80\x02X', u32(100), 'abc')).message).toMatch(
      /test\.pt: unexpected end of pickle data/,
    );
    expect(refusal(bytes('\x80\x02a.')).message).toMatch(/test\.pt: pickle data at byte 2: stack underflow/);
    expect(refusal(bytes('\x80\x02\xff')).message).toMatch(/unknown opcode 0xff/);
  });
});
