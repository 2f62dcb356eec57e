"""Export the persuasion network to one ONNX file and quantize it to int8 (per channel).

It takes the network as a ``torch.nn.Module`` with the persuasion graph's signature, so the
trainer (:mod:`unspin.training.persuasion`) imports this module and not the other way round.
"""

from __future__ import annotations

from pathlib import Path

import torch

from unspin.training import common

__all__ = ["export_onnx", "quantize", "INPUT_NAMES", "OUTPUT_NAMES"]

INPUT_NAMES = ["input_ids", "attention_mask", "token_type_ids", "span_mask", "repetition"]
OUTPUT_NAMES = ["token_logits", "span_logits", "token_states"]


def export_onnx(net: torch.nn.Module, path: Path) -> Path:
    """Write ``net`` (both heads, and the encoder states for the SI head) as ONNX opset 17 with
    dynamic batch and sequence axes."""
    batch, length = 2, 16
    ids = torch.randint(1000, 2000, (batch, length), dtype=torch.long)
    mask = torch.ones(batch, length, dtype=torch.long)
    types = torch.zeros(batch, length, dtype=torch.long)
    span_mask = torch.zeros(batch, length, dtype=torch.float32)
    span_mask[:, 2:5] = 1.0
    repetition = torch.zeros(batch, 1, dtype=torch.float32)
    axes = {
        "input_ids": {0: "batch", 1: "sequence"},
        "attention_mask": {0: "batch", 1: "sequence"},
        "token_type_ids": {0: "batch", 1: "sequence"},
        "span_mask": {0: "batch", 1: "sequence"},
        "repetition": {0: "batch"},
        "token_logits": {0: "batch", 1: "sequence"},
        "span_logits": {0: "batch"},
        "token_states": {0: "batch", 1: "sequence"},
    }
    return common.export_onnx(
        net,
        (ids, mask, types, span_mask, repetition),
        path,
        input_names=INPUT_NAMES,
        output_names=OUTPUT_NAMES,
        dynamic_axes=axes,
    )


def quantize(source: Path, target: Path) -> Path:
    """Quantize weights to int8, per channel (every op type onnxruntime quantizes dynamically)."""
    return common.quantize_int8(source, target, op_types=None)
