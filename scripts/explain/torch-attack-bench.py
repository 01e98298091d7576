"""PyTorch autograd reference for `npm run bench:attack`: runs the same ONNX graph (same weights) as a small
interpreter over torch.nn.functional ops and times the input-gradient step of sum(features * selector).

    python scripts/explain/torch-attack-bench.py MODEL.onnx FEATURES BATCH STEPS THREADS
Prints one JSON line: {"secondsPerStep": ...}.
"""
import json
import sys
import time

import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper

model_path, features_name, batch, steps, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(threads)
model = onnx.load(model_path)
graph = model.graph
weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in graph.initializer}


def attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def run(x):
    env = dict(weights)
    env[graph.input[0].name] = x
    for node in graph.node:
        a = attrs(node)
        i = [env[n] for n in node.input if n]
        op = node.op_type
        if op == 'Conv':
            p = a.get('pads', [0, 0, 0, 0])
            assert p[0] == p[2] and p[1] == p[3]
            y = F.conv2d(i[0], i[1], i[2] if len(i) > 2 else None, a.get('strides', [1, 1]), p[:2], a.get('dilations', [1, 1]), a.get('group', 1))
        elif op == 'Relu':
            y = F.relu(i[0])
        elif op == 'Add':
            y = i[0] + i[1]
        elif op == 'MaxPool':
            y = F.max_pool2d(i[0], a['kernel_shape'], a.get('strides'), a.get('pads', [0, 0])[:2])
        elif op == 'GlobalAveragePool':
            y = i[0].mean(dim=(2, 3), keepdim=True)
        elif op == 'Flatten':
            y = torch.flatten(i[0], a.get('axis', 1))
        elif op == 'Gemm':
            y = F.linear(i[0], i[1] if a.get('transB', 0) else i[1].t(), i[2] if len(i) > 2 else None)
        else:
            raise SystemExit(f'unsupported op {op}')
        env[node.output[0]] = y
        if node.output[0] == features_name:
            return y
    return env[features_name]


x = torch.rand(batch, 3, 224, 224)
with torch.no_grad():
    d = run(x).shape[1]
selector = torch.zeros(batch, d)
selector[:, 0] = 1
times = []
cpu_times = []
for step in range(steps + 1):
    t = time.perf_counter()
    c = time.process_time()
    xg = x.clone().requires_grad_(True)
    (run(xg) * selector).sum().backward()
    if step > 0:  # the first step warms up
        times.append(time.perf_counter() - t)
        cpu_times.append(time.process_time() - c)
print(json.dumps({'secondsPerStep': sum(times) / len(times), 'cpuSecondsPerStep': sum(cpu_times) / len(cpu_times),
                  'torch': torch.__version__}))
