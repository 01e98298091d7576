"""Writes the whole-model gradient fixture for src/explain/autodiff (run once; needs PyTorch + onnx).

A ResNet-18-shaped network (torchvision BasicBlock layout: 7x7/2 stem conv, BN, ReLU, 3x3/2 max pool, four stages
of two basic blocks with 1x1/2 downsample shortcuts, global average pool, linear head) at a sixteenth of the widths
(4, 8, 16, 32) and 32 px input, random weights and random BN statistics, exported to ONNX with outputs
logits / features / feature_map like faultline's robust models. PyTorch autograd gives the reference gradient of
sum(features * selector) with respect to the input.

    /work/torchenv/bin/python scripts/explain/make-resnet18-gradient-fixture.py
"""
import base64
import json
import os

import torch
from torch import nn

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'explain')
torch.manual_seed(0)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class TinyResNet18(nn.Module):
    def __init__(self, widths=(4, 8, 16, 32), classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, widths[0], 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        layers = []
        cin = widths[0]
        for i, w in enumerate(widths):
            stride = 1 if i == 0 else 2
            layers.append(nn.Sequential(BasicBlock(cin, w, stride), BasicBlock(w, w, 1)))
            cin = w
        self.layers = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(widths[-1], classes)

    def forward(self, x):
        fmap = self.layers(self.maxpool(self.relu(self.bn1(self.conv1(x)))))
        features = torch.flatten(self.avgpool(fmap), 1)
        return self.fc(features), features, fmap


model = TinyResNet18()
with torch.no_grad():
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.uniform_(0.5, 1.5)
            m.bias.uniform_(-0.1, 0.3)
model.eval()

x = torch.rand(2, 3, 32, 32)
onnx_path = os.path.join(OUT, 'resnet18-tiny.onnx')
torch.onnx.export(
    model, (x,), onnx_path, input_names=['input'], output_names=['logits', 'features', 'feature_map'],
    dynamic_axes={'input': {0: 'N'}, 'logits': {0: 'N'}, 'features': {0: 'N'}, 'feature_map': {0: 'N'}},
    opset_version=17, dynamo=False,
)

xg = x.clone().requires_grad_(True)
_, features, _ = model(xg)
selector = torch.randn(features.shape)
(features * selector).sum().backward()


def b64(t):
    return base64.b64encode(t.detach().numpy().astype('<f4').tobytes()).decode('ascii')


with open(os.path.join(OUT, 'resnet18-tiny-gradient.json'), 'w') as f:
    json.dump({
        'description': 'input, selector, features and d sum(features*selector)/d input from PyTorch autograd; '
                       'float32 little-endian, base64',
        'inputShape': list(x.shape), 'featureCount': features.shape[1],
        'input': b64(x), 'selector': b64(selector), 'features': b64(features), 'gradient': b64(xg.grad),
    }, f, indent=1)
print('wrote', onnx_path, os.path.getsize(onnx_path), 'bytes')
