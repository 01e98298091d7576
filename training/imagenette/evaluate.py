"""Evaluate the exported Imagenette models: clean val accuracy (all 3,925 val images, plain resize to 128)
and L2 PGD accuracy (10 steps, step 2.5*eps/10, random start) at eps 1.5 and 0.5 on a fixed seeded val subset.

  python training/imagenette/evaluate.py --adv-subset 250 --seed 0

PyTorch with bf16 autocast (weights fp32; --fp32 for full precision), model in eval mode.
Writes training/imagenette/logs/eval.json and fills the accuracy fields of models/imagenette-<mode>-resnet18.json.
Also runs check_onnx_parity.cjs (onnxruntime-node) when node and the package are available.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def log(msg):
    print(time.strftime("%H:%M:%S"), msg, flush=True)


@torch.no_grad()
def predict(model, x, bf16=True, bs=100):
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
        return torch.cat([model(x[i:i + bs]).argmax(1) for i in range(0, len(x), bs)])


def load_model(ckpt_dir, mode):
    ck = torch.load(os.path.join(ckpt_dir, mode, "final.pt"), map_location="cpu", weights_only=False)
    model = common.ResNet18(10)
    model.load_state_dict(ck["model"])
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return model, ck


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--modes", default="robust,standard")
    ap.add_argument("--ckpt-dir", default="/tmp/faultline-train")
    ap.add_argument("--adv-subset", type=int, default=250, help="0 = all val images")
    ap.add_argument("--eps", default="1.5,0.5")
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--fp32", action="store_true", help="fp32 everywhere (default: bf16 autocast, 3.5x faster here)")
    ap.add_argument("--clean-limit", type=int, default=0, help="smoke test only: clean accuracy on the first N val images")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    bf16 = not a.fp32
    xv_u8, yv_np, paths = common.load_split("val")
    if a.clean_limit:
        xv_u8, yv_np = xv_u8[: a.clean_limit], yv_np[: a.clean_limit]
    xv, yv = common.to_float(xv_u8), torch.from_numpy(yv_np)
    n_adv = min(a.adv_subset or len(xv), len(xv))
    sub = np.sort(np.random.RandomState(a.seed).permutation(len(xv))[:n_adv])
    eps_list = [float(e) for e in a.eps.split(",")]
    modes = a.modes.split(",")
    results = {"valImages": len(xv), "advSubset": {"size": int(n_adv), "seed": a.seed,
               "how": "np.sort(np.random.RandomState(seed).permutation(3925)[:size]) over the val split in labels.csv order"},
               "attack": {"norm": "L2", "steps": a.steps, "stepSize": "2.5*eps/steps", "randomStart": True,
                          "modelMode": "eval", "space": "RGB [0,1] at 128x128",
                          "precision": "bf16 autocast (weights fp32)" if bf16 else "fp32"},
               "dataSha256": common.sha256_file(common.labels_csv_path()), "models": {}}
    out_path = os.path.join(HERE, "logs", "eval.json")

    def write():
        with open(out_path, "w") as f:
            json.dump(results, f, indent=1)
            f.write("\n")

    def update_spec(mode):
        r = results["models"][mode]
        spec_path = os.path.join(ROOT, "models", f"imagenette-{mode}-resnet18.json")
        if not os.path.exists(spec_path):
            return
        with open(spec_path) as f:
            spec = json.load(f)
        spec["training"]["cleanValAccuracy"] = r.get("cleanValAccuracy")
        spec["training"]["adversarialValAccuracy"] = r["adversarial"].get("1.5", {}).get("accuracy")
        spec["training"]["attack"] = (f"L2 PGD eps 1.5, {a.steps} steps, step 2.5*eps/{a.steps}, random start; "
                                      f"on {n_adv} seeded val images" + ("" if n_adv == len(xv) else f" of {len(xv)}")
                                      + f"; clean accuracy on all {len(xv)} val images")
        with open(spec_path, "w") as f:
            json.dump(spec, f, indent=2)
            f.write("\n")

    models = {}
    # most important numbers first, eval.json rewritten after each, so a cut-short run still leaves results
    tasks = [(m, "clean") for m in modes] + [(m, eps_list[0]) for m in modes] + [(m, e) for e in eps_list[1:] for m in modes]
    for mode, what in tasks:
        if mode not in models:
            models[mode] = load_model(a.ckpt_dir, mode)
            results["models"][mode] = {"trainSummary": models[mode][1].get("summary"),
                                       "trainCommand": models[mode][1].get("command"), "adversarial": {}}
        model = models[mode][0]
        r = results["models"][mode]
        t0 = time.time()
        if what == "clean":
            pred = predict(model, xv, bf16)
            clean = (pred == yv).float().mean().item()
            r["cleanValAccuracy"] = round(clean, 4)
            r["cleanPerClass"] = [round((pred[yv == c] == c).float().mean().item(), 4) if (yv == c).any() else None for c in range(10)]
            r["cleanSubsetAccuracy"] = round((pred[sub] == yv[sub]).float().mean().item(), 4)
            log(f"{mode}: clean val acc {clean:.4f} ({time.time() - t0:.0f}s)")
        else:
            eps = what
            gen = torch.Generator().manual_seed(a.seed)
            correct = 0
            for i in range(0, n_adv, a.batch):
                idx = torch.from_numpy(sub[i:i + a.batch])
                x, y = xv[idx], yv[idx]
                x_adv = common.pgd_l2(model, x, y, eps, a.steps, use_bf16=bf16, gen=gen)
                correct += (predict(model, x_adv, bf16) == y).sum().item()
            acc = correct / n_adv
            r["adversarial"][str(eps)] = {"accuracy": round(acc, 4), "images": int(n_adv), "seconds": round(time.time() - t0, 1)}
            log(f"{mode}: L2 PGD eps {eps} {a.steps} steps acc {acc:.4f} on {n_adv} images ({time.time() - t0:.0f}s)")
        write()
        update_spec(mode)

    for mode in modes:
        name = f"imagenette-{mode}-resnet18"
        r = results["models"][mode]
        onnx_path = os.path.join(ROOT, "models", name + ".onnx")
        if os.path.exists(onnx_path):
            r["onnxBytes"] = os.path.getsize(onnx_path)
        npy = os.path.join(a.ckpt_dir, f"parity_input_{name}.npy")
        ref = os.path.join(HERE, "onnx_parity_reference.json")
        if shutil.which("node") and os.path.exists(onnx_path) and os.path.exists(npy) and os.path.exists(ref):
            p = subprocess.run(["node", os.path.join(HERE, "check_onnx_parity.cjs"), onnx_path, npy, ref, name],
                               cwd=ROOT, capture_output=True, text=True)
            log(f"onnx parity: {p.stdout.strip()} {p.stderr.strip()[-500:]}")
            try:
                r["onnxParity"] = json.loads(p.stdout.strip().splitlines()[-1])
            except Exception:  # noqa: BLE001
                r["onnxParity"] = {"error": (p.stdout + p.stderr)[-500:]}
        write()
    log("eval done")


if __name__ == "__main__":
    main()
