"""Distillation data: which photos train, which are held out, and a decoded uint8 cache of each.

Sources (all under ../shared/data, read-only):
- imagenette train (9,469 photos of 10 classes),
- imagenet-sample-1000 (one photo of each of the 1000 classes),
- imagenet-val-1300 (1,300 ILSVRC2012-validation photos of 725 classes): HELD_OUT of them are held out for
  evaluation, chosen without looking at the images: the photos sorted by sha256, the first HELD_OUT whose file
  name does not also occur in Imagenette (10 of these validation photos are Imagenette photos too). The rest train.
Labels are never used for training (the teacher labels every view); they are used only to measure top-1.

Cache: every photo resized so its short side is CACHE_SIZE (PIL bicubic), centre-cropped to a square, stored as
uint8 [N, CACHE_SIZE, CACHE_SIZE, 3] in CACHE_DIR with its labels. Evaluation images are cached the way
faultline's extract preprocesses them for a 224 px model with --preprocess crop: short side 256, centre crop 224.
"""
import csv
import hashlib
import json
import os
from multiprocessing import Pool

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("FAULTLINE_SHARED", os.path.join(HERE, "..", "..", "..", "shared"))
CACHE_DIR = os.environ.get("DISTILL_CACHE", "/tmp/faultline-distill-cache")
CACHE_SIZE = 192
HELD_OUT = 500


def _rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def wnid_index():
    with open(os.path.join(SHARED, "data", "imagenet-labels", "imagenet_class_index.json")) as f:
        table = json.load(f)
    return {wnid: int(i) for i, (wnid, _name) in table.items()}


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()


def splits():
    """(train, held_out): lists of (absolute path, imagenet index, source)."""
    index = wnid_index()
    nette_root = os.path.join(SHARED, "data", "imagenette")
    nette = _rows(os.path.join(nette_root, "labels.csv"))
    nette_names = {os.path.basename(r["path"]) for r in nette}
    train = [(os.path.join(nette_root, r["path"]), int(r["imagenet_index"]), "imagenette") for r in nette if r["split"] == "train"]
    sample_root = os.path.join(SHARED, "data", "imagenet-sample-1000")
    train += [(os.path.join(sample_root, r["path"]), index[r["label"]], "sample-1000") for r in _rows(os.path.join(sample_root, "labels.csv"))]
    val_root = os.path.join(SHARED, "data", "imagenet-val-1300")
    val = sorted(_rows(os.path.join(val_root, "labels.csv")), key=lambda r: r["sha256"])
    held, rest = [], []
    for r in val:
        item = (os.path.join(val_root, r["path"]), int(r["imagenet_index"]), "val-1300")
        if len(held) < HELD_OUT and os.path.basename(r["path"]) not in nette_names:
            held.append(item)
        else:
            rest.append(item)
    return train + rest, held


def data_hashes():
    """sha256 of each source's labels.csv: the data a run used, for the logs and the model spec."""
    out = {}
    for name in ("imagenette", "imagenet-sample-1000", "imagenet-val-1300"):
        out[name] = sha256_file(os.path.join(SHARED, "data", name, "labels.csv"))
    return out


def _load(args):
    path, short, crop = args
    with Image.open(path) as im:
        im = im.convert("RGB")
        w, h = im.size
        s = short / min(w, h)
        im = im.resize((max(crop, round(w * s)), max(crop, round(h * s))), Image.BICUBIC)
        w, h = im.size
        left, top = (w - crop) // 2, (h - crop) // 2
        return np.asarray(im.crop((left, top, left + crop, top + crop)), dtype=np.uint8)


def cached(items, name, short, crop):
    """uint8 images [N, crop, crop, 3] and int64 labels for items, decoded once and kept in CACHE_DIR."""
    os.makedirs(CACHE_DIR, exist_ok=True)
    key = hashlib.sha256(json.dumps([[p, y] for p, y, _ in items] + [short, crop]).encode()).hexdigest()[:16]
    path = os.path.join(CACHE_DIR, f"{name}-{key}.npz")
    if os.path.exists(path):
        data = np.load(path)
        return data["images"], data["labels"]
    with Pool(2) as pool:
        images = np.stack(pool.map(_load, [(p, short, crop) for p, _, _ in items], chunksize=64))
    labels = np.array([y for _, y, _ in items], dtype=np.int64)
    np.savez(path + ".tmp.npz", images=images, labels=labels)
    os.replace(path + ".tmp.npz", path)
    return images, labels
