"""Adversarially (or normally) train a ResNet-18 on Imagenette train, CPU, bf16 autocast.

  python train_robust.py --mode robust   --epochs 12 --eps 1.5 --seed 0 --out /tmp/faultline-train/robust   --resume
  python train_robust.py --mode standard --epochs 12             --seed 0 --out /tmp/faultline-train/standard --resume

Input RGB in [0,1] at 128x128; ImageNet normalisation is the model's first layer.
Robust mode: L2 PGD in pixel space, eps 1.5, 2 steps, step 2.5*eps/steps, random start,
model in train mode during the attack (as MadryLab's robustness library does).
Checkpoints every epoch to <out>/last.pt; the finished weights go to <out>/final.pt.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402


def log(msg):
    print(time.strftime("%H:%M:%S"), msg, flush=True)


def lr_at(step, steps_per_epoch, total_steps, base_lr, warmup_epochs=1):
    warm = warmup_epochs * steps_per_epoch
    if step < warm:
        return base_lr * (0.1 + 0.9 * step / warm)
    p = (step - warm) / max(1, total_steps - warm)
    return base_lr * 0.5 * (1 + math.cos(math.pi * p))


@torch.no_grad()
def evaluate_clean(model, xv, yv, bs=200, channels_last=False):
    model.eval()
    correct = 0
    for i in range(0, len(xv), bs):
        x = common.to_float(xv[i:i + bs])
        if channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            pred = model(x).argmax(1)
        correct += (pred == torch.from_numpy(yv[i:i + bs])).sum().item()
    return correct / len(xv)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["robust", "standard"], required=True)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--eps", type=float, default=1.5)
    ap.add_argument("--pgd-steps", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--wd", type=float, default=1e-4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--channels-last", action="store_true")
    ap.add_argument("--subset", type=int, default=0, help="smoke test: use only N train images")
    ap.add_argument("--val-subset", type=int, default=0, help="smoke test: use only N val images")
    ap.add_argument("--log-every", type=int, default=50)
    args = ap.parse_args()
    out = args.out or f"/tmp/faultline-train/{args.mode}"
    os.makedirs(out, exist_ok=True)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    log(f"args {vars(args)} torch {torch.__version__} threads {torch.get_num_threads()}")

    t0 = time.time()
    xt, yt, _ = common.load_split("train")
    xv, yv, _ = common.load_split("val")
    if args.subset:
        idx = np.random.RandomState(args.seed).permutation(len(xt))[: args.subset]
        xt, yt = xt[idx], yt[idx]
    if args.val_subset:
        idx = np.random.RandomState(args.seed + 1).permutation(len(xv))[: args.val_subset]
        xv, yv = xv[idx], yv[idx]
    log(f"data train {xt.shape} val {xv.shape} loaded in {time.time() - t0:.1f}s")

    model = common.ResNet18(10)
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True, weight_decay=args.wd)
    bs = args.batch_size
    steps_per_epoch = len(xt) // bs  # drop last partial batch
    total_steps = steps_per_epoch * args.epochs
    start_epoch, history = 0, []
    ckpt_path = os.path.join(out, "last.pt")
    if args.resume and os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location="cpu", weights_only=False)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        start_epoch, history = ck["epoch"], ck["history"]
        log(f"resumed from {ckpt_path} at epoch {start_epoch}")

    for epoch in range(start_epoch, args.epochs):
        model.train()
        gen = torch.Generator().manual_seed(args.seed * 1000 + epoch)
        perm = torch.randperm(len(xt), generator=gen).numpy()
        te = time.time()
        tl = time.time()
        loss_sum = correct = seen = 0
        for it in range(steps_per_epoch):
            step = epoch * steps_per_epoch + it
            lr = lr_at(step, steps_per_epoch, total_steps, args.lr)
            for g in opt.param_groups:
                g["lr"] = lr
            bidx = np.sort(perm[it * bs:(it + 1) * bs])
            x = common.random_resized_crop_flip(common.to_float(xt[bidx]), common.INPUT_SIZE, gen)
            if args.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            y = torch.from_numpy(yt[bidx])
            if args.mode == "robust":
                x = common.pgd_l2(model, x, y, args.eps, args.pgd_steps, gen=gen)
                opt.zero_grad(set_to_none=True)
            with torch.autocast("cpu", dtype=torch.bfloat16):
                logits = model(x)
                loss = F.cross_entropy(logits, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(y)
            correct += (logits.argmax(1) == y).sum().item()
            seen += len(y)
            if (it + 1) % args.log_every == 0 or it + 1 == steps_per_epoch:
                now = time.time()
                ips = args.log_every * bs / (now - tl) if (it + 1) % args.log_every == 0 else float("nan")
                avg_ips = seen / (now - te)
                eta = (steps_per_epoch - it - 1) * bs / avg_ips
                tot_eta = eta + (args.epochs - epoch - 1) * steps_per_epoch * bs / avg_ips
                log(f"ep {epoch + 1}/{args.epochs} it {it + 1}/{steps_per_epoch} lr {lr:.4f} "
                    f"loss {loss_sum / seen:.4f} train_acc({'adv' if args.mode == 'robust' else 'clean'}) {correct / seen:.4f} "
                    f"img/s {ips:.1f} (epoch avg {avg_ips:.1f}) epoch ETA {eta / 60:.1f} min, run ETA {tot_eta / 60:.1f} min")
                tl = now
        train_time = time.time() - te
        tv = time.time()
        val_acc = evaluate_clean(model, xv, yv, channels_last=args.channels_last)
        rec = {"epoch": epoch + 1, "train_loss": loss_sum / seen, "train_acc": correct / seen,
               "val_clean_acc": val_acc, "train_seconds": round(train_time, 1),
               "val_seconds": round(time.time() - tv, 1), "img_per_s": round(seen / train_time, 1)}
        history.append(rec)
        log(f"EPOCH {json.dumps(rec)}")
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": epoch + 1,
                    "history": history, "args": vars(args)}, ckpt_path + ".tmp")
        os.replace(ckpt_path + ".tmp", ckpt_path)

    torch.save({"model": model.state_dict(), "history": history, "args": vars(args),
                "command": " ".join(sys.argv)}, os.path.join(out, "final.pt"))
    with open(os.path.join(out, "history.json"), "w") as f:
        json.dump({"args": vars(args), "history": history}, f, indent=1)
    log(f"done: final val clean acc {history[-1]['val_clean_acc'] if history else None}")


if __name__ == "__main__":
    main()
