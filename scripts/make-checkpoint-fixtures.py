#!/work/torchenv/bin/python
"""Write the tiny PyTorch checkpoints and reference outputs under test/fixtures/import/.

Run: /work/torchenv/bin/python scripts/make-checkpoint-fixtures.py
Needs PyTorch (CPU) only; torchvision is not required: the ResNet below uses torchvision's exact module names
(conv1, bn1, layer1.0.conv1, ..., downsample.0/1, fc) so its state dicts have torchvision's keys.
The test suite reads the committed outputs and never runs Python.

Fixtures (all with randomised batch-norm statistics so folding is exercised):
  resnet18-w4.pt                 plain torchvision state dict, resnet18 topology at stem width 4, zip format,
                                 fc.weight stored non-contiguous (transposed view)
  robust-bottleneck-w4-legacy.pt MadryLab robustness layout: {'model': {module.normalizer.*, module.model.*,
                                 module.attacker.*}, 'optimizer', 'schedule', 'epoch'}, Bottleneck blocks [1,1,1,1],
                                 custom normaliser, legacy (non-zip) torch.save format as written by torch 1.1
  wide-resnet50-2-w2-fp16.pt     {'state_dict': {module.*}} in float16, wide_resnet50_2 topology at stem width 2
  resnet50-w2-bf16.pt            resnet50 topology at stem width 2, conv weights bfloat16, running_var float64
  with-training-args.pt          stub weights plus Python objects outside them (cox.utils.Parameters,
                                 argparse.Namespace): refused by default, read with --lenient
  malicious-os-system.pt         hand-written pickle bytes: GLOBAL os.system + REDUCE (zip format)
  malicious-eval-legacy.pt       hand-written pickle bytes: GLOBAL builtins.eval + REDUCE (legacy format)
Each model fixture has <name>.reference.json: the input formula, normalisation and PyTorch's float32 outputs;
the robustness fixture's also holds PyTorch's input gradient of sum(features * selector) for the first image.
"""
import base64
import collections
import io
import json
import os
import struct
import zipfile

import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'import')
INPUT_SIZE = 64
BATCH = 2
NUM_CLASSES = 10
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]
# The same formula is evaluated in TypeScript (test/import/reference.ts); k / 96 is exact in float32.
INPUT_FORMULA = '((n*37 + c*101 + h*7 + w*3 + h*w) % 97) / 96'
MARKER = '/tmp/faultline-pwned-marker'


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None, base_width=64):
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


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, inplanes, planes, stride=1, downsample=None, base_width=64):
        super().__init__()
        width = int(planes * (base_width / 64.0))
        self.conv1 = nn.Conv2d(inplanes, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.conv3 = nn.Conv2d(width, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


class ResNet(nn.Module):
    """torchvision.models.ResNet with a configurable stem width (torchvision's is 64)."""

    def __init__(self, block, layers, num_classes, stem=64, width_per_group=64):
        super().__init__()
        self.inplanes = stem
        self.base_width = width_per_group
        self.conv1 = nn.Conv2d(3, stem, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(stem)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = self._make_layer(block, stem, layers[0])
        self.layer2 = self._make_layer(block, stem * 2, layers[1], 2)
        self.layer3 = self._make_layer(block, stem * 4, layers[2], 2)
        self.layer4 = self._make_layer(block, stem * 8, layers[3], 2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(stem * 8 * block.expansion, num_classes)

    def _make_layer(self, block, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(
                nn.Conv2d(self.inplanes, planes * block.expansion, 1, stride, bias=False),
                nn.BatchNorm2d(planes * block.expansion),
            )
        layers = [block(self.inplanes, planes, stride, downsample, self.base_width)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes, base_width=self.base_width))
        return nn.Sequential(*layers)

    def forward_all(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        feature_map = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        features = torch.flatten(self.avgpool(feature_map), 1)
        return self.fc(features), features, feature_map


class InputNormalize(nn.Module):
    """robustness.helpers.InputNormalize: buffers new_mean / new_std of shape [3, 1, 1]."""

    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer('new_mean', torch.tensor(mean)[..., None, None])
        self.register_buffer('new_std', torch.tensor(std)[..., None, None])

    def forward(self, x):
        return (torch.clamp(x, 0, 1) - self.new_mean) / self.new_std


class Attacker(nn.Module):
    def __init__(self, model, normalizer):
        super().__init__()
        self.model = model
        self.normalizer = normalizer


class AttackerModel(nn.Module):
    """robustness.attacker.AttackerModel's module layout: normalizer, model, attacker (sharing both)."""

    def __init__(self, model, mean, std):
        super().__init__()
        self.normalizer = InputNormalize(mean, std)
        self.model = model
        self.attacker = Attacker(model, self.normalizer)


def randomise(model, seed):
    """Random weights and non-trivial eval-mode batch-norm statistics."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.Conv2d):
                fan_in = module.weight[0].numel()
                module.weight.copy_(torch.randn(module.weight.shape, generator=g) * (2.0 / fan_in) ** 0.5)
            elif isinstance(module, nn.BatchNorm2d):
                n = module.num_features
                module.weight.copy_(0.5 + torch.rand(n, generator=g))
                module.bias.copy_(0.2 * torch.randn(n, generator=g))
                module.running_mean.copy_(0.2 * torch.randn(n, generator=g))
                module.running_var.copy_(0.5 + torch.rand(n, generator=g))
                module.num_batches_tracked.fill_(1234)
            elif isinstance(module, nn.Linear):
                module.weight.copy_(torch.randn(module.weight.shape, generator=g) / module.in_features**0.5)
                module.bias.copy_(0.1 * torch.randn(module.bias.shape, generator=g))
    return model.eval()


def make_input():
    n, c, h, w = torch.meshgrid(
        torch.arange(BATCH), torch.arange(3), torch.arange(INPUT_SIZE), torch.arange(INPUT_SIZE), indexing='ij'
    )
    k = (n * 37 + c * 101 + h * 7 + w * 3 + h * w) % 97
    return (k.double() / 96).float()


def selector(n, d):
    """The feature weighting of the gradient reference: s[n, j] = (((n*5 + j*3) % 7) - 3) / 3."""
    i, j = torch.meshgrid(torch.arange(n), torch.arange(d), indexing='ij')
    return (((i * 5 + j * 3) % 7) - 3).float() / 3


def normalise(x, mean, std):
    return (x - torch.tensor(mean).view(1, 3, 1, 1)) / torch.tensor(std).view(1, 3, 1, 1)


def input_gradient(model, mean, std):
    """d sum(features * selector) / d input for the first image, as the attack autodiff computes it."""
    x = make_input()[:1].clone().requires_grad_(True)
    _, features, _ = model.forward_all(normalise(x, mean, std))
    (features * selector(*features.shape)).sum().backward()
    return x.grad


def base64_float32(t):
    return base64.b64encode(t.detach().contiguous().numpy().astype('<f4').tobytes()).decode()


def write_reference(name, model, mean, std, arch, notes, gradient=False):
    x = make_input()
    with torch.no_grad():
        logits, features, feature_map = model.forward_all(normalise(x, mean, std))
    reference = {
        'checkpoint': f'{name}.pt',
        'arch': arch,
        'notes': notes,
        'inputSize': INPUT_SIZE,
        'batch': BATCH,
        'inputFormula': INPUT_FORMULA,
        'mean': mean,
        'std': std,
        'torch': torch.__version__,
        'logits': {'shape': list(logits.shape), 'data': logits.flatten().tolist()},
        'features': {'shape': list(features.shape), 'data': features.flatten().tolist()},
        'featureMap': {'shape': list(feature_map.shape), 'data': feature_map.flatten().tolist()},
    }
    if gradient:
        grad = input_gradient(model, mean, std)
        reference['gradient'] = {
            'selectorFormula': '(((n*5 + j*3) % 7) - 3) / 3',
            'shape': list(grad.shape),
            'float32Base64': base64_float32(grad),
        }
    with open(os.path.join(OUT, f'{name}.reference.json'), 'w') as f:
        json.dump(reference, f, separators=(',', ':'))
        f.write('\n')


def plain_resnet18():
    model = randomise(ResNet(BasicBlock, [2, 2, 2, 2], NUM_CLASSES, stem=4), seed=1)
    state = model.state_dict()
    # Store fc.weight as a transposed (non-contiguous) view: the reader must honour strides.
    state['fc.weight'] = state['fc.weight'].t().contiguous().t()
    assert not state['fc.weight'].is_contiguous()
    torch.save(state, os.path.join(OUT, 'resnet18-w4.pt'))
    write_reference('resnet18-w4', model, IMAGENET_MEAN, IMAGENET_STD, 'resnet18',
                    'plain torchvision state dict; mean/std are ImageNet defaults (not stored in the file)')


def robustness_wrapper():
    mean, std = [0.5, 0.4, 0.3], [0.2, 0.25, 0.3]
    model = randomise(ResNet(Bottleneck, [1, 1, 1, 1], NUM_CLASSES, stem=4), seed=2)
    wrapper = AttackerModel(model, mean, std)
    state = collections.OrderedDict(('module.' + k, v) for k, v in wrapper.state_dict().items())
    optimizer = torch.optim.SGD(wrapper.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)
    checkpoint = {'model': state, 'optimizer': optimizer.state_dict(), 'schedule': None, 'epoch': 91}
    torch.save(checkpoint, os.path.join(OUT, 'robust-bottleneck-w4-legacy.pt'), _use_new_zipfile_serialization=False)
    # The normaliser buffers are float32: the reference uses exactly the stored values.
    stored_mean = wrapper.normalizer.new_mean.flatten().tolist()
    stored_std = wrapper.normalizer.new_std.flatten().tolist()
    write_reference('robust-bottleneck-w4-legacy', model, stored_mean, stored_std, 'auto',
                    'robustness AttackerModel layout under DataParallel; mean/std from module.normalizer',
                    gradient=True)


def wide_fp16():
    model = randomise(ResNet(Bottleneck, [3, 4, 6, 3], NUM_CLASSES, stem=2, width_per_group=128), seed=3)
    half = collections.OrderedDict(
        ('module.' + k, v.half() if v.is_floating_point() else v) for k, v in model.state_dict().items()
    )
    torch.save({'state_dict': half, 'epoch': 3}, os.path.join(OUT, 'wide-resnet50-2-w2-fp16.pt'))
    # The reference runs the float32 model on the fp16-rounded weights, as an import does.
    model.load_state_dict({k[len('module.'):]: v.float() if v.is_floating_point() else v for k, v in half.items()})
    write_reference('wide-resnet50-2-w2-fp16', model, IMAGENET_MEAN, IMAGENET_STD, 'wide_resnet50_2',
                    'float16 weights under a state_dict key with module. prefixes')


def resnet50_bf16():
    model = randomise(ResNet(Bottleneck, [3, 4, 6, 3], NUM_CLASSES, stem=2), seed=4)
    state = collections.OrderedDict()
    for k, v in model.state_dict().items():
        if k.endswith('running_var'):
            state[k] = v.double()
        elif v.is_floating_point() and v.dim() == 4:
            state[k] = v.bfloat16()
        else:
            state[k] = v
    torch.save(state, os.path.join(OUT, 'resnet50-w2-bf16.pt'))
    model.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})
    write_reference('resnet50-w2-bf16', model, IMAGENET_MEAN, IMAGENET_STD, 'resnet50',
                    'bfloat16 convolution weights, float64 running_var')


def with_training_args():
    """A robustness-style checkpoint that also stores its training arguments as Python objects (cox's Parameters,
    an argparse.Namespace), as some published robustness checkpoints do. The weights are a stub."""
    import argparse
    import sys
    import types

    cox = types.ModuleType('cox')
    cox_utils = types.ModuleType('cox.utils')

    class Parameters:
        def __init__(self, params):
            self.params = params

    Parameters.__module__ = 'cox.utils'
    Parameters.__qualname__ = 'Parameters'
    cox_utils.Parameters = Parameters
    sys.modules['cox'], sys.modules['cox.utils'] = cox, cox_utils
    try:
        g = torch.Generator().manual_seed(5)
        state = collections.OrderedDict([('module.model.conv1.weight', torch.randn(2, 3, 7, 7, generator=g))])
        checkpoint = {
            'model': state,
            'args': Parameters({'arch': 'resnet50', 'eps': 3.0, 'constraint': '2'}),
            'schedule': argparse.Namespace(step_lr=30),
            'epoch': 90,
        }
        torch.save(checkpoint, os.path.join(OUT, 'with-training-args.pt'))
    finally:
        del sys.modules['cox'], sys.modules['cox.utils']


def unicode_op(text):
    data = text.encode('utf-8')
    return b'X' + struct.pack('<I', len(data)) + data


def malicious_pickle(module, name, argument):
    """PROTO 2; GLOBAL module.name; (argument,); REDUCE; STOP -- written byte by byte, never pickled."""
    return b'\x80\x02' + b'c' + f'{module}\n{name}\n'.encode() + unicode_op(argument) + b'\x85' + b'R' + b'.'


def malicious_fixtures():
    path = os.path.join(OUT, 'malicious-os-system.pt')
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_STORED) as z:
        z.writestr('malicious-os-system/data.pkl', malicious_pickle('os', 'system', f'touch {MARKER}'))
        z.writestr('malicious-os-system/byteorder', 'little')
        z.writestr('malicious-os-system/version', '3\n')
    # Legacy layout: magic number, protocol version and sys-info pickles, then the hostile object pickle.
    magic = b'\x80\x02\x8a\x0a' + (0x1950A86A20F9469CFC6C).to_bytes(10, 'little') + b'.'
    protocol = b'\x80\x02M' + struct.pack('<H', 1001) + b'.'
    sys_info = b'\x80\x02}.'
    with open(os.path.join(OUT, 'malicious-eval-legacy.pt'), 'wb') as f:
        f.write(magic + protocol + sys_info + malicious_pickle('builtins', 'eval', f'__import__("os").system("touch {MARKER}")'))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    torch.backends.nnpack.set_flags(False)  # silences "Could not initialize NNPACK" on CPUs without it
    plain_resnet18()
    robustness_wrapper()
    wide_fp16()
    resnet50_bf16()
    with_training_args()
    malicious_fixtures()
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f'wrote {len(os.listdir(OUT))} files, {total / 1024:.0f} KiB, to {os.path.normpath(OUT)}')


if __name__ == '__main__':
    main()
