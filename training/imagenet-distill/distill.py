"""Adversarial distillation of MobileNetV2 (1000 ImageNet classes) into a robust feature extractor.

Two candidates (--method):
  features  The student is a copy of the float teacher (folded_mobilenet.py), fine-tuned. Every training view is
            labelled by the frozen teacher (logits and 1280-d penultimate features). The student learns to match
            them on the clean view and on an L2 PGD view (attack: maximise the KL from the teacher's clean
            output), at a low learning rate, with an L2-SP pull towards the teacher's weights. Matching features as
            well as outputs, on clean views too, and the pull are what should keep the 1000-class knowledge that
            plain adversarial logit distillation lost (10.8% top-1 after 1.15 epochs in the first probe).
  denoiser  A small residual denoiser in front of the frozen teacher: extractor = teacher(denoise(x)). The
            teacher's weights never change; the denoiser learns to make the teacher's outputs and features on
            attacked views match those on clean views. The attack goes through both (no obfuscated gradients).

Data (data.py): Imagenette train + imagenet-sample-1000 + the training part of imagenet-val-1300; no labels used.
Each batch draws POOL_SHARE of its photos from the 1000-class photos (sample-1000 + val-1300), the rest from
Imagenette, so that the 9.5k Imagenette photos of 10 classes do not swamp the 1.8k photos of 1000 classes.
Views: random resized crop (scale 0.25-1) + flip from a 192 px cache, then cutmix or mixup between photos of the
batch with probability 0.5 each (the teacher labels the mixed view, so no label mixing is needed). The teacher
sees the view at 224 px, the student the same view at --size px (antialiased downsampling).

The learning rate follows a cosine in max(step/steps, elapsed/time budget), so a run ends on time on a shared
machine. Checkpoints every few minutes to --out; re-running the same command resumes.
"""
import argparse
import copy
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import cached, data_hashes, splits  # noqa: E402
from folded_mobilenet import load_folded  # noqa: E402

TEACHER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "models", "mobilenetv2-12-int8.onnx")
POOL_SHARE = 0.75


def l2(t):
    return t.flatten(1).norm(dim=1).view(-1, 1, 1, 1)


class Denoiser(nn.Module):
    """x + r(x): r is a few 3x3 convs at 1/4 resolution (pixel unshuffle 4), its last conv zero-initialised so the
    extractor starts as the teacher itself."""

    def __init__(self, width=64, depth=4):
        super().__init__()
        layers = [nn.Conv2d(48, width, 3, padding=1), nn.ReLU(inplace=True)]
        for _ in range(depth - 2):
            layers += [nn.Conv2d(width, width, 3, padding=1), nn.ReLU(inplace=True)]
        last = nn.Conv2d(width, 48, 3, padding=1)
        nn.init.zeros_(last.weight)
        nn.init.zeros_(last.bias)
        self.body = nn.Sequential(*layers, last)

    def forward(self, x):
        return x + F.pixel_shuffle(self.body(F.pixel_unshuffle(x, 4)), 4)


class DenoisedTeacher(nn.Module):
    def __init__(self, teacher):
        super().__init__()
        self.denoiser = Denoiser()
        self.teacher = teacher
        for p in self.teacher.parameters():
            p.requires_grad_(False)

    def forward(self, x):
        return self.teacher(self.denoiser(x))


def views(images, idx, size, gen):
    """Random resized crop + flip at 224 (teacher) and `size` (student), then cutmix/mixup within the batch."""
    x = torch.from_numpy(images[idx]).permute(0, 3, 1, 2).float().div_(255.0)
    n = x.shape[0]
    area = torch.empty(n).uniform_(0.25, 1.0, generator=gen)
    r = torch.exp(torch.empty(n).uniform_(math.log(3 / 4), math.log(4 / 3), generator=gen))
    sw, sh = torch.sqrt(area * r).clamp(max=1.0), torch.sqrt(area / r).clamp(max=1.0)
    cx, cy = (torch.rand(n, generator=gen) * 2 - 1) * (1 - sw), (torch.rand(n, generator=gen) * 2 - 1) * (1 - sh)
    flip = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 0, 2], theta[:, 1, 1], theta[:, 1, 2] = sw * flip, cx, sh, cy
    grid = F.affine_grid(theta, (n, 3, 224, 224), align_corners=False)
    big = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    u = float(torch.rand(1, generator=gen))
    perm = torch.randperm(n, generator=gen)
    if u < 0.5:  # cutmix: a box of another photo, area fraction ~ U(0, 1)
        lam = float(torch.rand(1, generator=gen))
        bw, bh = int(224 * math.sqrt(1 - lam)), int(224 * math.sqrt(1 - lam))
        x0, y0 = int(torch.randint(0, 224 - bw + 1, (1,), generator=gen)), int(torch.randint(0, 224 - bh + 1, (1,), generator=gen))
        big[:, :, y0 : y0 + bh, x0 : x0 + bw] = big[perm, :, y0 : y0 + bh, x0 : x0 + bw]
    elif u < 0.75:  # mixup, lambda ~ Beta(0.4, 0.4) folded to >= 0.5 so one photo dominates
        lam = float(np.random.default_rng(int(torch.randint(0, 2**31, (1,), generator=gen))).beta(0.4, 0.4))
        lam = max(lam, 1 - lam)
        big = lam * big + (1 - lam) * big[perm]
    small = big if size == 224 else F.interpolate(big, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    return big.clamp(0, 1), small.clamp(0, 1)


def kl(teacher_logits, student_logits, t=1.0):
    return F.kl_div(F.log_softmax(student_logits.float() / t, 1), F.softmax(teacher_logits.float() / t, 1), reduction="batchmean") * t * t


def feature_loss(student, teacher):
    return ((student.float() - teacher) ** 2).mean() / (teacher**2).mean().clamp(min=1e-6)


def pgd(model, x, target_logits, eps, steps, gen):
    """L2 PGD that maximises KL(teacher's clean output || model(x + delta)), random start in the ball."""
    noise = torch.rand(x.shape, generator=gen) - 0.5
    noise = noise / (l2(noise) + 1e-12) * eps * torch.rand(x.shape[0], 1, 1, 1, generator=gen)
    x_adv = (x + noise).clamp(0, 1)
    step = 2.5 * eps / steps
    for _ in range(steps):
        x_adv.requires_grad_(True)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            loss = kl(target_logits, model(x_adv)[0])
        (grad,) = torch.autograd.grad(loss, x_adv)
        with torch.no_grad():
            x_adv = x_adv + step * grad.float() / (l2(grad.float()) + 1e-12)
            delta = x_adv - x
            x_adv = (x + delta * torch.clamp(eps / (l2(delta) + 1e-12), max=1.0)).clamp(0, 1)
    return x_adv.detach()


def held_out_top1(model, images, labels, size, limit=200):
    x = torch.from_numpy(images[:limit]).permute(0, 3, 1, 2).float().div_(255.0)
    if size != x.shape[-1]:
        x = F.interpolate(x, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
    preds = []
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        for i in range(0, len(x), 50):
            preds.append(model(x[i : i + 50].contiguous(memory_format=torch.channels_last))[0].float().argmax(1))
    return float((torch.cat(preds).numpy() == labels[:limit]).mean())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--method", choices=["features", "denoiser"], required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--eps", type=float, default=0.75, help="training L2 eps in [0,1] pixels at --size")
    p.add_argument("--size", type=int, default=160)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--steps", type=int, default=4000)
    p.add_argument("--time-budget-min", type=float, default=90)
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--pull", type=float, default=0.01, help="L2-SP weight towards the teacher's weights (features)")
    p.add_argument("--feature-weight", type=float, default=1.0)
    p.add_argument("--pgd-steps", type=int, default=2)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    os.makedirs(a.out, exist_ok=True)
    lr = a.lr if a.lr is not None else (5e-5 if a.method == "features" else 1e-3)

    train_items, held_items = splits()
    images, _ = cached(train_items, "train", 192, 192)
    held_images, held_labels = cached(held_items, "heldout", 256, 224)
    is_pool = np.array([src != "imagenette" for _, _, src in train_items])
    pool_idx, nette_idx = np.nonzero(is_pool)[0], np.nonzero(~is_pool)[0]

    teacher = load_folded(TEACHER).eval().to(memory_format=torch.channels_last)
    for q in teacher.parameters():
        q.requires_grad_(False)
    if a.method == "features":
        student = copy.deepcopy(teacher)
        for q in student.parameters():
            q.requires_grad_(True)
        anchor = [q.detach().clone() for q in student.parameters()]
        trainable = list(student.parameters())
    else:
        student = DenoisedTeacher(copy.deepcopy(teacher))
        anchor = None
        trainable = list(student.denoiser.parameters())
    student = student.to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(trainable, lr=lr, weight_decay=0.0 if a.method == "features" else 1e-4)

    ckpt_path = os.path.join(a.out, "checkpoint.pt")
    step, elapsed_before, gen = 0, 0.0, torch.Generator().manual_seed(a.seed)
    if os.path.exists(ckpt_path):
        ck = torch.load(ckpt_path, weights_only=False)
        student.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step, elapsed_before = ck["step"], ck["elapsed"]
        gen.set_state(ck["gen"])
        print(f"resumed at step {step} ({elapsed_before / 60:.1f} min)", flush=True)
    else:
        meta = {"args": vars(a), "lr": lr, "data": data_hashes(), "train_photos": len(train_items),
                "pool_photos": int(len(pool_idx)), "imagenette_photos": int(len(nette_idx)), "held_out_photos": len(held_items),
                "teacher_held_out_top1_200_at_size": held_out_top1(teacher, held_images, held_labels, a.size)}
        print(json.dumps(meta), flush=True)
        with open(os.path.join(a.out, "meta.json"), "w") as f:
            json.dump(meta, f, indent=1)

    rng = np.random.default_rng(a.seed + step)
    start, last_ckpt, seen = time.time(), time.time(), 0
    budget = a.time_budget_min * 60
    while True:
        elapsed = elapsed_before + time.time() - start
        progress = max(step / a.steps, elapsed / budget)
        if progress >= 1:
            break
        warm = min(1.0, (step + 1) / 100)
        for g in opt.param_groups:
            g["lr"] = lr * warm * 0.5 * (1 + math.cos(math.pi * progress))
        n_pool = int(rng.binomial(a.batch, POOL_SHARE))
        idx = np.concatenate([rng.choice(pool_idx, n_pool), rng.choice(nette_idx, a.batch - n_pool)])
        big, small = views(images, idx, a.size, gen)
        big, small = big.contiguous(memory_format=torch.channels_last), small.contiguous(memory_format=torch.channels_last)
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
            t_logits, t_feat, _ = teacher(big)
        t_logits, t_feat = t_logits.float(), t_feat.float()
        adv = pgd(student, small, t_logits, a.eps, a.pgd_steps, gen).contiguous(memory_format=torch.channels_last)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            s_logits, s_feat, _ = student(torch.cat([small, adv]))
        n = small.shape[0]
        loss_clean = kl(t_logits, s_logits[:n], 2.0)
        loss_adv = kl(t_logits, s_logits[n:], 2.0)
        loss_feat = feature_loss(s_feat[:n], t_feat) + feature_loss(s_feat[n:], t_feat)
        loss = loss_clean + loss_adv + a.feature_weight * loss_feat
        loss_pull = torch.zeros(())
        if anchor is not None and a.pull > 0:
            loss_pull = sum(((q - q0) ** 2).sum() for q, q0 in zip(trainable, anchor))
            loss = loss + a.pull * loss_pull
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 5.0)
        opt.step()
        step += 1
        seen += n
        if step % 25 == 0:
            rate = seen / (time.time() - start)
            print(f"step {step} progress {progress:.3f} lr {opt.param_groups[0]['lr']:.2e} kl_clean {loss_clean.item():.3f} "
                  f"kl_adv {loss_adv.item():.3f} feat {loss_feat.item():.3f} pull {float(loss_pull):.3f} "
                  f"{rate:.1f} img/s elapsed {elapsed / 60:.1f} min", flush=True)
        if step % 200 == 0:
            print(f"step {step} held-out top-1 (first 200, {a.size} px, clean) {held_out_top1(student, held_images, held_labels, a.size):.3f}", flush=True)
        if time.time() - last_ckpt > 300:
            save(ckpt_path, student, opt, step, elapsed_before + time.time() - start, gen)
            last_ckpt = time.time()
    save(ckpt_path, student, opt, step, elapsed_before + time.time() - start, gen)
    torch.save(student.state_dict(), os.path.join(a.out, "final.pt"))
    print(f"done: {step} steps, held-out top-1 (first 200, clean) {held_out_top1(student, held_images, held_labels, a.size):.3f} "
          f"at {a.size} px, {held_out_top1(student, held_images, held_labels, 224):.3f} at 224 px", flush=True)


def save(path, model, opt, step, elapsed, gen):
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "elapsed": elapsed, "gen": gen.get_state()}, path + ".tmp")
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
