"""Train the demo's two models and export them to ONNX (offline asset building; never run by the tests).

  inspected: a small CNN trained on train-biased (the planted slices removed) -> outputs logits, features.
  robust:    a small ResNet trained with L2 PGD adversarial training on train-balanced
             -> outputs logits, features (pooled), feature_map (last conv block before pooling).

Inputs are the uint8 images.npy + attributes.csv written by scripts/demo/generate-data.ts into .cache/demo/.
Usage (see models/demo/README.md for the exact command that produced the committed files):
  /work/torchenv/bin/python scripts/demo/train.py --data .cache/demo --out models/demo
"""
import argparse
import csv
import hashlib
import json
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)

# Planted slices (mirror of src/demo/planted.ts), used only to log the inspected model's slice accuracy.
PLANTED = {
    "boat-on-grass": lambda a: a["cls"] == "boat" and a["background"] == "grass",
    "blue-car": lambda a: a["cls"] == "car" and a["colour"] == "blue",
    "small-bird": lambda a: a["cls"] == "bird" and a["size"] == "small",
    "occluded-airplane": lambda a: a["cls"] == "airplane" and a["occluded"] == "1",
    "striped-fish": lambda a: a["cls"] == "fish" and a["pattern"] == "stripes",
    "dark-tree": lambda a: a["cls"] == "tree" and a["lighting"] == "dark",
}

# Auxiliary label spaces of the robust "generalist" model (mirror of src/demo/attributes.ts). A robust model
# trained on 8 balanced classes alone has no reason to encode backgrounds, colours or lighting (they never help
# it); ImageNet's robust models get such concepts from a broad label space. The auxiliary heads stand in for that
# breadth. Which ones were used is recorded in the training log (--aux); blur and noise are never labels.
AUX = {
    "background": ["water", "grass", "sky", "indoor", "snow"],
    "colour": ["red", "orange", "yellow", "green", "blue", "purple"],
    "pattern": ["plain", "stripes", "dots"],
    "size": ["small", "medium", "large"],
    "lighting": ["dark", "normal", "bright"],
    "occluded": ["0", "1"],
}

MEAN = 0.5
STD = 0.25
LOG = []


def log(msg):
    line = f"[{time.strftime('%H:%M:%S')}] {msg}"
    print(line, flush=True)
    LOG.append(line)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load(root):
    meta = json.load(open(os.path.join(root, "dataset.json")))
    classes = meta["classes"]
    images = np.load(os.path.join(root, "images.npy"))  # N, H, W, 3 uint8
    rows = list(csv.DictReader(open(os.path.join(root, "attributes.csv"))))
    rows.sort(key=lambda r: int(r["index"]))
    # "label" is the annotated class (planted annotation errors differ from the drawn "cls"); generator v1 had none.
    labels = np.array([classes.index(r.get("label") or r["cls"]) for r in rows], dtype=np.int64)
    x = torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()  # uint8 NCHW
    hashes = {f: sha256(os.path.join(root, f)) for f in ("images.npy", "attributes.csv")}
    return x, torch.from_numpy(labels), rows, classes, hashes


def aux_labels(rows, names):
    """N x len(names) int64 targets of the auxiliary heads."""
    cols = [[AUX[n].index(r[n]) for n in names] for r in rows]
    return torch.tensor(cols, dtype=torch.int64).reshape(len(rows), len(names))


def conv_bn(cin, cout, stride=1):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Inspected(nn.Module):
    """Plain CNN: 64 -> 32 (stride) -> 16 -> 8 (pools), 64 pooled features."""

    def __init__(self, n):
        super().__init__()
        self.body = nn.Sequential(
            conv_bn(3, 16, 2), nn.MaxPool2d(2),
            conv_bn(16, 32), nn.MaxPool2d(2),
            conv_bn(32, 64),
            conv_bn(64, 64),
        )
        self.fc = nn.Linear(64, n)

    def forward(self, x):
        fmap = self.body((x - MEAN) / STD)
        feats = fmap.mean(dim=(2, 3))
        return self.fc(feats), feats, fmap


class Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.b1(self.c1(x)))
        return F.relu(self.b2(self.c2(y)) + self.short(x))


class Robust(nn.Module):
    """The inspected CNN's trunk (which learns fast on CPU) with a residual last block; 8 x 8 x WIDTH feature map.

    arch "resnet" is the earlier stride-2 ResNet (stem 64 -> 32, blocks to 16 and 8); it learned too slowly here.
    """

    def __init__(self, n, widths, aux=(), arch="cnn"):
        super().__init__()
        w0, w1, w2 = widths
        if arch == "resnet":
            self.stem = conv_bn(3, w0, 2)
            self.layer1 = Block(w0, w1, 2)
        else:
            self.stem = nn.Sequential(conv_bn(3, w0, 2), nn.MaxPool2d(2), conv_bn(w0, w1), nn.MaxPool2d(2))
            self.layer1 = nn.Identity()
        self.layer2 = Block(w1, w2, 1 if arch != "resnet" else 2)
        self.fc = nn.Linear(w2, n)
        self.aux_sizes = [len(AUX[a]) for a in aux]
        self.aux = nn.Linear(w2, sum(self.aux_sizes)) if aux else None

    def forward(self, x):
        fmap = self.layer2(self.layer1(self.stem((x - MEAN) / STD)))
        feats = fmap.mean(dim=(2, 3))
        return self.fc(feats), feats, fmap

    def loss(self, x, y, yaux):
        """Class cross-entropy plus one cross-entropy per auxiliary head."""
        logits, feats, _ = self(x)
        loss = F.cross_entropy(logits, y)
        if self.aux is not None and yaux is not None:
            start = 0
            out = self.aux(feats)
            for k, size in enumerate(self.aux_sizes):
                loss = loss + F.cross_entropy(out[:, start : start + size], yaux[:, k])
                start += size
        return loss, logits


def model_loss(model, x, y, yaux=None):
    if hasattr(model, "loss"):
        return model.loss(x, y, yaux)
    logits = model(x)[0]
    return F.cross_entropy(logits, y), logits


def pgd_l2(model, x, y, eps, steps, yaux=None):
    """L2 PGD from the clean point; step 2.5 eps / steps (Madry et al.), projected onto the eps ball and [0, 1]."""
    alpha = 2.5 * eps / steps
    delta = torch.zeros_like(x)
    for _ in range(steps):
        delta.requires_grad_(True)
        loss = model_loss(model, x + delta, y, yaux)[0]
        (g,) = torch.autograd.grad(loss, delta)
        gn = g.flatten(1).norm(dim=1).clamp_min(1e-12).view(-1, 1, 1, 1)
        delta = delta.detach() + alpha * g / gn
        dn = delta.flatten(1).norm(dim=1).clamp_min(1e-12).view(-1, 1, 1, 1)
        delta = delta * torch.clamp(eps / dn, max=1.0)
        delta = (x + delta).clamp(0, 1) - x
    return (x + delta).detach()


def batches(n, bs, gen):
    perm = torch.randperm(n, generator=gen)
    for i in range(0, n, bs):
        yield perm[i : i + bs]


def to_float(xb):
    return xb.float() / 255.0


def augment(x, gen):
    flip = torch.rand(x.shape[0], generator=gen) < 0.5
    x = x.clone()
    x[flip] = x[flip].flip(3)
    return x


def evaluate(model, x, y, bs=256, eps=0.0, steps=0):
    model.eval()
    correct = 0
    preds = []
    for i in range(0, x.shape[0], bs):
        xb, yb = to_float(x[i : i + bs]), y[i : i + bs]
        if eps > 0:
            xb = pgd_l2(model, xb, yb, eps, steps)
        with torch.no_grad():
            p = model(xb)[0].argmax(1)
        preds.append(p)
        correct += (p == yb).sum().item()
    return correct / x.shape[0], torch.cat(preds)


def train(model, x, y, epochs, lr, bs, seed, eps=0.0, steps=0, name="model", yaux=None, clean_epochs=0):
    """Adam + one-cycle; the first clean_epochs epochs are standard training (a warm start for PGD training)."""
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=1e-4)
    total = epochs * ((x.shape[0] + bs - 1) // bs)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=total, pct_start=0.25)
    t0 = time.time()
    for epoch in range(epochs):
        model.train()
        seen, correct, loss_sum = 0, 0, 0.0
        for idx in batches(x.shape[0], bs, gen):
            xb = augment(to_float(x[idx]), gen)
            yb = y[idx]
            ab = yaux[idx] if yaux is not None else None
            if eps > 0 and epoch >= clean_epochs:
                xb = pgd_l2(model, xb, yb, eps, steps, ab)
            loss, logits = model_loss(model, xb, yb, ab)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            seen += yb.shape[0]
            correct += (logits.argmax(1) == yb).sum().item()
            loss_sum += loss.item() * yb.shape[0]
        kind = "clean" if eps == 0 or epoch < clean_epochs else f"L2 PGD-{steps} eps {eps}"
        log(f"{name} epoch {epoch + 1}/{epochs} ({kind}): loss {loss_sum / seen:.4f} train-acc {correct / seen:.4f} "
            f"({time.time() - t0:.0f} s)")
    return time.time() - t0


class Export(nn.Module):
    def __init__(self, model, with_map):
        super().__init__()
        self.model = model
        self.with_map = with_map

    def forward(self, x):
        logits, feats, fmap = self.model(x)
        return (logits, feats, fmap) if self.with_map else (logits, feats)


def export(model, path, with_map, size):
    model.eval()
    names = ["logits", "features"] + (["feature_map"] if with_map else [])
    dummy = torch.rand(1, 3, size, size)
    torch.onnx.export(
        Export(model, with_map), dummy, path, input_names=["input"], output_names=names,
        dynamic_axes={n: {0: "batch"} for n in ["input"] + names}, opset_version=17, dynamo=False,
    )
    log(f"exported {path} ({os.path.getsize(path)} bytes, sha256 {sha256(path)})")


def write_spec(path, name, classes, size, with_map):
    outputs = {"logits": "logits", "features": "features"}
    if with_map:
        outputs["featureMap"] = "feature_map"
    spec = {
        "format": "faultline-model-spec/1",
        "name": name,
        "input": {"name": "input", "width": size, "height": size},
        "preprocess": {"mode": "resize"},
        "normalize": {"mean": [0, 0, 0], "std": [1, 1, 1]},
        "outputs": outputs,
        "classes": [{"index": i, "name": c} for i, c in enumerate(classes)],
    }
    with open(path, "w") as f:
        json.dump(spec, f, indent=2)
        f.write("\n")


def slice_report(name, preds, y, rows):
    ok = (preds == y).numpy()
    log(f"{name}: overall accuracy {ok.mean():.4f}")
    in_any = np.zeros(len(rows), dtype=bool)
    for mode, pred in PLANTED.items():
        mask = np.array([pred(r) for r in rows])
        in_any |= mask
        cls_mask = np.array([r["cls"] == rows[np.argmax(mask)]["cls"] for r in rows]) & ~mask
        log(f"  {mode:18s} slice n={mask.sum():4d} acc {ok[mask].mean():.3f} | rest of class acc {ok[cls_mask].mean():.3f}")
    log(f"  outside all slices acc {ok[~in_any].mean():.4f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=".cache/demo")
    ap.add_argument("--out", default="models/demo")
    ap.add_argument("--which", default="inspected,robust")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--inspected-epochs", type=int, default=14)
    ap.add_argument("--robust-epochs", type=int, default=8)
    ap.add_argument("--robust-clean-epochs", type=int, default=5)
    ap.add_argument("--robust-arch", default="cnn", choices=["cnn", "resnet"])
    ap.add_argument("--robust-widths", default="16,32,64")
    ap.add_argument("--eps", type=float, default=0.5)
    ap.add_argument("--pgd-steps", type=int, default=2)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--aux", default="background,colour,pattern,size,lighting,occluded", help="auxiliary heads of the robust model ('' = none)")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N training images (timing runs)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(args.seed)
    log(f"torch {torch.__version__}, threads {torch.get_num_threads()}, args {vars(args)}")
    record = {"args": vars(args), "torch": torch.__version__}

    xb_all, yb_all, rows_b, classes, hash_b = load(os.path.join(args.data, "train-balanced"))
    record["train-balanced"] = hash_b
    size = xb_all.shape[2]

    if "inspected" in args.which:
        x, y, _, classes_i, hash_i = load(os.path.join(args.data, "train-biased"))
        assert classes_i == classes
        record["train-biased"] = hash_i
        if args.limit:
            x, y = x[: args.limit], y[: args.limit]
        model = Inspected(len(classes))
        secs = train(model, x, y, args.inspected_epochs, 3e-3, args.batch, args.seed, name="inspected")
        record["inspected_seconds"] = round(secs, 1)
        _, preds = evaluate(model, xb_all, yb_all)
        slice_report("inspected on train-balanced (balanced data it never saw)", preds, yb_all, rows_b)
        export(model, os.path.join(args.out, "inspected.onnx"), False, size)
        write_spec(os.path.join(args.out, "inspected.json"), "demo-inspected-cnn", classes, size, False)

    if "robust" in args.which:
        n = xb_all.shape[0]
        hold = torch.arange(n) % 10 == 0  # every 10th image held out for clean / adversarial accuracy
        x, y = xb_all[~hold], yb_all[~hold]
        aux = [a for a in args.aux.split(",") if a]
        yaux = aux_labels([r for r, h in zip(rows_b, hold.tolist()) if not h], aux)
        if args.limit:
            x, y, yaux = x[: args.limit], y[: args.limit], yaux[: args.limit]
        widths = tuple(int(w) for w in args.robust_widths.split(","))
        model = Robust(len(classes), widths, aux, args.robust_arch)
        secs = train(model, x, y, args.robust_epochs, 3e-3, args.batch, args.seed + 1, args.eps, args.pgd_steps,
                     name="robust", yaux=yaux, clean_epochs=args.robust_clean_epochs)
        record["robust_seconds"] = round(secs, 1)
        clean, _ = evaluate(model, xb_all[hold], yb_all[hold])
        adv, _ = evaluate(model, xb_all[hold][:200], yb_all[hold][:200], eps=args.eps, steps=10)
        log(f"robust held-out ({hold.sum().item()} balanced images): clean acc {clean:.4f}, "
            f"L2 PGD-10 eps {args.eps} acc {adv:.4f} (first 200)")
        export(model, os.path.join(args.out, "robust.onnx"), True, size)
        write_spec(os.path.join(args.out, "robust.json"), "demo-robust-resnet", classes, size, True)

    tag = args.which.replace(",", "+")
    with open(os.path.join(args.out, f"train-{tag}.json"), "w") as f:
        json.dump(record, f, indent=2)
    with open(os.path.join(args.out, f"train-{tag}-log.txt"), "w") as f:
        f.write("\n".join(LOG) + "\n")


if __name__ == "__main__":
    main()
