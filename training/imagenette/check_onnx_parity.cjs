// ONNX-vs-PyTorch parity check with onnxruntime-node (run from the repo, which has it in node_modules).
// usage: node training/imagenette/check_onnx_parity.cjs model.onnx input.npy onnx_parity_reference.json model-name
// input.npy: the float32 [4,3,128,128] tensor export_onnx.py saved to /tmp/faultline-train/parity_input_<name>.npy
const ort = require('onnxruntime-node');
const fs = require('fs');
(async () => {
  const [onnxPath, npyPath, refPath, name] = process.argv.slice(2);
  const buf = fs.readFileSync(npyPath);
  const hlen = buf.readUInt16LE(8);
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset + 10 + hlen, buf.byteOffset + buf.length));
  const n = data.length / (3 * 128 * 128);
  const s = await ort.InferenceSession.create(onnxPath, { intraOpNumThreads: 1 });
  const out = await s.run({ input: new ort.Tensor('float32', data, [n, 3, 128, 128]) });
  const ref = JSON.parse(fs.readFileSync(refPath, 'utf8')).models[name];
  let maxL = 0, maxF = 0, maxM = 0;
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < 8; j++) {
      maxL = Math.max(maxL, Math.abs(out.logits.data[k * 10 + j] - ref[k].logits8[j]));
      maxF = Math.max(maxF, Math.abs(out.features.data[k * 512 + j] - ref[k].features8[j]));
    }
    let sum = 0; for (let j = 0; j < 512 * 16; j++) sum += out.feature_map.data[k * 8192 + j];
    maxM = Math.max(maxM, Math.abs(sum - ref[k].featureMapSum) / Math.max(1, Math.abs(ref[k].featureMapSum)));
  }
  console.log(JSON.stringify({ model: name, outputs: Object.keys(out), dims: Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.dims])), maxAbsDiffLogits8: maxL, maxAbsDiffFeatures8: maxF, maxRelDiffFeatureMapSum: maxM }));
})().catch(e => { console.error(e); process.exit(1); });
