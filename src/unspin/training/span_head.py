"""Copy the persuasion model's span head into a graph of its own that labels many spans at once.

The persuasion graph labels one span per row: its ``span_mask`` input is [batch, sequence]. The
detector therefore ran a second encoder pass, one row per found span, just to name the spans'
techniques. The span head only reads the encoder's last hidden states, so this module writes
``span_head.onnx``: the same head (span-mean ++ [CLS] ++ repetition -> tanh layer -> 14 logits)
with inputs ``states`` [batch, sequence, hidden] (the token pass's last-layer states),
``span_mask`` [batch, spans, sequence] and ``repetition`` [batch, spans, 1], and output
``span_logits`` [batch, spans, 14]. Every span found in a window is then named from the states
the token pass already computed: no second pass.

The weights are the int8 graph's, dequantized once (per output channel) to float32; the head is
tiny (about 300k parameters), so it runs in float32. Needs the ``onnx`` package (``train`` extra).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["SPAN_HEAD_FILE", "add_span_head", "extract_span_head", "dequantized"]

SPAN_HEAD_FILE = "span_head.onnx"
_LAYERS = ("span_hidden", "span_out")


def dequantized(initializers: dict[str, np.ndarray], layer: str) -> tuple[np.ndarray, np.ndarray]:
    """The float32 ``(weight [in, out], bias [out])`` of a linear layer of the exported graph,
    int8 per-channel quantized (``<layer>.weight_Transposed_quantized`` with its scale and zero
    point) or float (``<layer>.weight``, [out, in])."""
    bias = initializers[f"{layer}.bias"].astype(np.float32)
    quantized = initializers.get(f"{layer}.weight_Transposed_quantized")
    if quantized is None:
        weight = initializers.get(f"{layer}.weight")
        if weight is None:
            raise ValueError(f"the graph has no weights for {layer!r}")
        return weight.astype(np.float32).T.copy(), bias
    scale = initializers[f"{layer}.weight_Transposed_scale"].astype(np.float32)
    zero = initializers[f"{layer}.weight_Transposed_zero_point"].astype(np.float32)
    weight = (quantized.astype(np.float32) - zero.reshape(1, -1)) * scale.reshape(1, -1)
    return weight, bias


def extract_span_head(source: Path, target: Path) -> Path:
    """Write the span head of the persuasion graph ``source`` as ``target`` (see module doc).

    Raises:
        ValueError: ``source`` has no span head.
    """
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    graph = onnx.load(str(source)).graph
    initializers = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    (w1, b1), (w2, b2) = (dequantized(initializers, layer) for layer in _LAYERS)
    hidden = (w1.shape[0] - 1) // 2
    if w1.shape[0] != 2 * hidden + 1:
        raise ValueError(f"span_hidden takes {w1.shape[0]} inputs, not 2 x hidden + 1")
    consts = {
        "w1": w1,
        "b1": b1,
        "w2": w2,
        "b2": b2,
        "one": np.array(1.0, dtype=np.float32),
        "last": np.array([-1], dtype=np.int64),
        "cls_index": np.array([0], dtype=np.int64),
    }
    nodes = [
        # span means: [B, K, T] @ [B, T, H] / number of span tokens (at least 1)
        helper.make_node("MatMul", ["span_mask", "states"], ["summed"]),
        helper.make_node("ReduceSum", ["span_mask", "last"], ["count"], keepdims=1),
        helper.make_node("Max", ["count", "one"], ["count1"]),
        helper.make_node("Div", ["summed", "count1"], ["pooled"]),
        # [CLS] state of each row, repeated for each of its spans: [B, 1, H] -> [B, K, H]
        helper.make_node("Gather", ["states", "cls_index"], ["cls"], axis=1),
        helper.make_node("Shape", ["pooled"], ["pooled_shape"]),
        helper.make_node("Expand", ["cls", "pooled_shape"], ["cls_k"]),
        helper.make_node("Concat", ["pooled", "cls_k", "repetition"], ["features"], axis=-1),
        helper.make_node("MatMul", ["features", "w1"], ["h1"]),
        helper.make_node("Add", ["h1", "b1"], ["h2"]),
        helper.make_node("Tanh", ["h2"], ["h3"]),
        helper.make_node("MatMul", ["h3", "w2"], ["o1"]),
        helper.make_node("Add", ["o1", "b2"], ["span_logits"]),
    ]
    model = helper.make_model(
        helper.make_graph(
            nodes,
            "persuasion_span_head",
            [
                helper.make_tensor_value_info(
                    "states", TensorProto.FLOAT, ["batch", "sequence", hidden]
                ),
                helper.make_tensor_value_info(
                    "span_mask", TensorProto.FLOAT, ["batch", "spans", "sequence"]
                ),
                helper.make_tensor_value_info(
                    "repetition", TensorProto.FLOAT, ["batch", "spans", 1]
                ),
            ],
            [
                helper.make_tensor_value_info(
                    "span_logits", TensorProto.FLOAT, ["batch", "spans", w2.shape[1]]
                )
            ],
            initializer=[numpy_helper.from_array(v, name) for name, v in consts.items()],
        ),
        opset_imports=[helper.make_opsetid("", 17)],
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    target.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(target))
    return target


def add_span_head(directory: Path) -> Path:
    """Give a packaged persuasion model folder its ``span_head.onnx`` and name it in the manifest.

    The folder's ``model.onnx`` must output ``token_states`` (whose first ``hidden`` features are
    the last layer's states). The manifest's config gets ``"span_head": "span_head.onnx"`` and
    ``detect_span_crop`` None (found spans are named in their whole windows, as the TC figures
    are measured), and its file hashes are rewritten.

    Raises:
        ValueError: the graph has no ``token_states`` output or no span head.
    """
    import json

    import onnx

    from unspin.detectors.persuasion.detector import STATES_OUTPUT
    from unspin.models.runtime import sha256_file

    directory = Path(directory)
    graph = onnx.load(str(directory / "model.onnx"), load_external_data=False).graph
    if STATES_OUTPUT not in {o.name for o in graph.output}:
        raise ValueError(f"{directory / 'model.onnx'} has no {STATES_OUTPUT!r} output")
    extract_span_head(directory / "model.onnx", directory / SPAN_HEAD_FILE)
    path = directory / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["config"]["span_head"] = SPAN_HEAD_FILE
    manifest["config"]["detect_span_crop"] = None
    names = list(dict.fromkeys([*manifest["files"], SPAN_HEAD_FILE]))
    manifest["files"] = {name: sha256_file(directory / name) for name in names}
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return directory / SPAN_HEAD_FILE
