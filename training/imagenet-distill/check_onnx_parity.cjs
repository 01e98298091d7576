// ONNX (onnxruntime-node) vs PyTorch outputs of an exported distillation candidate, on the 4 held-out photos that
// export_onnx.py wrote to /tmp. Run from the repository (onnxruntime-node is in node_modules):
//   node training/imagenet-distill/check_onnx_parity.cjs models/NAME.onnx training/imagenet-distill/logs/NAME-parity.json
const ort = require('onnxruntime-node');
const fs = require('fs');
(async () => {
  const [onnxPath, refPath] = process.argv.slice(2);
  const ref = JSON.parse(fs.readFileSync(refPath, 'utf8'));
  const buf = fs.readFileSync(ref.input);
  const data = new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4);
  const n = ref.logits.length;
  const session = await ort.InferenceSession.create(onnxPath, { intraOpNumThreads: 1 });
  const out = await session.run({ input: new ort.Tensor('float32', data, [n, 3, 224, 224]) });
  const maxDiff = (got, want) => {
    let m = 0;
    const flat = want.flat();
    for (let i = 0; i < flat.length; i++) m = Math.max(m, Math.abs(got[i] - flat[i]));
    return m;
  };
  const [, c, h, w] = out.feature_map.dims;
  const sums = new Float32Array(n * c);
  for (let k = 0; k < n * c; k++) for (let j = 0; j < h * w; j++) sums[k] += out.feature_map.data[k * h * w + j];
  console.log(JSON.stringify({
    model: onnxPath,
    dims: Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.dims])),
    maxAbsDiffLogits: maxDiff(out.logits.data, ref.logits),
    maxAbsDiffFeatures: maxDiff(out.features.data, ref.features),
    maxAbsDiffFeatureMapSums: maxDiff(sums, ref.feature_map_sum),
  }));
})().catch((e) => { console.error(e); process.exit(1); });
