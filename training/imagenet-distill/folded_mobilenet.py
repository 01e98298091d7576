"""MobileNetV2-int8 (ONNX model zoo, QOperator format) folded into a float32 PyTorch network.

The int8 model is the only network here that knows all 1000 ImageNet classes. Its QLinear ops are turned back
into float ops: per-channel int8 weights become (w - zero_point) * scale, int32 biases bias * s_x * s_w, and
every conv whose uint8 output has zero point 0 gets the ReLU6 that the quantised graph expresses only as the
uint8 clamp [0, 255 * scale] (255 * scale is 6.0 in the blocks' expansion layers; where a calibration range is
narrower, ReLU6 is the float network the model was quantised from). Residual QLinearAdds become plain adds.
Everything else (re-quantisation of activations) is dropped, so this is the float network, not a simulation of
the int8 arithmetic.

forward(x) takes RGB in [0, 1] (ImageNet mean/std normalisation is the first layer, as faultline's robust model
specs expect) and returns (logits [N,1000], features [N,1280] global-average-pooled, feature_map [N,1280,h,w]).
"""
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import numpy_helper

MEAN = (0.485, 0.456, 0.406)
STD = (0.229, 0.224, 0.225)


class Normalize(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.tensor(MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(STD).view(1, 3, 1, 1))

    def forward(self, x):
        return (x - self.mean) / self.std


class FoldedMobileNetV2(nn.Module):
    """The float network, built from an ordered plan of conv and add steps read off the ONNX graph."""

    def __init__(self, plan, convs, classifier, input_name, feature_map_name):
        super().__init__()
        self.normalize = Normalize()
        self.plan = plan  # list of ("conv", index, input, output, relu6) | ("add", a, b, output)
        self.convs = nn.ModuleList(convs)
        self.classifier = classifier
        self.input_name = input_name
        self.feature_map_name = feature_map_name

    def forward(self, x):
        values = {self.input_name: self.normalize(x)}
        for step in self.plan:
            if step[0] == "conv":
                _, index, src, dst, relu6 = step
                y = self.convs[index](values[src])
                values[dst] = F.hardtanh(y, 0.0, 6.0) if relu6 else y
            else:
                _, a, b, dst = step
                values[dst] = values[a] + values[b]
        feature_map = values[self.feature_map_name]
        features = feature_map.mean(dim=(2, 3))
        return self.classifier(features), features, feature_map


def load_folded(path):
    model = onnx.load(path)
    init = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}

    def scalar(name):
        return float(init[name])

    plan, convs = [], []
    input_name, feature_map_name, classifier = None, None, None
    matmul = None
    for node in model.graph.node:
        op, ins, out = node.op_type, list(node.input), node.output[0]
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        if op == "QuantizeLinear" and input_name is None:
            input_name = out
        elif op == "QLinearConv":
            x, xs, _xz, w, ws, wz, ys, yz = ins[:8]
            weight = torch.tensor(init[w], dtype=torch.float64)
            shape = (-1,) + (1,) * (weight.dim() - 1)
            w_scale = torch.tensor(init[ws], dtype=torch.float64).reshape(-1)
            w_zero = torch.tensor(init[wz], dtype=torch.float64).reshape(-1)
            weight = (weight - w_zero.reshape(shape)) * w_scale.reshape(shape)
            bias = torch.tensor(init[ins[8]], dtype=torch.float64) * scalar(xs) * w_scale if len(ins) > 8 else None
            kh, kw = attrs["kernel_shape"]
            conv = nn.Conv2d(
                weight.shape[1] * attrs.get("group", 1),
                weight.shape[0],
                (kh, kw),
                stride=tuple(attrs.get("strides", [1, 1])),
                padding=tuple(attrs.get("pads", [0, 0, 0, 0])[:2]),
                groups=attrs.get("group", 1),
                bias=bias is not None,
            )
            with torch.no_grad():
                conv.weight.copy_(weight.float())
                if bias is not None:
                    conv.bias.copy_(bias.float())
            relu6 = int(init[yz]) == 0
            plan.append(("conv", len(convs), x, out, relu6))
            convs.append(conv)
        elif op == "QLinearAdd" and matmul is None:
            plan.append(("add", ins[0], ins[3], out))
        elif op == "QLinearGlobalAveragePool":
            feature_map_name = ins[0]
        elif op == "QLinearMatMul":
            _x, _xs, _xz, w, ws, wz = ins[:6]
            # [1280, 1000]; scale and zero point per output column or per tensor
            m_scale = torch.tensor(init[ws], dtype=torch.float64).reshape(1, -1)
            m_zero = torch.tensor(init[wz], dtype=torch.float64).reshape(1, -1)
            matmul = (torch.tensor(init[w], dtype=torch.float64) - m_zero) * m_scale
        elif op == "QLinearAdd" and matmul is not None:
            b, bs, bz = ins[3], ins[4], ins[5]
            b_scale = torch.tensor(init[bs], dtype=torch.float64).reshape(-1)
            bias = (torch.tensor(init[b], dtype=torch.float64) - torch.tensor(init[bz], dtype=torch.float64).reshape(-1)) * b_scale
            classifier = nn.Linear(matmul.shape[0], matmul.shape[1])
            with torch.no_grad():
                classifier.weight.copy_(matmul.t().float())
                classifier.bias.copy_(bias.reshape(-1).float())
    if input_name is None or feature_map_name is None or classifier is None:
        raise ValueError(f"{path}: not the QOperator MobileNetV2 layout this folder expects")
    return FoldedMobileNetV2(plan, convs, classifier, input_name, feature_map_name)
