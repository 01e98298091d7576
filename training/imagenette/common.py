"""Shared pieces for the Imagenette robust-feature-extractor training.

ResNet-18 (torchvision layout) with ImageNet normalisation inside the model, the
decoded-image cache, and L2 PGD. Used by train_robust.py, export_onnx.py and
evaluate.py. Model input: RGB in [0,1], N x 3 x 128 x 128.
"""
import csv
import hashlib
import json
import os
from multiprocessing import Pool

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA_ROOT = os.environ.get("IMAGENETTE_ROOT", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data", "imagenette"))
CACHE_DIR = os.environ.get("IMAGENETTE_CACHE", "/tmp/faultline-imagenette-cache")
TRAIN_CACHE_SIZE = 144
INPUT_SIZE = 128
MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


# ----------------------------------------------------------------------------- model
class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class Normalize(nn.Module):
    def __init__(self, mean=MEAN, std=STD):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(std).view(1, 3, 1, 1))

    def forward(self, x):
        return (x - self.mean) / self.std


class ResNet18(nn.Module):
    """torchvision resnet18 layout; forward returns (logits, features, feature_map)."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.normalize = Normalize()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = self._make_layer(64, 2, 1)
        self.layer2 = self._make_layer(128, 2, 2)
        self.layer3 = self._make_layer(256, 2, 2)
        self.layer4 = self._make_layer(512, 2, 2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512, num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        # zero-init the last BN of each residual branch (standard trick, helps short schedules)
        for m in self.modules():
            if isinstance(m, BasicBlock):
                nn.init.zeros_(m.bn2.weight)

    def _make_layer(self, planes, blocks, stride):
        downsample = None
        if stride != 1 or self.inplanes != planes:
            downsample = nn.Sequential(nn.Conv2d(self.inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))
        layers = [BasicBlock(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes
        layers += [BasicBlock(planes, planes) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward_all(self, x):
        x = self.normalize(x)
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        feature_map = x  # layer4 output (after the block's final ReLU), N x 512 x 4 x 4
        features = torch.flatten(self.avgpool(feature_map), 1)
        logits = self.fc(features)
        return logits, features, feature_map

    def forward(self, x):
        return self.forward_all(x)[0]


class ExportWrapper(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, input):  # noqa: A002 - ONNX input name
        return self.net.forward_all(input)


# ----------------------------------------------------------------------------- data
def labels_csv_path():
    return os.path.join(DATA_ROOT, "labels.csv")


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_labels():
    with open(labels_csv_path(), newline="") as f:
        rows = list(csv.DictReader(f))
    classes = sorted({(int(r["imagenet_index"]), r["wnid"], r["class_name"]) for r in rows})
    class_of_wnid = {wnid: i for i, (_, wnid, _) in enumerate(classes)}
    return rows, classes, class_of_wnid


def class_list():
    _, classes, _ = read_labels()
    return [{"index": i, "wnid": w, "name": n, "imagenetIndex": idx} for i, (idx, w, n) in enumerate(classes)]


def _decode(args):
    from PIL import Image

    path, size = args
    with Image.open(path) as im:
        im = im.convert("RGB")
        if im.size != (size, size):
            # plain (aspect-squashing) resize, Lanczos like sharp's default kernel
            im = im.resize((size, size), Image.LANCZOS)
        return np.asarray(im, dtype=np.uint8)


def load_split(split, workers=2):
    """Returns (uint8 N x H x W x 3, int64 labels, list of relative paths); cached in CACHE_DIR.

    train is cached at 144 px (random-resized-crop to 128 happens on tensors), val at 128 px
    (plain resize of the 224 px JPEG, the preprocessing faultline applies)."""
    size = TRAIN_CACHE_SIZE if split == "train" else INPUT_SIZE
    sha = sha256_file(labels_csv_path())
    os.makedirs(CACHE_DIR, exist_ok=True)
    base = os.path.join(CACHE_DIR, f"{split}_{size}_{sha[:12]}")
    if os.path.exists(base + ".npz"):
        z = np.load(base + ".npz")
        with open(base + ".json") as f:
            paths = json.load(f)
        return z["x"], z["y"], paths
    rows, _, class_of_wnid = read_labels()
    rows = [r for r in rows if r["split"] == split]
    paths = [r["path"] for r in rows]
    y = np.array([class_of_wnid[r["wnid"]] for r in rows], dtype=np.int64)
    with Pool(workers) as pool:
        imgs = pool.map(_decode, [(os.path.join(DATA_ROOT, p), size) for p in paths], chunksize=64)
    x = np.stack(imgs)
    np.savez(base + ".tmp.npz", x=x, y=y)
    os.replace(base + ".tmp.npz", base + ".npz")
    with open(base + ".json", "w") as f:
        json.dump(paths, f)
    return x, y, paths


def to_float(x_uint8):
    """uint8 N x H x W x 3 (numpy) -> float N x 3 x H x W in [0,1]."""
    return torch.from_numpy(x_uint8).permute(0, 3, 1, 2).float().div_(255.0)


def random_resized_crop_flip(x, out_size, gen, scale=(0.35, 1.0), ratio=(3 / 4, 4 / 3)):
    """Batched RandomResizedCrop + horizontal flip with one affine grid_sample (bilinear)."""
    n = x.shape[0]
    area = torch.empty(n).uniform_(scale[0], scale[1], generator=gen)
    logr = torch.empty(n).uniform_(np.log(ratio[0]), np.log(ratio[1]), generator=gen)
    r = torch.exp(logr)
    sw = torch.sqrt(area * r).clamp(max=1.0)  # crop width as fraction of image width
    sh = torch.sqrt(area / r).clamp(max=1.0)
    cx = (torch.rand(n, generator=gen) * 2 - 1) * (1 - sw)
    cy = (torch.rand(n, generator=gen) * 2 - 1) * (1 - sh)
    flip = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = sw * flip
    theta[:, 0, 2] = cx
    theta[:, 1, 1] = sh
    theta[:, 1, 2] = cy
    grid = F.affine_grid(theta, (n, 3, out_size, out_size), align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)


# ----------------------------------------------------------------------------- attack
def _l2_norm(t):
    return t.flatten(1).norm(dim=1).view(-1, 1, 1, 1)


def pgd_l2(model, x, y, eps, steps, step_size=None, random_start=True, use_bf16=True, gen=None):
    """L2 PGD in [0,1] pixel space (MadryLab robustness-style). Returns the adversarial images (detached)."""
    if step_size is None:
        step_size = 2.5 * eps / steps
    x = x.detach()
    if random_start:
        noise = torch.rand(x.shape, generator=gen) - 0.5
        noise = noise / (_l2_norm(noise) + 1e-12) * eps * torch.rand(x.shape[0], 1, 1, 1, generator=gen)
        x_adv = (x + noise).clamp(0, 1)
    else:
        x_adv = x.clone()
    for _ in range(steps):
        x_adv.requires_grad_(True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=use_bf16):
            loss = F.cross_entropy(model(x_adv), y)
        (grad,) = torch.autograd.grad(loss, x_adv)
        grad = grad.float()
        with torch.no_grad():
            x_adv = x_adv + step_size * grad / (_l2_norm(grad) + 1e-12)
            delta = x_adv - x
            delta = delta * torch.clamp(eps / (_l2_norm(delta) + 1e-12), max=1.0)
            x_adv = (x + delta).clamp(0, 1)
    return x_adv.detach()
