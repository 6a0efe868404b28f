"""Checks Genlab's PyTorch exports without PyTorch.

For every `NAME.safetensors` in the folder given, beside its `NAME.py` (the module
definition the page shows): runs that definition against a stand-in for `torch.nn` that
knows the parameter shapes PyTorch's layers have, and loads the file into it as
`load_state_dict(strict=True)` would (every name present, none extra, shapes equal). For
the feature classifier it also runs the network's forward pass in numpy on the input the
engine wrote (`feature-classifier.io.safetensors`) and compares it with the engine's logits.

Usage: python3 check_torch_export.py FOLDER
"""
import math
import sys
import types
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file


class Layer:
    """A stand-in for one `torch.nn` layer: its parameters' names and shapes."""

    def __init__(self, kind, **shapes):
        self.kind = kind
        self.shapes = shapes


def stand_in_nn():
    nn = types.SimpleNamespace()
    nn.Module = object
    nn.Parameter = lambda t: Layer("Parameter", **{"": tuple(t)})
    nn.Linear = lambda i, o: Layer("Linear", weight=(o, i), bias=(o,))
    nn.Conv2d = lambda i, o, k, stride=1, padding=0: Layer(
        "Conv2d", weight=(o, i, k, k), bias=(o,))
    nn.ConvTranspose2d = lambda i, o, k, stride=1, padding=0: Layer(
        "ConvTranspose2d", weight=(i, o, k, k), bias=(o,))
    nn.LayerNorm = lambda d: Layer("LayerNorm", weight=(d,), bias=(d,))
    nn.GroupNorm = lambda g, c: Layer("GroupNorm", weight=(c,), bias=(c,))
    nn.Embedding = lambda n, d: Layer("Embedding", weight=(n, d))
    return nn


def state_dict_shapes(node, prefix=""):
    """The names and shapes `state_dict()` would list for a stand-in module tree."""
    out = {}
    if isinstance(node, Layer):
        for leaf, shape in node.shapes.items():
            out[prefix + leaf if leaf else prefix.rstrip(".")] = shape
        return out
    for name, child in node.children.items():
        out.update(state_dict_shapes(child, f"{prefix}{name}."))
    return out


def run_definition(py_file, weights_file):
    """Executes the page's module definition with the stand-in `torch`, and returns the
    state dict it declares and the file's tensors."""
    nn = stand_in_nn()
    torch = types.SimpleNamespace(zeros=lambda *shape: shape, nn=nn)
    loaded = {}

    class Node:
        def __init__(self, children):
            self.children = children

        def load_state_dict(self, tensors, strict=True):
            loaded["tensors"] = tensors

    source = Path(py_file).read_text()
    # The definition's imports name torch and safetensors.torch; give it the stand-ins.
    body = "\n".join(
        line for line in source.splitlines()
        if not line.startswith(("import ", "from "))
    )
    # Its own `class Node` is replaced by the stand-in above.
    body = body.split("net = ", 1)[1]
    scope = {"torch": torch, "nn": nn, "Node": Node,
             "load_file": lambda path: load_file(str(Path(weights_file)))}
    exec("net = " + body, scope)
    return state_dict_shapes(scope["net"]), loaded["tensors"]


def check_strict(name, declared, tensors):
    missing = sorted(set(declared) - set(tensors))
    unexpected = sorted(set(tensors) - set(declared))
    assert not missing and not unexpected, f"{name}: missing {missing}, unexpected {unexpected}"
    for key, shape in declared.items():
        got = tuple(tensors[key].shape)
        assert got == tuple(shape), f"{name}: {key} is {got} in the file, {shape} in the module"
        assert tensors[key].dtype == np.float32, f"{name}: {key} is {tensors[key].dtype}"


def conv2d(x, w, b, stride, pad):
    """PyTorch's Conv2d (cross-correlation) on [N, C, H, W]."""
    n, c, h, wd = x.shape
    o, _, k, _ = w.shape
    x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - k) // stride + 1, (wd + 2 * pad - k) // stride + 1
    cols = np.empty((n, c, k, k, oh, ow), dtype=np.float64)
    for i in range(k):
        for j in range(k):
            cols[:, :, i, j] = x[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride]
    y = np.einsum("nckluv,ockl->nouv", cols, w.astype(np.float64))
    return y + b.reshape(1, o, 1, 1)


def silu(x):
    return x / (1.0 + np.exp(-x))


def classifier_forward(t, x):
    """The feature classifier: three 4×4 stride-2 convolutions with SiLU, then a linear
    layer (`x @ weight.T + bias`, PyTorch's convention)."""
    h = x.reshape(-1, 3, 32, 32).astype(np.float64)
    for i in range(3):
        h = silu(conv2d(h, t[f"cls.conv{i}.weight"], t[f"cls.conv{i}.bias"], 2, 1))
    h = h.reshape(h.shape[0], -1)
    return h @ t["cls.head.weight"].T.astype(np.float64) + t["cls.head.bias"]


def main(folder):
    folder = Path(folder)
    files = sorted(folder.glob("*.py"))
    assert files, f"no exported definitions in {folder}"
    for py in files:
        weights = py.with_suffix(".safetensors")
        declared, tensors = run_definition(py, weights)
        check_strict(py.stem, declared, tensors)
        print(f"{py.stem}: {len(declared)} tensors load strictly")
    io = folder / "feature-classifier.io.safetensors"
    t = load_file(str(folder / "feature-classifier.safetensors"))
    data = load_file(str(io))
    ours = classifier_forward(t, data["x"])
    err = float(np.max(np.abs(ours - data["logits"])))
    scale = float(np.max(np.abs(data["logits"])))
    assert err <= 1e-4 * max(1.0, scale), f"numpy forward differs by {err} (logits up to {scale})"
    print(f"feature-classifier: numpy forward matches the engine within {err:.2e}")


if __name__ == "__main__":
    main(sys.argv[1])
