"""Export a trained checkpoint to ONNX (fp32, opset 17, legacy TorchScript exporter) plus its faultline spec JSON.

  python training/imagenette/export_onnx.py --ckpt /tmp/faultline-train/robust/final.pt \
      --onnx models/imagenette-robust-resnet18.onnx

Input `input` [batch,3,128,128] RGB in [0,1]; outputs `logits` [batch,10], `features` [batch,512]
(global average pool of layer4), `feature_map` [batch,512,4,4] (layer4 output).
Also records PyTorch outputs for 4 fixed val images to training/imagenette/onnx_parity_reference.json.
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
PARITY_PATHS_N = 4


def train_command(args):
    cmd = (f"python training/imagenette/train_robust.py --mode {args['mode']} --epochs {args['epochs']}"
           + (f" --eps {args['eps']}" if args["mode"] == "robust" else "")
           + f" --seed {args['seed']} --out /tmp/faultline-train/{args['mode']} --resume")
    return cmd


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--onnx", required=True)
    ap.add_argument("--max-mb", type=float, default=45.0)
    ap.add_argument("--parity-ref", default=os.path.join(HERE, "onnx_parity_reference.json"))
    a = ap.parse_args()
    torch.set_num_threads(2)
    ck = torch.load(a.ckpt, map_location="cpu", weights_only=False)
    targs = ck["args"]
    model = common.ResNet18(10)
    model.load_state_dict(ck["model"])
    model.eval()
    wrapper = common.ExportWrapper(model).eval()
    dummy = torch.rand(2, 3, common.INPUT_SIZE, common.INPUT_SIZE)
    os.makedirs(os.path.dirname(os.path.abspath(a.onnx)), exist_ok=True)
    torch.onnx.export(
        wrapper, (dummy,), a.onnx, dynamo=False, opset_version=17, do_constant_folding=True,
        input_names=["input"], output_names=["logits", "features", "feature_map"],
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}, "features": {0: "batch"},
                      "feature_map": {0: "batch"}},
    )
    size = os.path.getsize(a.onnx)
    print(f"wrote {a.onnx}: {size} bytes ({size / 1e6:.2f} MB)", flush=True)
    if size > a.max_mb * 1e6:
        print(f"WARNING: {a.onnx} is over {a.max_mb} MB", flush=True)
    try:
        import onnx

        m = onnx.load(a.onnx)
        onnx.checker.check_model(m)
        print("onnx.checker ok; inputs", [(i.name, [d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim]) for i in m.graph.input],
              "outputs", [(o.name, [d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim]) for o in m.graph.output], flush=True)
    except ImportError:
        print("python onnx not importable: skipped onnx.checker", flush=True)

    # faultline spec JSON (accuracy fields are filled by evaluate.py)
    name = os.path.splitext(os.path.basename(a.onnx))[0]
    spec_path = os.path.splitext(a.onnx)[0] + ".json"
    old = {}
    if os.path.exists(spec_path):
        with open(spec_path) as f:
            old = json.load(f)
    training = {
        "script": "training/imagenette/train_robust.py",
        "command": ck.get("command") or train_command(targs),
        "mode": targs["mode"],
        "epochs": ck["summary"]["epochs"] if "summary" in ck else targs["epochs"],
    }
    if targs["mode"] == "robust":
        training.update({"eps": targs["eps"], "norm": "L2", "pgdSteps": targs["pgd_steps"]})
    training.update({
        "seed": targs["seed"],
        "steps": ck.get("summary", {}).get("steps"),
        "batchSize": targs["batch_size"],
        "dataSha256": common.sha256_file(common.labels_csv_path()),
        "cleanValAccuracy": old.get("training", {}).get("cleanValAccuracy"),
        "adversarialValAccuracy": old.get("training", {}).get("adversarialValAccuracy"),
        "attack": old.get("training", {}).get("attack", "L2 PGD eps 1.5, 10 steps, step 2.5*eps/10"),
    })
    spec = {
        "format": "faultline-model-spec/1",
        "name": name,
        "input": {"name": "input", "width": common.INPUT_SIZE, "height": common.INPUT_SIZE},
        "preprocess": {"mode": "resize"},
        "normalize": {"mean": [0, 0, 0], "std": [1, 1, 1]},
        "outputs": {"logits": "logits", "features": "features", "featureMap": "feature_map"},
        "classes": [{"index": c["index"], "wnid": c["wnid"], "name": c["name"]} for c in common.class_list()],
        "training": training,
    }
    with open(spec_path, "w") as f:
        json.dump(spec, f, indent=2)
        f.write("\n")
    print(f"wrote {spec_path}", flush=True)

    # PyTorch reference outputs of 4 fixed val images (for an ONNX parity check from Node)
    xv, yv, paths = common.load_split("val")
    pick = [0, 1000, 2000, 3000]
    x = common.to_float(xv[pick])
    with torch.no_grad():
        logits, feats, fmap = model.forward_all(x)
    ref_path = a.parity_ref
    ref = {}
    if os.path.exists(ref_path):
        with open(ref_path) as f:
            ref = json.load(f)
    ref["about"] = ("PyTorch fp32 outputs for 4 fixed Imagenette val images, preprocessed as the cache does "
                    "(PIL Lanczos plain resize 224->128, RGB/255). Paths are relative to ../shared/data/imagenette. "
                    "An ONNX run of the same pixel tensors should match to ~1e-4; sharp's resize differs slightly, "
                    "so compare with a looser tolerance when decoding with sharp.")
    ref.setdefault("models", {})[name] = [
        {"path": paths[i], "label": int(yv[i]),
         "logits8": [round(v, 6) for v in logits[k, :8].tolist()],
         "features8": [round(v, 6) for v in feats[k, :8].tolist()],
         "featureMapSum": round(float(fmap[k].sum()), 4),
         "inputSum": round(float(x[k].sum()), 4)}
        for k, i in enumerate(pick)]
    with open(ref_path, "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")
    print(f"wrote {ref_path}", flush=True)
    # raw input tensors for exact parity checks outside Python (not committed: /tmp)
    import numpy as np
    np.save(f"/tmp/faultline-train/parity_input_{name}.npy", x.numpy())


if __name__ == "__main__":
    main()
