"""Exports a distillation candidate to ONNX + a faultline model spec.

ONNX: fp32, opset 17, input `input` [batch, 3, 224, 224] RGB in [0, 1] (ImageNet normalisation is inside the
graph), outputs `logits` [batch, 1000] (class order of imagenet_class_index.json), `features` [batch, 1280]
(global average pool of the last 1x1 conv, after its ReLU6), `feature_map` [batch, 1280, 7, 7].
Also writes parity.json: PyTorch outputs for 4 held-out photos, checked against onnxruntime-node by
check_onnx_parity.cjs.

    python export_onnx.py --method features --weights /tmp/faultline-distill/features/final.pt \
        --onnx ../../models/imagenet-robust-mobilenetv2.onnx --eval logs/eval-features.json --meta .../meta.json
"""
import argparse
import json
import os
import sys

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import SHARED, cached, splits  # noqa: E402
from evaluate import build, to_tensor  # noqa: E402


class Wrapper(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, input):  # noqa: A002 - the ONNX input name
        return self.net(input)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--method", choices=["teacher", "features", "denoiser"], required=True)
    p.add_argument("--weights")
    p.add_argument("--onnx", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--eval", help="evaluate.py's JSON, copied into the spec")
    p.add_argument("--meta", help="distill.py's meta.json, copied into the spec")
    p.add_argument("--train-eps", type=float, default=0.75)
    p.add_argument("--train-size", type=int, default=160)
    a = p.parse_args()
    model = build(a.method, a.weights).float().eval()
    wrapper = Wrapper(model).eval()
    dummy = torch.rand(1, 3, 224, 224)
    torch.onnx.export(
        wrapper, (dummy,), a.onnx, dynamo=False, opset_version=17, do_constant_folding=True,
        input_names=["input"], output_names=["logits", "features", "feature_map"],
        dynamic_axes={k: {0: "batch"} for k in ("input", "logits", "features", "feature_map")},
    )
    print(f"wrote {a.onnx}: {os.path.getsize(a.onnx)} bytes", flush=True)

    with open(os.path.join(SHARED, "data", "imagenet-labels", "imagenet_class_index.json")) as f:
        table = json.load(f)
    # The L2 ball grows with the square root of the pixel count: eps at 224 px = eps at the training size x 224/size.
    eps224 = round(a.train_eps * 224 / a.train_size, 4)
    spec = {
        "format": "faultline-model-spec/1",
        "name": a.name,
        "input": {"name": "input", "width": 224, "height": 224},
        "preprocess": {"mode": "crop", "resize": 256},
        "normalize": {"mean": [0, 0, 0], "std": [1, 1, 1]},
        "outputs": {"logits": "logits", "features": "features", "featureMap": "feature_map"},
        "robustness": {"norm": "L2", "eps": eps224, "size": 224, "trainedAt": {"eps": a.train_eps, "size": a.train_size}},
        "classes": [{"index": int(i), "wnid": w, "name": n} for i, (w, n) in sorted(table.items(), key=lambda kv: int(kv[0]))],
    }
    if a.meta:
        with open(a.meta) as f:
            spec["training"] = json.load(f)
    if a.eval:
        with open(a.eval) as f:
            spec["evaluation"] = json.load(f)
    spec_path = a.onnx[: -len(".onnx")] + ".json"
    with open(spec_path, "w") as f:
        json.dump(spec, f, indent=2)
        f.write("\n")
    print(f"wrote {spec_path}", flush=True)

    _, held = splits()
    images, _ = cached(held, "heldout", 256, 224)
    x = to_tensor(images[:4])
    with torch.no_grad():
        logits, features, fmap = model(x)
    # The input goes to /tmp as raw float32 (2.4 MB, not committed); the reference outputs go to logs/.
    x.numpy().astype("float32").tofile(f"/tmp/{a.name}-parity-input.f32")
    parity = {"images": [h[0].split("/shared/")[-1] for h in held[:4]], "input": f"/tmp/{a.name}-parity-input.f32",
              "logits": logits.tolist(), "features": features.tolist(), "feature_map_sum": fmap.sum(dim=(2, 3)).tolist()}
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "logs", f"{a.name}-parity.json"), "w") as f:
        json.dump(parity, f)


if __name__ == "__main__":
    main()
