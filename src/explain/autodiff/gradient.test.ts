import { describe, expect, it } from 'vitest';
import { FaultlineError } from '../../shared/errors.js';
import { gradCheck, tinyModel } from './gradcheck.js';
import { buildGradientModel } from './gradient.js';
import { DataType, makeNode, makeTensor, type NodeProto, type TensorProto } from './proto.js';

const F = DataType.FLOAT;
const D = DataType.DOUBLE;

function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
}

function randoms(count: number, seed: number, lo = -1, hi = 1): number[] {
  const r = rng(seed);
  return Array.from({ length: count }, () => lo + (hi - lo) * r());
}

/** Distinct values spaced 0.05 apart in random order, kept away from 0: no ties and no kinks within a step. */
function spaced(count: number, seed: number): number[] {
  const r = rng(seed);
  const values = Array.from({ length: count }, (_, i) => (i - count / 2 + 0.5) * 0.05);
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [values[i], values[j]] = [values[j], values[i]];
  }
  return values;
}

interface Case {
  name: string;
  nodes: NodeProto[];
  inits?: (type: number) => TensorProto[];
  shape: number[];
  features: string;
  type: number;
  x?: (count: number) => number[];
  h?: number;
}

const w = (name: string, shape: number[], seed: number, type = F) =>
  makeTensor(
    name,
    type,
    shape,
    randoms(
      shape.reduce((a, b) => a * b, 1),
      seed,
    ),
  );
const ints = (name: string, values: number[]) => makeTensor(name, DataType.INT64, [values.length], values);
const scalar = (name: string, type: number, v: number) => makeTensor(name, type, [], [v]);
const flatten = (from: string) => makeNode('Flatten', [from], ['f'], 'flat', { axis: 1 });

const cases: Case[] = [
  {
    name: 'Conv 3x3 pad 1',
    nodes: [makeNode('Conv', ['x', 'w', 'b'], ['y'], 'conv', { kernel_shape: [3, 3], pads: [1, 1, 1, 1] })],
    inits: () => [w('w', [4, 3, 3, 3], 1), w('b', [4], 2)],
    shape: [2, 3, 6, 6],
    features: 'y',
    type: F,
  },
  {
    name: 'Conv stride 2, asymmetric pads, odd input',
    nodes: [
      makeNode('Conv', ['x', 'w'], ['y'], 'conv', {
        kernel_shape: [3, 3],
        strides: [2, 2],
        pads: [1, 0, 0, 1],
      }),
    ],
    inits: () => [w('w', [4, 3, 3, 3], 3)],
    shape: [2, 3, 7, 8],
    features: 'y',
    type: F,
  },
  {
    name: 'Conv 7x7 stride 2 pad 3 (ResNet stem)',
    nodes: [
      makeNode('Conv', ['x', 'w'], ['y'], 'conv', {
        kernel_shape: [7, 7],
        strides: [2, 2],
        pads: [3, 3, 3, 3],
      }),
    ],
    inits: () => [w('w', [2, 3, 7, 7], 4)],
    shape: [1, 3, 10, 10],
    features: 'y',
    type: F,
  },
  {
    name: 'Conv dilated',
    nodes: [
      makeNode('Conv', ['x', 'w'], ['y'], 'conv', {
        kernel_shape: [3, 3],
        dilations: [2, 2],
        pads: [2, 1, 2, 1],
      }),
    ],
    inits: () => [w('w', [3, 2, 3, 3], 5)],
    shape: [2, 2, 7, 7],
    features: 'y',
    type: F,
  },
  {
    name: 'Conv grouped',
    nodes: [
      makeNode('Conv', ['x', 'w'], ['y'], 'conv', { kernel_shape: [3, 3], group: 2, pads: [1, 1, 1, 1] }),
    ],
    inits: () => [w('w', [6, 2, 3, 3], 6)],
    shape: [2, 4, 5, 5],
    features: 'y',
    type: F,
  },
  {
    name: 'Conv depthwise stride 2',
    nodes: [
      makeNode('Conv', ['x', 'w'], ['y'], 'conv', {
        kernel_shape: [3, 3],
        group: 4,
        strides: [2, 2],
        pads: [1, 1, 1, 1],
      }),
    ],
    inits: () => [w('w', [4, 1, 3, 3], 7)],
    shape: [2, 4, 6, 6],
    features: 'y',
    type: F,
  },
  {
    name: 'Conv auto_pad SAME_UPPER stride 2',
    nodes: [
      makeNode('Conv', ['x', 'w'], ['y'], 'conv', {
        kernel_shape: [3, 3],
        strides: [2, 2],
        auto_pad: 'SAME_UPPER',
      }),
    ],
    inits: () => [w('w', [2, 3, 3, 3], 8)],
    shape: [1, 3, 6, 6],
    features: 'y',
    type: F,
  },
  {
    name: 'Conv 1x1 stride 2 (downsample)',
    nodes: [makeNode('Conv', ['x', 'w'], ['y'], 'conv', { kernel_shape: [1, 1], strides: [2, 2] })],
    inits: () => [w('w', [5, 3, 1, 1], 9)],
    shape: [2, 3, 6, 6],
    features: 'y',
    type: F,
  },
  {
    name: 'BatchNormalization',
    nodes: [
      makeNode('BatchNormalization', ['x', 's', 'bb', 'm', 'v'], ['y'], 'bn', { epsilon: { float: 1e-3 } }),
      flatten('y'),
    ],
    inits: (t) => [
      w('s', [3], 1, t),
      w('bb', [3], 2, t),
      w('m', [3], 3, t),
      makeTensor('v', t, [3], [0.5, 1.5, 2]),
    ],
    shape: [2, 3, 3, 3],
    features: 'f',
    type: D,
  },
  {
    name: 'Relu',
    nodes: [makeNode('Relu', ['x'], ['y'], 'relu'), flatten('y')],
    shape: [2, 3, 4, 4],
    features: 'f',
    type: D,
    x: (n) => spaced(n, 3),
  },
  {
    name: 'Relu in float32 (HardSigmoid mask)',
    nodes: [makeNode('Relu', ['x'], ['y'], 'relu'), flatten('y')],
    shape: [2, 3, 4, 4],
    features: 'f',
    type: F,
    x: (n) => spaced(n, 3),
  },
  {
    name: 'Clip with min/max inputs (Relu6)',
    nodes: [
      makeNode('Mul', ['x', 'k'], ['z'], 'scale'),
      makeNode('Clip', ['z', 'lo', 'hi'], ['y'], 'clip'),
      flatten('y'),
    ],
    inits: (t) => [scalar('k', t, 10), scalar('lo', t, 0), scalar('hi', t, 6)],
    shape: [2, 2, 4, 4],
    features: 'f',
    type: D,
    x: (n) => spaced(n, 4).map((v) => v + 0.01),
  },
  {
    name: 'Clip with only a max input',
    nodes: [makeNode('Clip', ['x', '', 'hi'], ['y'], 'clip'), flatten('y')],
    inits: (t) => [scalar('hi', t, 0.2)],
    shape: [2, 2, 3, 3],
    features: 'f',
    type: D,
    x: (n) => spaced(n, 5).map((v) => v + 0.01),
  },
  {
    name: 'Add / Sub / Mul with broadcasting and a residual',
    nodes: [
      makeNode('Mul', ['x', 'c'], ['a'], 'mul_const'),
      makeNode('Add', ['a', 'x'], ['r'], 'residual'),
      makeNode('ReduceMean', ['x'], ['m'], 'mean', { axes: [1], keepdims: 1 }),
      makeNode('Sub', ['r', 'm'], ['s'], 'sub_broadcast'),
      makeNode('Mul', ['s', 'm'], ['p'], 'mul_broadcast'),
      flatten('p'),
    ],
    inits: (t) => [w('c', [3, 1, 1], 1, t)],
    shape: [2, 3, 3, 3],
    features: 'f',
    type: D,
  },
  {
    name: 'Div by constant and by a tensor',
    nodes: [
      makeNode('Div', ['x', 'c'], ['a'], 'div_const'),
      makeNode('Mul', ['x', 'x'], ['sq'], 'square'),
      makeNode('Add', ['sq', 'one'], ['den'], 'den'),
      makeNode('Div', ['a', 'den'], ['y'], 'div_tensor'),
      flatten('y'),
    ],
    inits: (t) => [makeTensor('c', t, [1, 3, 1, 1], [2, -4, 0.5]), scalar('one', t, 1)],
    shape: [2, 3, 2, 2],
    features: 'f',
    type: D,
  },
  {
    name: 'MaxPool 3x3 stride 2 pad 1 (overlapping windows)',
    nodes: [
      makeNode('MaxPool', ['x'], ['y'], 'pool', {
        kernel_shape: [3, 3],
        strides: [2, 2],
        pads: [1, 1, 1, 1],
      }),
      flatten('y'),
    ],
    shape: [2, 2, 7, 7],
    features: 'f',
    type: D,
    x: (n) => spaced(n, 6),
  },
  {
    name: 'MaxPool 2x2 ceil_mode',
    nodes: [
      makeNode('MaxPool', ['x'], ['y'], 'pool', { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 }),
      flatten('y'),
    ],
    shape: [1, 2, 5, 5],
    features: 'f',
    type: D,
    x: (n) => spaced(n, 7),
  },
  {
    name: 'AveragePool 3x3 stride 2 pad 1, count_include_pad 0',
    nodes: [
      makeNode('AveragePool', ['x'], ['y'], 'pool', {
        kernel_shape: [3, 3],
        strides: [2, 2],
        pads: [1, 1, 1, 1],
      }),
    ],
    shape: [2, 2, 7, 6],
    features: 'y',
    type: F,
  },
  {
    name: 'AveragePool 2x2 count_include_pad 1',
    nodes: [
      makeNode('AveragePool', ['x'], ['y'], 'pool', {
        kernel_shape: [2, 2],
        strides: [2, 2],
        pads: [1, 1, 1, 1],
        count_include_pad: 1,
      }),
    ],
    shape: [1, 2, 5, 5],
    features: 'y',
    type: F,
  },
  {
    name: 'GlobalAveragePool + Flatten + Gemm (classifier head)',
    nodes: [
      makeNode('GlobalAveragePool', ['x'], ['p'], 'gap'),
      makeNode('Flatten', ['p'], ['v'], 'flat', { axis: 1 }),
      makeNode('Gemm', ['v', 'W', 'c'], ['y'], 'fc', {
        transB: 1,
        alpha: { float: 0.7 },
        beta: { float: 2 },
      }),
    ],
    inits: () => [w('W', [5, 3], 1), w('c', [5], 2)],
    shape: [2, 3, 4, 4],
    features: 'y',
    type: F,
  },
  {
    name: 'Gemm with transA on a differentiable A and transB on a differentiable B',
    nodes: [
      makeNode('Flatten', ['x'], ['v'], 'flat', { axis: 1 }),
      makeNode('Transpose', ['v'], ['vt'], 'tr', { perm: [1, 0] }),
      makeNode('Gemm', ['vt', 'W1', 'c'], ['g1'], 'gemm1', { transA: 1, alpha: { float: 0.5 } }),
      makeNode('Gemm', ['W2', 'v'], ['g2'], 'gemm2', { transB: 1 }),
      makeNode('Transpose', ['g2'], ['g2t'], 'tr2', { perm: [1, 0] }),
      makeNode('Add', ['g1', 'g2t'], ['f'], 'add'),
    ],
    inits: (t) => [w('W1', [12, 5], 3, t), w('W2', [5, 12], 4, t), w('c', [5], 5, t)],
    shape: [2, 3, 2, 2],
    features: 'f',
    type: D,
  },
  {
    name: 'MatMul batched with broadcast weight and Reshape / Squeeze / Unsqueeze',
    nodes: [
      makeNode('Squeeze', ['x', 'ax1'], ['s'], 'sq'),
      makeNode('MatMul', ['s', 'W'], ['m'], 'mm'),
      makeNode('MatMul', ['m', 'm_t'], ['mm2'], 'mm2'),
      makeNode('Transpose', ['m'], ['m_t'], 'tr', { perm: [0, 2, 1] }),
      makeNode('Unsqueeze', ['mm2', 'ax1'], ['u'], 'unsq'),
      makeNode('Flatten', ['u'], ['f'], 'flat', { axis: 1 }),
    ].sort((a, b) => order(a.name ?? '') - order(b.name ?? '')),
    inits: (t) => [ints('ax1', [1]), w('W', [4, 3], 5, t)],
    shape: [2, 1, 3, 4],
    features: 'f',
    type: D,
  },
  {
    name: 'Concat along channels + Identity + Sigmoid / Tanh',
    nodes: [
      makeNode('Sigmoid', ['x'], ['a'], 'sig'),
      makeNode('Tanh', ['x'], ['b'], 'tanh'),
      makeNode('Identity', ['a'], ['ai'], 'id'),
      makeNode('Concat', ['ai', 'b', 'a'], ['y'], 'cat', { axis: 1 }),
      flatten('y'),
    ],
    shape: [2, 2, 2, 2],
    features: 'f',
    type: D,
  },
  {
    name: 'Shape -> Gather -> Unsqueeze -> Concat feeding Reshape (non-differentiable shape path)',
    nodes: [
      makeNode('Relu', ['x'], ['r'], 'relu'),
      makeNode('Shape', ['r'], ['sh'], 'shape'),
      makeNode('Gather', ['sh', 'zero'], ['n'], 'gather', { axis: 0 }),
      makeNode('Unsqueeze', ['n', 'ax0'], ['nu'], 'unsq'),
      makeNode('Concat', ['nu', 'minus1'], ['target'], 'cat', { axis: 0 }),
      makeNode('Reshape', ['r', 'target'], ['f'], 'reshape'),
    ],
    inits: () => [makeTensor('zero', DataType.INT64, [], [0]), ints('ax0', [0]), ints('minus1', [-1])],
    shape: [2, 3, 2, 2],
    features: 'f',
    type: D,
    x: (n) => spaced(n, 9),
  },
  {
    name: 'LeakyRelu / HardSigmoid / HardSwish',
    nodes: [
      makeNode('Mul', ['x', 'k'], ['z'], 'scale'),
      makeNode('LeakyRelu', ['z'], ['a'], 'leaky', { alpha: { float: 0.1 } }),
      makeNode('HardSigmoid', ['z'], ['b'], 'hsig'),
      makeNode('HardSwish', ['z'], ['c'], 'hswish'),
      makeNode('Sum', ['a', 'b', 'c'], ['y'], 'sum'),
      flatten('y'),
    ],
    inits: (t) => [scalar('k', t, 8)],
    shape: [2, 2, 3, 3],
    features: 'f',
    type: F,
    // z = 8x stays >= 0.048 away from the kinks at 0, +-2.5 and +-3 while a step moves it by 0.016
    x: (n) => spaced(n, 10).map((v) => v + 0.031),
    h: 2e-3,
  },
  {
    name: 'Pad (constant) / ReduceSum / Neg / Dropout',
    nodes: [
      makeNode('Pad', ['x', 'pads', 'padValue'], ['p'], 'pad'),
      makeNode('Neg', ['p'], ['n'], 'neg'),
      makeNode('Dropout', ['n'], ['d'], 'dropout'),
      makeNode('ReduceSum', ['d', 'ax'], ['s'], 'rsum', { keepdims: 0 }),
      makeNode('Mul', ['s', 's'], ['sq'], 'square'),
      flatten('sq'),
    ],
    inits: (t) => [ints('pads', [0, 0, 1, 2, 0, 1, 0, 1]), scalar('padValue', t, 0.5), ints('ax', [2])],
    shape: [2, 3, 3, 2],
    features: 'f',
    type: D,
  },
  {
    name: '4-D feature map pooled to [N,D]',
    nodes: [makeNode('Conv', ['x', 'w'], ['y'], 'conv', { kernel_shape: [3, 3] })],
    inits: () => [w('w', [4, 2, 3, 3], 11)],
    shape: [2, 2, 5, 5],
    features: 'y',
    type: F,
  },
];

function order(name: string): number {
  return ['sq', 'mm', 'tr', 'mm2', 'unsq', 'flat'].indexOf(name);
}

describe('autodiff gradient vs central finite differences', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const count = c.shape.reduce((a, b) => a * b, 1);
      const x = c.x ? c.x(count) : randoms(count, 42);
      const model = tinyModel({
        nodes: c.nodes.map((n) => ({ ...n })),
        initializers: c.inits?.(c.type) ?? [],
        inputShape: c.shape,
        features: c.features,
        dataType: c.type,
      });
      const h = c.h ?? (c.type === D ? 1e-6 : 1e-2);
      const { relativeError, analytic } = await gradCheck(model, x, c.shape, { features: c.features }, h);
      expect(analytic.some((v) => v !== 0)).toBe(true);
      expect(relativeError).toBeLessThan(c.type === D ? 1e-7 : 1e-3);
    });
  }
});

describe('old-opset graphs are upgraded before differentiation', () => {
  it('opset 7: BatchNormalization(spatial), Clip/Pad/Slice attributes, Dropout(ratio)', async () => {
    const shape = [2, 2, 4, 4];
    const model = tinyModel({
      nodes: [
        makeNode('BatchNormalization', ['x', 's', 'b', 'm', 'v'], ['bn'], 'bn', { spatial: 1 }),
        makeNode('Clip', ['bn'], ['c'], 'clip', { min: { float: -0.5 }, max: { float: 0.8 } }),
        makeNode('Pad', ['c'], ['p'], 'pad', { pads: [0, 0, 1, 0, 0, 0, 0, 2], value: { float: 0.25 } }),
        makeNode('Dropout', ['p'], ['d'], 'dropout', { ratio: { float: 0.3 } }),
        makeNode('Slice', ['d'], ['sl'], 'slice', { starts: [1, 0], ends: [4, 5], axes: [2, 3] }),
        makeNode('Conv', ['sl', 'w'], ['y'], 'conv', { kernel_shape: [2, 2] }),
      ],
      initializers: [
        makeTensor('s', F, [2], [1, 1]),
        makeTensor('b', F, [2], [0, 0]),
        makeTensor('m', F, [2], [0, 0]),
        makeTensor('v', F, [2], [1, 1]),
        w('w', [3, 2, 2, 2], 12),
      ],
      inputShape: shape,
      features: 'y',
      opset: 7,
    });
    const x = spaced(64, 13).map((v) => v + 0.013);
    const { relativeError } = await gradCheck(model, x, shape, { features: 'y' }, 5e-3);
    expect(relativeError).toBeLessThan(1e-3);
  });

  it('refuses graphs older than opset 7', async () => {
    const model = tinyModel({
      nodes: [makeNode('Relu', ['x'], ['y'], 'r')],
      inputShape: [1, 2],
      features: 'y',
      opset: 6,
    });
    await expect(buildGradientModel(model, { features: 'y', inputShape: [1, 2] })).rejects.toThrow(/opset 6/);
  });
});

describe('autodiff errors', () => {
  it('names the op type and node of an unsupported differentiable op', async () => {
    const model = tinyModel({
      nodes: [
        makeNode('Erf', ['x'], ['y'], 'my_erf'),
        makeNode('Flatten', ['y'], ['f'], 'flat', { axis: 1 }),
      ],
      inputShape: [1, 2, 2, 2],
      features: 'f',
    });
    const error = await buildGradientModel(model, { features: 'f', inputShape: [1, 2, 2, 2] }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FaultlineError);
    expect((error as Error).message).toMatch(/Erf node "my_erf"/);
  });

  it('rejects a features tensor that does not exist', async () => {
    const model = tinyModel({
      nodes: [makeNode('Relu', ['x'], ['y'], 'r')],
      inputShape: [1, 2],
      features: 'y',
    });
    await expect(buildGradientModel(model, { features: 'nope', inputShape: [1, 2] })).rejects.toThrow(
      /no tensor named "nope"/,
    );
  });
});
