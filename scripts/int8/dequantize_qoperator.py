"""
Rewrites a QOperator int8 ONNX model (QLinearConv, QLinearMatMul, QLinearAdd, QLinearGlobalAveragePool) into
float ops between QuantizeLinear / DequantizeLinear: the same integer arithmetic (each op's inputs dequantized,
its output requantized with the same scale and zero point) but accumulated in float32, so without the int16
saturation of onnxruntime's u8s8 kernels on CPUs without VNNI. Used to check that saturation, not the data or
faultline, explains MobileNetV2-int8's lower accuracy on such CPUs (docs/evaluation-imagenette.md).

    python3 scripts/int8/dequantize_qoperator.py ../shared/models/mobilenetv2-12-int8.onnx /tmp/mnv2-dq.onnx
    npx faultline extract --data ../shared/data/imagenette/val --model /tmp/mnv2-dq.onnx --preprocess resize \
        --out /tmp/mnv2-dq-run

Needs the onnx and numpy Python packages (Debian: python3-onnx). Not used at run time.
"""

import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper


def dequantize(model):
    graph = model.graph
    init = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    extra, nodes = [], []

    def const(name, values):
        extra.append(numpy_helper.from_array(values.astype(np.float32), name))
        return name

    def around(p, inputs, op, output, **attrs):
        """DequantizeLinear on each (x, scale, zero) input, op in float, QuantizeLinear to output."""
        *quantized, (ys, yz) = inputs
        floats = []
        for i, (x, xs, xz) in enumerate(quantized):
            nodes.append(helper.make_node("DequantizeLinear", [x, xs, xz], [f"{p}_in{i}"]))
            floats.append(f"{p}_in{i}")
        nodes.append(helper.make_node(op, floats, [f"{p}_out"], **attrs))
        nodes.append(helper.make_node("QuantizeLinear", [f"{p}_out", ys, yz], [output]))

    for n in graph.node:
        p = (n.name or n.output[0]) + "_dq"
        if n.op_type == "QLinearConv":
            x, xs, xz, w, ws, wz, ys, yz = n.input[:8]
            # Per-channel int8 weights become float constants: (w - zero) * scale, exact in float64.
            shape = (-1,) + (1,) * (init[w].ndim - 1)
            scale = init[ws].astype(np.float64).reshape(shape)
            weights = (init[w].astype(np.float64) - init[wz].astype(np.float64).reshape(shape)) * scale
            inputs = [f"{p}_x", const(f"{p}_w", weights)]
            if len(n.input) > 8 and n.input[8]:
                # int32 bias in units of input scale x weight scale.
                bias = init[n.input[8]].astype(np.float64) * float(init[xs]) * init[ws].astype(np.float64)
                inputs.append(const(f"{p}_b", bias))
            nodes.append(helper.make_node("DequantizeLinear", [x, xs, xz], [f"{p}_x"]))
            conv = helper.make_node("Conv", inputs, [f"{p}_y"])
            conv.attribute.extend(n.attribute)
            nodes.append(conv)
            nodes.append(helper.make_node("QuantizeLinear", [f"{p}_y", ys, yz], [n.output[0]]))
        elif n.op_type in ("QLinearAdd", "QLinearMatMul"):
            a, a_s, a_z, b, b_s, b_z, ys, yz = n.input
            op = "Add" if n.op_type == "QLinearAdd" else "MatMul"
            around(p, [(a, a_s, a_z), (b, b_s, b_z), (ys, yz)], op, n.output[0])
        elif n.op_type == "QLinearGlobalAveragePool":
            x, xs, xz, ys, yz = n.input
            around(p, [(x, xs, xz), (ys, yz)], "GlobalAveragePool", n.output[0])
        else:
            nodes.append(n)
    del graph.node[:]
    graph.node.extend(nodes)
    graph.initializer.extend(extra)
    onnx.checker.check_model(model)
    return model


if __name__ == "__main__":
    onnx.save(dequantize(onnx.load(sys.argv[1])), sys.argv[2])
    print("wrote", sys.argv[2])
