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


def lr_at(step, progress, warm_steps, base_lr):
    """Linear warm-up over warm_steps (from 0.1*lr), times a cosine decay over progress in [0,1]."""
    warm = min(1.0, 0.1 + 0.9 * step / max(1, warm_steps))
    return base_lr * warm * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


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
    ap.add_argument("--steps", type=int, default=0, help="total SGD steps (default epochs * steps per epoch)")
    ap.add_argument("--time-budget-min", type=float, default=0,
                    help="wall-clock training budget: the cosine follows max(step/steps, time/budget) and training "
                         "stops when either reaches 1 (for a shared, contended CPU)")
    ap.add_argument("--warmup-epochs", type=float, default=0.5)
    ap.add_argument("--ckpt-every-min", type=float, default=5)
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
    total_steps = args.steps or steps_per_epoch * args.epochs
    n_epochs = math.ceil(total_steps / steps_per_epoch)
    warm_steps = int(args.warmup_epochs * steps_per_epoch)
    budget = args.time_budget_min * 60
    start_epoch, start_it, history, elapsed0, gen_state = 0, 0, [], 0.0, None
    ckpt_path = os.path.join(out, "last.pt")
    if args.resume and os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, map_location="cpu", weights_only=False)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        start_epoch, history = ck["epoch"], ck["history"]
        start_it, elapsed0, gen_state = ck.get("it", 0), ck.get("elapsed", 0.0), ck.get("gen_state")
        log(f"resumed from {ckpt_path} at epoch {start_epoch} it {start_it} ({elapsed0 / 60:.1f} min trained)")
    t_start = time.time() - elapsed0
    t_ckpt = time.time()
    step = start_epoch * steps_per_epoch + start_it
    stop = False

    def progress(step):
        p = step / total_steps
        if budget:
            p = max(p, (time.time() - t_start) / budget)
        return p

    def save(epoch, it, gen):
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": epoch, "it": it,
                    "gen_state": gen.get_state() if gen is not None else None, "elapsed": time.time() - t_start,
                    "history": history, "args": vars(args)}, ckpt_path + ".tmp")
        os.replace(ckpt_path + ".tmp", ckpt_path)

    for epoch in range(start_epoch, n_epochs):
        model.train()
        gen = torch.Generator().manual_seed(args.seed * 1000 + epoch)
        perm = torch.randperm(len(xt), generator=gen).numpy()
        first_it = 0
        if epoch == start_epoch and start_it:
            first_it = start_it
            gen.set_state(gen_state)
        te = time.time()
        tl = time.time()
        loss_sum = correct = seen = 0
        it = first_it
        for it in range(first_it, steps_per_epoch):
            p = progress(step)
            if p >= 1.0 or step >= total_steps:
                stop = True
                break
            lr = lr_at(step, p, warm_steps, args.lr)
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
            step += 1
            if (it + 1) % args.log_every == 0 or it + 1 == steps_per_epoch:
                now = time.time()
                ips = args.log_every * bs / (now - tl) if (it + 1) % args.log_every == 0 else float("nan")
                avg_ips = seen / (now - te)
                eta = (steps_per_epoch - it - 1) * bs / avg_ips
                tot_eta = (total_steps - step) * bs / avg_ips
                if budget:
                    tot_eta = min(tot_eta, budget - (now - t_start))
                log(f"ep {epoch + 1}/{n_epochs} it {it + 1}/{steps_per_epoch} step {step}/{total_steps} "
                    f"progress {progress(step):.3f} lr {lr:.4f} "
                    f"loss {loss_sum / seen:.4f} train_acc({'adv' if args.mode == 'robust' else 'clean'}) {correct / seen:.4f} "
                    f"img/s {ips:.1f} (epoch avg {avg_ips:.1f}) epoch ETA {eta / 60:.1f} min, run ETA {tot_eta / 60:.1f} min")
                tl = now
            if time.time() - t_ckpt > args.ckpt_every_min * 60 and it + 1 < steps_per_epoch:
                save(epoch, it + 1, gen)
                t_ckpt = time.time()
        else:
            it = steps_per_epoch
        train_time = time.time() - te
        if seen == 0:
            break
        tv = time.time()
        val_acc = evaluate_clean(model, xv, yv, channels_last=args.channels_last)
        rec = {"epoch": round(epoch + it / steps_per_epoch, 3), "steps": step, "train_loss": loss_sum / seen, "train_acc": correct / seen,
               "val_clean_acc": val_acc, "train_seconds": round(train_time, 1),
               "val_seconds": round(time.time() - tv, 1), "img_per_s": round(seen / train_time, 1)}
        history.append(rec)
        log(f"EPOCH {json.dumps(rec)}")
        if stop:
            save(epoch, it, gen)
            break
        save(epoch + 1, 0, None)
        t_ckpt = time.time()

    summary = {"steps": step, "epochs": round(step / steps_per_epoch, 3), "steps_per_epoch": steps_per_epoch,
               "batch_size": bs, "train_minutes": round((time.time() - t_start) / 60, 1)}
    command = "python training/imagenette/train_robust.py " + " ".join(sys.argv[1:])
    torch.save({"model": model.state_dict(), "history": history, "args": vars(args), "summary": summary,
                "command": command}, os.path.join(out, "final.pt"))
    with open(os.path.join(out, "history.json"), "w") as f:
        json.dump({"args": vars(args), "summary": summary, "command": command, "history": history}, f, indent=1)
    log(f"summary {json.dumps(summary)}")
    log(f"done: final val clean acc {history[-1]['val_clean_acc'] if history else None}")


if __name__ == "__main__":
    main()
