"""Keep the training code alive: a tiny random encoder trains a few steps, exports and quantizes.

Needs the ``train`` extra (torch, transformers); CI installs it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("torch", reason="the train extra (torch) is not installed")
pytest.importorskip("transformers", reason="the train extra (transformers) is not installed")

DATA = Path(__file__).parent / "data" / "ptc-tiny"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from unspin.training.persuasion import TrainConfig, train

    out = tmp_path_factory.mktemp("run")
    cfg = TrainConfig(
        data=str(DATA),
        out=str(out),
        epochs=1,
        batch_size=2,
        tiny=True,
        max_steps=3,
        val_fraction=0.5,
        block_tokens=24,
        context_tokens=8,
        save_every=2,
    )
    return train(cfg)


def test_training_writes_checkpoint_and_log(run: Path) -> None:
    assert (run / "last.pt").is_file()
    assert "step 1/" in (run / "train.log").read_text()


def test_training_exports_int8_onnx_with_both_heads(run: Path) -> None:
    import onnxruntime as ort

    session = ort.InferenceSession(str(run / "export" / "model.onnx"))
    batch, length = 3, 11
    feeds = {
        "input_ids": np.full((batch, length), 2000, dtype=np.int64),
        "attention_mask": np.ones((batch, length), dtype=np.int64),
        "token_type_ids": np.zeros((batch, length), dtype=np.int64),
        "span_mask": np.zeros((batch, length), dtype=np.float32),
        "repetition": np.zeros((batch, 1), dtype=np.float32),
    }
    token_logits, span_logits = session.run(None, feeds)
    assert token_logits.shape == (batch, length, 15)
    assert span_logits.shape == (batch, 14)


def test_training_resume_continues_from_checkpoint(run: Path) -> None:
    import torch

    from unspin.training.persuasion import TrainConfig, train

    before = torch.load(run / "last.pt", weights_only=False)["step"]
    cfg = TrainConfig(
        data=str(DATA),
        out=str(run),
        epochs=2,
        batch_size=2,
        tiny=True,
        max_steps=4,
        val_fraction=0.5,
        block_tokens=24,
        context_tokens=8,
        export=False,
    )
    train(cfg, resume=True)
    assert torch.load(run / "last.pt", weights_only=False)["step"] > before


def test_packaged_tiny_model_runs_in_the_detector(run: Path, tmp_path: Path) -> None:
    from unspin.detectors.persuasion import make_persuasion
    from unspin.document import Document
    from unspin.pipeline import Pipeline
    from unspin.training.package import base_config, stage
    from unspin.training.persuasion import tokenizer_file

    config = base_config({"block_tokens": 24, "context_tokens": 8})
    config["decode"]["threshold"] = 0.0  # an untrained model: every token is "on"
    folder = stage(run / "export" / "model.onnx", tokenizer_file(tiny=True), tmp_path, config)
    detector = make_persuasion(directory=folder)
    doc = Pipeline.from_names("structure").run(
        Document((DATA / "train-articles/article1.txt").read_text())
    )
    layer = detector.detect(doc)
    assert layer.spans and all(
        span.label in detector.model.config["labels"] for span in layer.spans
    )
