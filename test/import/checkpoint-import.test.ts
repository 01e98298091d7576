/**
 * PyTorch checkpoint -> ONNX, end to end: imported fixtures reproduce PyTorch's outputs through onnxruntime (via
 * the same loader `faultline extract` uses), hostile pickles are refused without running anything, and damaged
 * files, wrong architectures and missing weights fail with errors that name the problem.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeatureGradient } from '../../src/explain/autodiff/session.js';
import { loadModel, runBatch } from '../../src/inference/model.js';
import { modelSpecSchema } from '../../src/inference/spec.js';
import { importCheckpoint } from '../../src/import/import-checkpoint.js';
import { inferTopology } from '../../src/import/resnet-arch.js';
import { buildResNetOnnx } from '../../src/import/resnet-onnx.js';
import { extractModelStateDict } from '../../src/import/state-dict.js';
import { readPickle } from '../../src/import/pickle-reader.js';
import { parseTorchCheckpoint, readTorchCheckpoint } from '../../src/import/torch-checkpoint.js';
import {
  DTYPE_BYTES,
  resolveTorchGlobal,
  type StorageRef,
  type TensorRef,
  type TorchDtype,
} from '../../src/import/torch-globals.js';
import { tensorToFloat32 } from '../../src/import/tensor-data.js';
import { openZip } from '../../src/import/zip-reader.js';
import { writeZip } from './zip-writer.js';
import { FaultlineError } from '../../src/shared/errors.js';
import { FIXTURES, readReference, referenceInput, relativeError } from './reference.js';

const MODEL_FIXTURES = [
  'resnet18-w4',
  'robust-bottleneck-w4-legacy',
  'wide-resnet50-2-w2-fp16',
  'resnet50-w2-bf16',
] as const;
/** Written by the malicious fixtures' payload if it ever ran. */
const MARKER = '/tmp/faultline-pwned-marker';
const TOLERANCE = 1e-4;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'faultline-import-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fixture = (name: string) => join(FIXTURES, name);

async function expectFaultline(promise: Promise<unknown>, pattern: RegExp): Promise<FaultlineError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FaultlineError);
  expect((error as FaultlineError).message).toMatch(pattern);
  return error as FaultlineError;
}

describe('importCheckpoint reproduces PyTorch', () => {
  it.each(MODEL_FIXTURES)('%s: logits, features and feature map within 1e-4 relative', async (name) => {
    const ref = readReference(name);
    const out = join(dir, `${name}.onnx`);
    const result = await importCheckpoint({
      checkpoint: fixture(`${name}.pt`),
      arch: ref.arch as 'auto',
      out,
      inputSize: ref.inputSize,
    });

    // The spec is what src/inference reads, and it names the model's real outputs.
    const spec: unknown = JSON.parse(readFileSync(result.specPath, 'utf8'));
    expect(modelSpecSchema.safeParse(spec).success).toBe(true);
    expect(result.spec.source.normalization.mean.map((v) => Math.fround(v))).toEqual(
      ref.mean.map((v) => Math.fround(v)),
    );

    const model = await loadModel(out, { role: 'robust', threads: 1 });
    expect(model.spec.outputs).toEqual({ logits: 'logits', features: 'features', featureMap: 'feature_map' });
    expect(model.spec.preprocess.mean).toEqual([0, 0, 0]);
    const outputs = await runBatch(model, referenceInput(ref), ref.batch, [
      'logits',
      'features',
      'feature_map',
    ]);
    await model.session.release();

    expect([...outputs.logits.dims]).toEqual(ref.logits.shape);
    expect([...outputs.features.dims]).toEqual(ref.features.shape);
    expect([...outputs.feature_map.dims]).toEqual(ref.featureMap.shape);
    const errors = {
      logits: relativeError(outputs.logits.data, ref.logits.data),
      features: relativeError(outputs.features.data, ref.features.data),
      featureMap: relativeError(outputs.feature_map.data, ref.featureMap.data),
    };
    expect(errors.logits).toBeLessThan(TOLERANCE);
    expect(errors.features).toBeLessThan(TOLERANCE);
    expect(errors.featureMap).toBeLessThan(TOLERANCE);
  });

  it('takes mean/std from the robustness normalizer and ignores the attacker copy', async () => {
    const checkpoint = await readTorchCheckpoint(fixture('robust-bottleneck-w4-legacy.pt'));
    expect(checkpoint.format).toBe('legacy');
    const stateDict = extractModelStateDict(checkpoint);
    expect(stateDict.wrapperKey).toBe('model');
    expect(stateDict.prefix).toBe('module.model.');
    expect(stateDict.normalization?.mean.map((v) => Number(v.toFixed(6)))).toEqual([0.5, 0.4, 0.3]);
    expect([...stateDict.tensors.keys()].some((k) => k.includes('attacker'))).toBe(false);
    expect(inferTopology(stateDict)).toMatchObject({
      block: 'bottleneck',
      layers: [1, 1, 1, 1],
      widthFactor: 1,
    });
  });

  it('lets --mean/--std override the stored normalisation, with a warning', async () => {
    const result = await importCheckpoint({
      checkpoint: fixture('robust-bottleneck-w4-legacy.pt'),
      arch: 'auto',
      out: join(dir, 'override.onnx'),
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      inputSize: 64,
    });
    expect(result.spec.source.normalization.from).toBe('options');
    expect(result.warnings.join('\n')).toMatch(/override the normalisation stored in the checkpoint/);
  });

  it('a big-endian zip checkpoint (byteorder "big") reads to the same tensors', () => {
    // Rewrite the float16 + int64 fixture as a big-endian machine would have saved it.
    const bytes = readFileSync(fixture('wide-resnet50-2-w2-fp16.pt'));
    const zip = openZip(bytes, 'le.pt');
    const names = [...zip.entries.keys()];
    const pickleName = names.find((n) => n.endsWith('/data.pkl')) ?? '';
    const prefix = pickleName.slice(0, -'data.pkl'.length);
    const dtypes = new Map<string, TorchDtype>();
    readPickle(zip.read(pickleName), 0, {
      source: 'le.pt',
      resolveGlobal: (module, name) => resolveTorchGlobal('le.pt', module, name),
      persistentLoad: (pid) => {
        const [, type, key] = pid as [string, { dtype: TorchDtype }, string];
        dtypes.set(key, type.dtype);
        return { kind: 'storage' };
      },
    });
    const swapped = names.map((name) => {
      let data = Uint8Array.from(zip.read(name));
      if (name === `${prefix}byteorder`) data = new TextEncoder().encode('big');
      const key = name.startsWith(`${prefix}data/`) ? name.slice(`${prefix}data/`.length) : undefined;
      const size = key === undefined ? undefined : DTYPE_BYTES[dtypes.get(key) ?? 'uint8'];
      if (size) for (let i = 0; i < data.length; i += size) data.subarray(i, i + size).reverse();
      return { name, data };
    });
    const little = extractModelStateDict(parseTorchCheckpoint(bytes, 'le.pt'));
    const big = extractModelStateDict(parseTorchCheckpoint(writeZip(swapped), 'be.pt'));
    expect([...big.tensors.keys()]).toEqual([...little.tensors.keys()]);
    for (const [key, tensor] of little.tensors) {
      const expected = tensorToFloat32(tensor, 'le.pt', key).data;
      expect(tensorToFloat32(big.tensors.get(key) as TensorRef, 'be.pt', key).data).toEqual(expected);
    }
  });
});

describe('the imported model in the attack autodiff', () => {
  it('gives the input gradient PyTorch autograd gives (robustness fixture, through "features")', async () => {
    const name = 'robust-bottleneck-w4-legacy';
    const ref = readReference(name);
    if (!ref.gradient) throw new Error('reference has no gradient');
    const out = join(dir, 'grad-model.onnx');
    await importCheckpoint({
      checkpoint: fixture(`${name}.pt`),
      arch: 'auto',
      out,
      inputSize: ref.inputSize,
    });
    const gradient = await FeatureGradient.open(out, { features: 'features', cacheDir: dir, threads: 1 });
    const image = referenceInput(ref).subarray(0, 3 * ref.inputSize * ref.inputSize);
    const width = gradient.featureCount;
    const selector = Float32Array.from({ length: width }, (_, j) => (((j * 3) % 7) - 3) / 3);
    const result = await gradient.run(image, selector);
    await gradient.release();
    const raw = Buffer.from(ref.gradient.float32Base64, 'base64');
    const expected = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    expect(relativeError(result.gradient, expected)).toBeLessThan(TOLERANCE);
  });
});

describe('hostile and damaged checkpoints', () => {
  it.each([
    ['malicious-os-system.pt', /refusing to load the Python global 'os\.system'/],
    ['malicious-eval-legacy.pt', /refusing to load the Python global 'builtins\.eval'/],
  ])('%s is refused, naming the global and the file, and nothing runs', async (name, pattern) => {
    rmSync(MARKER, { force: true });
    const error = await expectFaultline(
      importCheckpoint({ checkpoint: fixture(name), arch: 'resnet50', out: join(dir, 'evil.onnx') }),
      pattern,
    );
    expect(error.message).toContain(name);
    expect(existsSync(MARKER)).toBe(false);
    expect(existsSync(join(dir, 'evil.onnx'))).toBe(false);
  });

  it('hostile globals are refused in lenient mode too', async () => {
    rmSync(MARKER, { force: true });
    await expectFaultline(
      importCheckpoint({
        checkpoint: fixture('malicious-os-system.pt'),
        arch: 'resnet50',
        out: join(dir, 'evil.onnx'),
        lenient: true,
      }),
      /'os\.system'/,
    );
    expect(existsSync(MARKER)).toBe(false);
  });

  it('unknown objects outside the weights are refused by default, with a hint to --lenient', async () => {
    const error = await expectFaultline(
      importCheckpoint({
        checkpoint: fixture('with-training-args.pt'),
        arch: 'resnet50',
        out: join(dir, 'args.onnx'),
      }),
      /refusing to load the Python global 'cox\.utils\.Parameters'/,
    );
    expect(error.details?.hint).toMatch(/--lenient/);
  });

  it('--lenient reads them as inert placeholders and keeps the weights', async () => {
    const checkpoint = await readTorchCheckpoint(fixture('with-training-args.pt'), { lenient: true });
    expect(checkpoint.inertGlobals).toEqual(['argparse.Namespace', 'cox.utils.Parameters']);
    const stateDict = extractModelStateDict(checkpoint);
    expect([...stateDict.tensors.keys()]).toEqual(['conv1.weight']);
    // Past the pickle, the stub weights fail as what they are: not a ResNet.
    await expectFaultline(
      importCheckpoint({
        checkpoint: fixture('with-training-args.pt'),
        arch: 'resnet50',
        out: join(dir, 'args.onnx'),
        lenient: true,
      }),
      /not a torchvision ResNet state dict: no weights for layer1, layer2, layer3, layer4/,
    );
  });

  it('a truncated zip checkpoint names the file and says it is incomplete', async () => {
    const bytes = readFileSync(fixture('resnet18-w4.pt'));
    const cut = join(dir, 'cut.pt');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    await expectFaultline(
      importCheckpoint({ checkpoint: cut, arch: 'resnet18', out: join(dir, 'cut.onnx') }),
      /cut\.pt: truncated or damaged zip archive/,
    );
  });

  it('a truncated legacy checkpoint says which storage is cut short', () => {
    const bytes = readFileSync(fixture('robust-bottleneck-w4-legacy.pt'));
    expect(() => parseTorchCheckpoint(bytes.subarray(0, bytes.length - 100), 'short.pt')).toThrow(
      /short\.pt: checkpoint ends inside the data of storage \S+: the file is truncated/,
    );
  });

  it('an empty file and a non-checkpoint file are reported as such', () => {
    expect(() => parseTorchCheckpoint(new Uint8Array(0), 'empty.pt')).toThrow(
      /empty\.pt: the checkpoint file is empty/,
    );
    expect(() => parseTorchCheckpoint(new TextEncoder().encode('hello'), 'text.pt')).toThrow(
      /text\.pt: not a PyTorch checkpoint/,
    );
  });
});

describe('architecture and key errors', () => {
  it('a wrong --arch says what the checkpoint holds and which arch it is', async () => {
    const error = await expectFaultline(
      importCheckpoint({ checkpoint: fixture('resnet18-w4.pt'), arch: 'resnet50', out: join(dir, 'x.onnx') }),
      /--arch resnet50 expects Bottleneck blocks \[3, 4, 6, 3\] but the checkpoint holds BasicBlock blocks \[2, 2, 2, 2\] \(that is resnet18\)/,
    );
    expect(error.details?.hint).toBe('use --arch resnet18');
  });

  it('resnet50 and wide_resnet50_2 are told apart by the bottleneck width', async () => {
    await expectFaultline(
      importCheckpoint({
        checkpoint: fixture('resnet50-w2-bf16.pt'),
        arch: 'wide_resnet50_2',
        out: join(dir, 'x.onnx'),
      }),
      /expects Bottleneck blocks \[3, 4, 6, 3\], width x2 but the checkpoint holds Bottleneck blocks \[3, 4, 6, 3\] \(that is resnet50\)/,
    );
  });

  it('missing weights are all listed by their full key', async () => {
    const checkpoint = await readTorchCheckpoint(fixture('wide-resnet50-2-w2-fp16.pt'));
    const stateDict = extractModelStateDict(checkpoint);
    stateDict.tensors.delete('layer2.1.bn1.running_var');
    stateDict.tensors.delete('fc.bias');
    expect(() =>
      buildResNetOnnx(stateDict, {
        definition: { block: 'bottleneck', layers: [3, 4, 6, 3], widthFactor: 2, groups: 1 },
        normalization: { mean: [0, 0, 0], std: [1, 1, 1] },
        inputSize: 64,
        info: { producerName: 'test', producerVersion: '0' },
      }),
    ).toThrow(/lacks 2 weight\(s\) this ResNet needs: module\.layer2\.1\.bn1\.running_var, module\.fc\.bias/);
  });

  it('a state dict without a ResNet stem says what its keys look like', () => {
    // {'weight': tensor} where the tensor is a 1-element float storage: no conv1.weight anywhere.
    const pickle = Buffer.from(
      '\x80\x02}X\x06\x00\x00\x00weightctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpuK\x01tQK\x00K\x01\x85K\x01\x85\x89ccollections\nOrderedDict\n)RtRs.',
      'latin1',
    );
    const checkpoint = {
      source: 'other.pt',
      format: 'zip' as const,
      root: readBarePickle(pickle, 'other.pt'),
      inertGlobals: [],
    };
    expect(() => extractModelStateDict(checkpoint)).toThrow(
      /other\.pt: the state dict has no stem convolution 'conv1\.weight'.*first keys are: weight/,
    );
  });
});

/** Read a bare torch pickle (no zip around it) whose storages are stubs that are never large. */
function readBarePickle(bytes: Uint8Array, source: string) {
  return readPickle(bytes, 0, {
    source,
    resolveGlobal: (module, name) => resolveTorchGlobal(source, module, name),
    persistentLoad: () => {
      const storage: StorageRef = {
        kind: 'storage',
        key: '0',
        dtype: 'float32',
        elementOffset: 0,
        bytes: () => new Uint8Array(4),
      };
      return storage;
    },
  }).value;
}
